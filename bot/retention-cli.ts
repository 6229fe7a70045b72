// `huying retention [--older-than 3y] [--dry-run]`: erases residents' names and phone numbers
// from finished calls and old messages after the retention period (handlers/retention.ts).
import { parseArgs } from 'node:util';
import { type Clock, systemClock } from '../config/clock.ts';
import { loadDistrict } from '../config/district.ts';
import type { Env } from '../config/env.ts';
import { createLogger } from '../config/log.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { syncDistrict } from '../db/sync.ts';
import { eraseOlderThan, type Period, parsePeriod, type RetentionReport } from '../handlers/retention.ts';
import type { CliIo } from './reports-cli.ts';
import { openDatabase } from './runtime.ts';

export const RETENTION_USAGE = `  huying retention [--older-than 3y] [--dry-run]      erase personal data older than the period
                                                      (default: the district file's retention.personal_data)
`;

const processIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  cwd: process.cwd(),
};

export function reportLines(r: RetentionReport): string[] {
  const verb = r.dryRun ? 'would erase' : 'erased';
  return [
    `retention ${r.period}: personal data from before ${r.cutoff}${r.dryRun ? ' (dry run: nothing changed)' : ''}`,
    `  finished calls ${verb}: ${r.calls}`,
    `  timeline events with a resident's name or phone numbers: ${r.events}`,
    `  satisfaction answers unlinked from their person: ${r.satisfaction}`,
    `  old messages ${verb}: outbox ${r.outbox}, inbound events ${r.inboundEvents}, simulator ${r.simMessages}`,
    `  attached photos ${verb}: ${r.attachments}`,
  ];
}

/** Runs `huying retention`; returns the exit code (2: usage). */
export async function retentionCli(
  argv: string[],
  env: Env,
  io: CliIo = processIo,
  clock: Clock = systemClock,
): Promise<number> {
  let values: { 'older-than'?: string; 'dry-run'?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { 'older-than': { type: 'string' }, 'dry-run': { type: 'boolean' } },
    }));
  } catch (e) {
    io.err(`${(e as Error).message}\n\nusage:\n${RETENTION_USAGE}`);
    return 2;
  }
  const district = loadDistrict(env.HUYING_CONFIG);
  const text = values['older-than'] ?? district.retention.personal_data;
  if (!text) {
    io.err(
      `no period: pass --older-than (e.g. 3y) or set retention.personal_data in the district file\n\nusage:\n${RETENTION_USAGE}`,
    );
    return 2;
  }
  let period: Period;
  try {
    period = parsePeriod(text);
  } catch (e) {
    io.err((e as Error).message);
    return 2;
  }
  const log = createLogger(env.LOG_LEVEL);
  const database = await openDatabase(env, log);
  try {
    await migrateToLatest(database.db);
    await syncDistrict(database.db, district);
    const report = await eraseOlderThan({ db: database.db, district, clock, log }, period, {
      dryRun: values['dry-run'],
    });
    for (const line of reportLines(report)) io.out(line);
    return 0;
  } finally {
    await database.close();
  }
}
