// Builds the running system from the environment: district file, database (PostgreSQL or
// embedded PGlite), queue driver (BullMQ or in-process), clock and logger.
import { join } from 'node:path';
import { type Clock, ManualClock, systemClock } from '../config/clock.ts';
import { type District, loadDistrict } from '../config/district.ts';
import { type Env, isEmbedded } from '../config/env.ts';
import { createLogger, type Logger } from '../config/log.ts';
import { connectPostgres, type DbHandle, startEmbedded } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { syncDistrict } from '../db/sync.ts';
import { calendarCovers, formatShanghai, setCalendarAdditions } from '../handlers/worktime.ts';
import { BullMqDriver } from '../jobs/bullmq.ts';
import { MemoryDriver } from '../jobs/memory.ts';
import type { QueueDriver } from '../jobs/queue.ts';

export interface Runtime {
  env: Env;
  district: District;
  log: Logger;
  clock: Clock;
  database: DbHandle;
  queues: QueueDriver;
  close(): Promise<void>;
}

export async function openDatabase(env: Env, log: Logger): Promise<DbHandle> {
  return env.DATABASE_URL
    ? connectPostgres(env.DATABASE_URL)
    : startEmbedded(join(env.HUYING_DATA_DIR), { log });
}

/**
 * Deadlines count working days on the official calendar; a year it does not list (the State
 * Council publishes the next year's schedule late in the year) counts only weekends as days off.
 */
function warnUncoveredYears(now: Date, log: Logger) {
  const year = Number(formatShanghai(now).slice(0, 4));
  const december = formatShanghai(now).slice(5, 7) === '12';
  for (const y of december ? [year, year + 1] : [year])
    if (!calendarCovers(y))
      log.warn(
        { year: y },
        `the holiday calendar has no ${y} schedule: deadlines in ${y} count only weekends as days off until chinese-days is updated or the district file lists them under calendar:`,
      );
}

export async function createRuntime(env: Env, opts: { log?: Logger; clock?: Clock } = {}): Promise<Runtime> {
  const log = opts.log ?? createLogger(env.LOG_LEVEL);
  const district = loadDistrict(env.HUYING_CONFIG);
  setCalendarAdditions(district.calendar);
  const clock = opts.clock ?? (env.HUYING_CLOCK === 'manual' ? new ManualClock() : systemClock);
  warnUncoveredYears(clock.now(), log);
  if (clock.kind === 'manual' && (env.REDIS_URL || !isEmbedded(env)))
    log.warn('manual clock with external services: timers follow the manual clock only in-process');
  const database = await openDatabase(env, log);
  try {
    const applied = await migrateToLatest(database.db);
    if (applied.length) log.info({ migrations: applied }, 'migrations applied');
    await syncDistrict(database.db, district);
    const onError = (err: unknown) => log.error({ err }, 'queue error');
    const queues = env.REDIS_URL
      ? await BullMqDriver.connect(env.REDIS_URL, { prefix: env.HUYING_QUEUE_PREFIX, onError })
      : new MemoryDriver(clock, onError);
    return {
      env,
      district,
      log,
      clock,
      database,
      queues,
      async close() {
        await queues.close();
        await database.close();
      },
    };
  } catch (e) {
    await database.close().catch(() => {});
    throw e;
  }
}
