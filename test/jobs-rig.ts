// A job layer for tests: a fresh database (or a shared one, as a second worker), the real
// startJobs on a queue driver, a fake Lark sender, and reports and commands said on Lark.
import { type Clock, systemClock } from '../config/clock.ts';
import { silentLogger } from '../config/log.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx, Effects } from '../handlers/context.ts';
import { type JobServices, type Jobs, type JobsOptions, startJobs } from '../jobs/index.ts';
import type { QueueDriver } from '../jobs/queue.ts';
import { freshDb, type TestDb } from './db.ts';
import { FakePlatform } from './fakes/platform.ts';
import { sayOnLark } from './world.ts';

export const COMMUNITY = 'oc_sample_chenhui';
export const STREET = 'oc_sample_jinhualu';

export interface JobsRig {
  t: TestDb;
  ctx: Ctx;
  services: JobServices;
  jobs: Jobs;
  lark: FakePlatform;
  say(
    userId: string,
    chatId: string,
    text: string,
  ): Promise<{ ok: boolean; callNo?: string; callId?: string }>;
  rows(state?: OutboxRow['state']): Promise<OutboxRow[]>;
  /** no row pending */
  settled(): Promise<boolean>;
  stop(): Promise<void>;
}

export async function jobsRig(
  driver: QueueDriver,
  o: { t?: TestDb; clock?: Clock; opts?: JobsOptions } = {},
): Promise<JobsRig> {
  const t = o.t ?? (await freshDb());
  const effects = { listeners: [] as ((e: Effects) => void)[] };
  const ctx: Ctx = {
    db: t.db,
    district: t.district,
    clock: o.clock ?? systemClock,
    log: silentLogger,
    afterCommit: (e) => {
      for (const l of effects.listeners) l(e);
    },
  };
  const lark = new FakePlatform('lark');
  const services: JobServices = {
    runtime: { queues: driver, database: t },
    ctx,
    role: 'all',
    senders: new Map([['lark', lark]]),
    effects,
    stoppers: [],
  };
  const jobs = await startJobs(services, {
    retryBaseMs: 20,
    sweepMs: 100,
    schedules: false,
    lineWatch: false,
    ...o.opts,
  });
  const rows = (state?: OutboxRow['state']) => {
    let q = t.db.selectFrom('outbox').selectAll().orderBy('id');
    if (state) q = q.where('state', '=', state);
    return q.execute();
  };
  return {
    t,
    ctx,
    services,
    jobs,
    lark,
    say: (userId, chatId, text) => sayOnLark(ctx, userId, chatId, text),
    rows,
    settled: async () => (await rows('pending')).length === 0,
    async stop() {
      await jobs.stop();
      await driver.close();
    },
  };
}
