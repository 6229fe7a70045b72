// How the retention sweep runs: `huying retention` (a period, or the district file's; a dry
// run), and the monthly schedule, which is there only when the district file sets a period.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../config/log.ts';
import { ERASED } from '../handlers/personal.ts';
import { exclusiveLane } from '../jobs/lane.ts';
import { MemoryDriver } from '../jobs/memory.ts';
import { startSchedules } from '../jobs/schedules.ts';
import { until } from '../test/queues.ts';
import { type World, world } from '../test/world.ts';
import { loadServiceEnv } from './adapters.ts';
import type { CliIo } from './reports-cli.ts';
import { RETENTION_USAGE, retentionCli } from './retention-cli.ts';

let w: World;
let no: string;
beforeAll(async () => {
  w = await world();
  const out = await w.say(w.actors.resident, '@呼应 晨辉社区垃圾堆积，联系13812345678');
  no = (out as { callNo: string }).callNo;
  expect((await w.say(w.actors.liang, `撤销 ${no} 已由物业清运`)).ok).toBe(true);
});
afterAll(async () => w?.close());

const reporter = async () =>
  (await w.t.db.selectFrom('calls').select('reporter_name').where('no', '=', no).executeTakeFirstOrThrow())
    .reporter_name;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t) => out.push(t), err: (t) => err.push(t), cwd: '.' } as CliIo };
}
const env = () => loadServiceEnv({ DATABASE_URL: w.t.url, LOG_LEVEL: 'silent' });

describe('huying retention', () => {
  it('wants a period, from --older-than or the district file, and refuses a bad one', async () => {
    const none = io();
    expect(await retentionCli([], env(), none.io, w.clock)).toBe(2);
    expect(none.err[0]).toContain('no period: pass --older-than (e.g. 3y)');
    expect(none.err[0]).toContain(RETENTION_USAGE.trim());
    const bad = io();
    expect(await retentionCli(['--older-than', '3 years'], env(), bad.io, w.clock)).toBe(2);
    expect(bad.err).toEqual([
      '"3 years" is not a retention period: write e.g. 3y, 18mo, 8w or 90d（保留期限格式有误）',
    ]);
    const unknown = io();
    expect(await retentionCli(['--older-then', '3y'], env(), unknown.io, w.clock)).toBe(2);
    expect(unknown.err[0]).toContain("Unknown option '--older-then'");
  });

  it('counts on a dry run, then erases, and leaves newer calls alone', async () => {
    await w.clock.set(new Date('2027-01-05T02:00:00Z'));
    const young = io();
    expect(await retentionCli(['--older-than', '1y'], env(), young.io, w.clock)).toBe(0);
    expect(young.out[1]).toBe('  finished calls erased: 0');
    expect(await reporter()).toBe('王阿姨');

    const dry = io();
    expect(await retentionCli(['--older-than', '30d', '--dry-run'], env(), dry.io, w.clock)).toBe(0);
    expect(dry.out).toEqual([
      'retention 30d: personal data from before 2026-12-06T02:00:00.000Z (dry run: nothing changed)',
      '  finished calls would erase: 1',
      "  timeline events with a resident's name or phone numbers: 1",
      '  satisfaction answers unlinked from their person: 0',
      expect.stringMatching(/^ {2}old messages would erase: outbox \d+, inbound events 0, simulator 0$/),
      '  attached photos would erase: 0',
    ]);
    expect(await reporter()).toBe('王阿姨');

    const run = io();
    expect(await retentionCli(['--older-than', '30d'], env(), run.io, w.clock)).toBe(0);
    expect(run.out[1]).toBe('  finished calls erased: 1');
    expect(await reporter()).toBe(ERASED);
  });
});

describe('the monthly retention schedule', () => {
  it('is off unless the district file sets a period, and erases on the 2nd of each month when it does', async () => {
    const t = await world('2026-11-23T02:00:00Z');
    try {
      const out = await t.say(t.actors.resident, '@呼应 晨辉路12号路灯不亮');
      const callNo = (out as { callNo: string }).callNo;
      expect((await t.say(t.actors.liang, `撤销 ${callNo} 重复反映`)).ok).toBe(true);
      const name = async () =>
        (
          await t.t.db
            .selectFrom('calls')
            .select('reporter_name')
            .where('no', '=', callNo)
            .executeTakeFirstOrThrow()
        ).reporter_name;

      const off = new MemoryDriver(t.clock);
      await startSchedules(t.ctx, off.queue('schedules'), silentLogger, exclusiveLane());
      const on = new MemoryDriver(t.clock);
      const district = { ...t.ctx.district, retention: { personal_data: '30d' } };
      const queue = on.queue('schedules');
      // what each run reports, as the worker's log has it
      const runs: { calls: number; cutoff: string }[] = [];
      const log = pino(
        { level: 'info' },
        {
          write: (line: string) => {
            const entry = JSON.parse(line);
            if (entry.msg === 'retention: personal data erased')
              runs.push({ calls: entry.calls, cutoff: entry.cutoff });
          },
        },
      );
      await startSchedules({ ...t.ctx, district, log }, queue, log, exclusiveLane());
      const pending = async (q: typeof queue) => (await q.counts()).delayed;
      // bulletin, digest, archive; and retention only where the period is set
      expect(await pending(off.queue('schedules'))).toBe(3);
      expect(await pending(queue)).toBe(4);

      // 2 December 03:00: the call is three weeks old, younger than 30 days
      await t.clock.set(new Date('2026-12-01T19:05:00Z'));
      await until(() => runs.length === 1, 'the December run');
      expect(runs[0]).toEqual({ calls: 0, cutoff: '2026-11-01T19:00:00.000Z' });
      expect(await name()).toBe('王阿姨');
      // 2 January 03:00: now it is old enough
      await t.clock.set(new Date('2027-01-01T19:05:00Z'));
      await until(() => runs.length === 2, 'the January run');
      expect(runs[1]).toEqual({ calls: 1, cutoff: '2026-12-02T19:00:00.000Z' });
      expect(await name()).toBe(ERASED);
      await off.close();
      await on.close();
    } finally {
      await t.close();
    }
  });
});
