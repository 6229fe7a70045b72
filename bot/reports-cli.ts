// The office's report commands: `huying bulletin`, `huying survey import`, `huying supervise`
// and `huying annual`. People read Chinese; usage and exit codes are the CLI's (2: usage).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../config/clock.ts';
import { loadDistrict } from '../config/district.ts';
import type { Env } from '../config/env.ts';
import { silentLogger } from '../config/log.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { syncDistrict } from '../db/sync.ts';
import { STATE_NAMES } from '../handlers/calls.ts';
import type { Ctx } from '../handlers/context.ts';
import { Refusal } from '../handlers/errors.ts';
import type { Message } from '../handlers/messages.ts';
import { annualResults, importSurvey, parseYear } from '../handlers/reports/annual.ts';
import {
  bulletinMessage,
  monthlyBulletin,
  parseMonth,
  percent,
  renderBulletinChart,
} from '../handlers/reports/bulletin.ts';
import { supervision } from '../handlers/reports/supervision.ts';
import { formatShanghai, previousMonth } from '../handlers/worktime.ts';
import { openDatabase } from './runtime.ts';

export const REPORTS_USAGE = `  huying bulletin [--month YYYY-MM] [--out FILE|DIR]   print a month's bulletin, write its chart PNG
  huying survey import FILE [--year YYYY]             import the annual survey CSV (部门,得分,样本量)
  huying supervise [--street CODE|名称] [--month YYYY-MM]  the streets' calls, returns and reopens
  huying annual [--year YYYY]                         annual results (70% process, 30% survey)
`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  cwd: process.cwd(),
};

/** A message as plain text, the way a terminal shows a card. */
export function messageText(m: Message): string {
  return [
    m.title,
    '',
    ...(m.fields ?? []).map((f) => `${f.label}：${f.value}`),
    ...(m.text ? ['', m.text] : []),
    ...(m.note ? ['', m.note] : []),
  ].join('\n');
}

/** Runs one report command (argv[0] is the command); returns the exit code. */
export async function reportsCli(argv: string[], env: Env, io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  let values: Record<string, string | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        month: { type: 'string' },
        out: { type: 'string' },
        year: { type: 'string' },
        street: { type: 'string' },
      },
    }) as { values: Record<string, string | undefined>; positionals: string[] });
  } catch (e) {
    io.err(`${(e as Error).message}\n\nusage:\n${REPORTS_USAGE}`);
    return 2;
  }
  if (!['bulletin', 'survey', 'supervise', 'annual'].includes(command)) {
    io.err(`unknown report command "${command}"\n\nusage:\n${REPORTS_USAGE}`);
    return 2;
  }
  if (command === 'survey' && (positionals[0] !== 'import' || !positionals[1])) {
    io.err(`usage:\n${REPORTS_USAGE}`);
    return 2;
  }
  const database = await openDatabase(env, silentLogger);
  try {
    await migrateToLatest(database.db);
    const district = loadDistrict(env.HUYING_CONFIG);
    await syncDistrict(database.db, district);
    const ctx: Ctx = { db: database.db, district, clock: systemClock, log: silentLogger };
    const month = values.month ?? previousMonth(ctx.clock.now());
    switch (command) {
      case 'bulletin': {
        const b = await monthlyBulletin(ctx, month);
        io.out(messageText(bulletinMessage(b)));
        const out = values.out ? resolve(io.cwd, values.out) : io.cwd;
        const file = out.endsWith('.png') ? out : join(out, `bulletin-${month}.png`);
        writeFileSync(file, await renderBulletinChart(b));
        io.out(`\n图表：${file}`);
        return 0;
      }
      case 'survey': {
        const year = parseYear(ctx, values.year);
        const r = await importSurvey(ctx, readFileSync(resolve(io.cwd, positionals[1]), 'utf8'), year);
        if (!r.ok) {
          io.err(`年度测评数据有 ${r.errors.length} 处问题，未导入任何数据：\n${r.errors.join('\n')}`);
          return 1;
        }
        io.out(
          `已导入 ${year} 年度测评：${r.imported} 个部门${r.replaced ? `（替换原有 ${r.replaced} 条）` : ''}`,
        );
        return 0;
      }
      case 'supervise': {
        const p = parseMonth(values.month ?? formatShanghai(ctx.clock.now()).slice(0, 7));
        for (const s of await supervision(ctx, p, values.street)) {
          io.out(
            `${s.name}：事项 ${s.calls} 件，呼叫 ${s.callsMade} 件，被退回 ${s.returnedCalls} 件（退回 ${s.returns} 次），重办 ${s.reopens} 次，` +
              `呼叫准确度 ${percent(s.callAccuracy)}`,
          );
          for (const c of s.list)
            io.out(
              `  ${c.no} ${STATE_NAMES[c.state] ?? c.state}${c.returns ? ` 退回${c.returns}次` : ''}${c.reopens ? ` 重办${c.reopens}次` : ''}${c.spotChecked ? ' 已督查' : ''} ${c.text.slice(0, 30)}`,
            );
        }
        return 0;
      }
      default: {
        const r = await annualResults(ctx, parseYear(ctx, values.year));
        io.out(`${r.year} 年度评议结果（过程评议 70% + 年度测评 30%）`);
        for (const row of r.rows)
          io.out(
            row.result === null
              ? `  —  ${row.name} 缺少${row.missing.join('、')}`
              : `  ${row.rank}. ${row.name} ${row.result}（过程 ${row.processAvg!.toFixed(2)}，测评 ${row.survey!.toFixed(2)}）`,
          );
        return 0;
      }
    }
  } catch (e) {
    if (!(e instanceof Refusal)) throw e;
    io.err(e.reason);
    return 2;
  } finally {
    await database.close();
  }
}
