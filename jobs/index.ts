// The job layer of a process: the outbox relay after each commit, and in the worker role the
// send worker (with the heartbeat that renews its claims), the timer worker, recovery at start,
// the periodic sweep and reconcile, the watch on long lines, and the repeatable schedules.
// Everything it does can be re-derived from the database.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { isManualClock } from '../config/clock.ts';
import { dueRows, renewClaims } from '../db/outbox.ts';
import type { Ctx, Effects } from '../handlers/context.ts';
import type { TimerOutcome } from '../handlers/remind.ts';
import { type AnyTimer, fireTimer, fireTimers, pendingTimers } from '../handlers/timers.ts';
import { batcher } from './batch.ts';
import type { BullMqDriver } from './bullmq.ts';
import { exclusiveLane, type Lane, openLane, withTimeout } from './lane.ts';
import { DEFAULT_LINE_WATCH, type LineWatch, type PlatformLabels, watchLines } from './lines.ts';
import type { MemoryDriver } from './memory.ts';
import type { PlatformSender } from './platform.ts';
import { backoffDelay, type JobOptions, type QueueDriver } from './queue.ts';
import { type RecoveryParts, reconcileTimers, recover } from './recovery.ts';
import { createRelay, outboxNow, type Relay, type SendJobData } from './relay.ts';
import { startSchedules } from './schedules.ts';
import {
  createLimiters,
  DEFAULT_LIMITS,
  MAX_SEND_ATTEMPTS,
  type RateLimits,
  type SendDeps,
  senderReady,
  sendOutboxJob,
  type WebhookDelivery,
} from './send.ts';
import { enqueueTimers, removeObsoleteTimers, type TimerJobData, timersOfJob } from './timers.ts';
import { deliverWebhookRow } from './webhook-delivery.ts';

/** What the job layer needs of the wiring (bot/wiring.ts's Services has all of it). */
export interface JobServices {
  runtime: {
    queues: QueueDriver;
    database: { embedded: boolean };
    /** the thresholds of the long-line warning, from the environment */
    env?: {
      HUYING_LINE_WARN_COUNT?: number;
      HUYING_LINE_WARN_WAIT?: number;
      HUYING_LINE_WARN_AFTER?: number;
    };
  };
  ctx: Ctx;
  role: 'web' | 'worker' | 'all';
  senders: Map<string, PlatformSender>;
  effects: { listeners: ((e: Effects) => void)[] };
  stoppers: (() => Promise<void>)[];
}

export interface JobsOptions {
  /** how often the worker queues the rows that may go now and have no job (default 2 s) */
  sweepMs?: number;
  /** how often the worker re-derives timers due soon (default 60 s) */
  reconcileMs?: number;
  /** how long a claim holds its row unless renewed; the worker renews its claims every third
   * of it, so a worker dying mid-send frees its rows within this (default 10 s) */
  leaseMs?: number;
  /** under a flood, routine messages merge once a chat's line holds more than its platform
   * sends in this many seconds (default 3; false: never) */
  mergeAfterSeconds?: number | false;
  /** when a long line warns the office (default: the environment's, else DEFAULT_LINE_WATCH;
   * false: never) */
  lineWatch?: Partial<LineWatch> | false;
  /** how often the worker looks at the lines (default 10 s) */
  lineWatchMs?: number;
  /** first retry delay of a send; doubles each time (default 1 s) */
  retryBaseMs?: number;
  /** sends per second per platform and per chat (each adapter's), over DEFAULT_LIMITS */
  limits?: RateLimits;
  /** what people call each platform (each adapter's), in warnings to the office */
  labels?: PlatformLabels;
  /** send jobs at once (16; 1 on the embedded database) and timer jobs at once (8; each holds
   * the timers due within a moment of each other, up to 500) */
  concurrency?: { send?: number; timers?: number };
  /** timers fired in one transaction: at most `max` (500), gathered for `lingerMs` (20 ms) */
  timerBatch?: { max?: number; lingerMs?: number };
  /** the monthly bulletin and daily digest (default on) */
  schedules?: boolean;
  /** webhook delivery (default: jobs/webhook-delivery.ts's deliverWebhookRow) */
  webhook?: WebhookDelivery;
}

export interface Jobs {
  relay: Relay;
  /** what start does: every unfired timer and unsent row, from the database */
  recover(): Promise<{ timers: number; rows: number }>;
  /** one sweep of the outbox now */
  sweep(): Promise<number>;
  /** resolves when the relays and timer scheduling started by commits so far are done */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const QUEUE_TIMEOUT_MS = 10_000;
/** the most calls whose timers one scheduling round derives */
const TIMER_ROUND_MAX = 500;
/** how long a scheduling round waits for other commits' calls before it starts (ms) */
const TIMER_ROUND_LINGER_MS = 10;

export async function startJobs(services: JobServices, opts: JobsOptions = {}): Promise<Jobs> {
  const { ctx, role } = services;
  const log = ctx.log.child({ part: 'jobs' });
  const driver = services.runtime.queues;
  const embedded = services.runtime.database.embedded;
  const worker = role !== 'web';
  if (driver.kind === 'memory' && role !== 'all')
    log.warn(
      { role },
      'the in-process queue needs --role all (web and worker in one process); set REDIS_URL to split roles',
    );
  const lane: Lane = embedded ? exclusiveLane() : openLane;
  const sendQ = driver.queue('send');
  const timersQ = driver.queue('timers');
  const sendJobOptions: JobOptions = {
    attempts: MAX_SEND_ATTEMPTS,
    backoff: { type: 'exponential', delay: opts.retryBaseMs ?? 1000 },
  };
  const leaseMs = opts.leaseMs ?? 10_000;
  const relay = createRelay({ ctx, queue: sendQ, log, jobOptions: sendJobOptions, lane, sweepIdMs: leaseMs });

  const scheduling = new Set<Promise<unknown>>();
  // Commits that change deadlines within a few ms of each other, or while a scheduling round
  // runs, share a round, which takes all their calls at once: under a flood of reports, a few
  // rounds of a few queries each instead of a round per report (the timers are derived from the
  // calls' state when the round runs, so a later round is never out of date).
  const changedCalls = new Set<string>();
  let scheduleRound: Promise<void> | null = null;
  const onTimersChanged = (callIds: string[]) => {
    for (const id of callIds) changedCalls.add(id);
    if (scheduleRound) return;
    const p = (async () => {
      // a moment for the commits close behind this one to join its round
      await new Promise((r) => setTimeout(r, TIMER_ROUND_LINGER_MS));
      while (changedCalls.size) {
        const ids = [...changedCalls].slice(0, TIMER_ROUND_MAX);
        for (const id of ids) changedCalls.delete(id);
        await lane(async () => {
          const specs = await pendingTimers(ctx, { callIds: ids });
          await withTimeout(enqueueTimers(ctx, timersQ, specs), QUEUE_TIMEOUT_MS, 'scheduling timers');
          await withTimeout(removeObsoleteTimers(ctx, timersQ, ids), QUEUE_TIMEOUT_MS, 'removing timers');
        }).catch((err) =>
          log.warn({ err, callIds: ids }, 'timer scheduling failed; the reconcile will schedule them'),
        );
      }
    })().finally(() => {
      scheduleRound = null;
      scheduling.delete(p);
      // calls changed between the loop's last look and its end
      if (changedCalls.size) onTimersChanged([]);
    });
    scheduleRound = p;
    scheduling.add(p);
  };

  const onEffects = (e: Effects) => {
    if (e.outbox) relay.nudge();
    if (e.timers.length) onTimersChanged(e.timers);
  };
  services.effects.listeners.push(onEffects);

  const ready = (platform: string) => senderReady(services.senders, platform);
  const parts: RecoveryParts = { ctx, log, timers: timersQ, relay, ready, lane };
  const intervals: NodeJS.Timeout[] = [];
  const every = (ms: number, what: string, fn: () => Promise<unknown>) => {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((err) => log.warn({ err }, `${what} failed`))
        .finally(() => {
          busy = false;
        });
    }, ms);
    t.unref();
    intervals.push(t);
  };

  if (worker) {
    const conc = (n: number | undefined, dflt: number) => (embedded ? 1 : (n ?? dflt));
    const bull = driver.kind === 'bullmq' ? (driver as BullMqDriver) : undefined;
    const limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const mergeAfter = opts.mergeAfterSeconds ?? 3;
    const deps: SendDeps = {
      ctx,
      log,
      senders: services.senders,
      limiters: createLimiters(limits, bull?.connection, bull?.prefix),
      webhook: opts.webhook ?? deliverWebhookRow,
      handOn: relay.handOn,
      leaseMs,
      owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
      backoff: (attemptsMade) => backoffDelay(sendJobOptions, attemptsMade),
      inFlight: new Set(),
      mergeAbove:
        mergeAfter === false
          ? undefined
          : (platform) => Math.ceil((limits[platform] ?? limits.default ?? { chat: 1 }).chat * mergeAfter),
    };
    sendQ.process(
      async (job) => {
        const data = job.data as SendJobData;
        const outboxId = data.outboxId;
        try {
          const outcome = await lane(() => sendOutboxJob(deps, data, job));
          log.debug({ outbox: outboxId, outcome }, 'send job');
        } catch (err) {
          // as for timers: a failed job would keep its id from the sweep; the row stays pending
          if (job.isFinalAttempt)
            return log.error({ err, outbox: outboxId }, 'send job gave up; the sweep retries');
          throw err;
        }
      },
      { concurrency: conc(opts.concurrency?.send, 16) },
    );
    // Timers falling due together fire together: a job carries those due within a moment of
    // each other (jobs/timers.ts), and one transaction locks, checks and writes up to 500 of them,
    // from one job or several (their messages then coalesce per chat in the send worker). The
    // lane still runs one transaction at a time on the embedded database.
    const timerBatch = batcher<AnyTimer, TimerOutcome>({
      run: (specs) => lane(() => fireTimers(ctx, specs)),
      one: (spec) => lane(() => fireTimer(ctx, spec)),
      max: opts.timerBatch?.max ?? 500,
      lingerMs: opts.timerBatch?.lingerMs ?? 20,
    });
    timersQ.process(
      async (job) => {
        const timers = timersOfJob(job.data as TimerJobData);
        const settled = await Promise.allSettled(timers.map((t) => timerBatch.add(t)));
        const failed: { timer: string; err: unknown }[] = [];
        for (const [i, s] of settled.entries()) {
          const t = timers[i];
          if (s.status === 'rejected') failed.push({ timer: t.id, err: s.reason });
          else if (s.value === 'fired') log.info({ timer: t.id, callId: t.callId }, 'timer fired');
        }
        if (!failed.length) return;
        // A failed job keeps its id (BullMQ for a week, in-process for good) and would block
        // re-scheduling: end it instead; the reconcile queues the timers again. Before that, the
        // job runs again, and the timers that did fire find they already did.
        if (job.isFinalAttempt)
          return log.error(
            { err: failed[0].err, timers: failed.map((f) => f.timer) },
            'timers failed; the reconcile retries them',
          );
        throw failed[0].err;
      },
      // A few at once: each is a transaction of up to 500 timers, and more of them would only
      // hold the pool's connections that the sends need (the work is the database's CPU).
      { concurrency: opts.concurrency?.timers ?? 8 },
    );
    // In-process, nobody else can hold a claim from before this start: free them.
    await recover(parts, { releaseLeases: driver.kind === 'memory' }).catch((err) =>
      log.error({ err }, 'recovery at start failed; the sweep and reconcile will retry'),
    );
    const reconcileMs = opts.reconcileMs ?? 60_000;
    // The heartbeat: the claims this worker holds stay its own while it sends, however slow.
    every(Math.max(50, Math.floor(leaseMs / 3)), 'lease renewal', () =>
      lane(() =>
        renewClaims(ctx.db, [...deps.inFlight], { owner: deps.owner, until: new Date(Date.now() + leaseMs) }),
      ),
    );
    every(opts.sweepMs ?? 2000, 'outbox sweep', () => relay.sweep(ready));
    every(reconcileMs, 'timer reconcile', () => reconcileTimers(parts, 2 * reconcileMs));
    const watch = lineWatchOf(services.runtime.env, opts.lineWatch);
    // Waits are on the wall clock: a demo's manual clock would make every line look old.
    if (watch && !isManualClock(ctx.clock))
      every(opts.lineWatchMs ?? 10_000, 'line watch', () => lane(() => watchLines(ctx, watch, opts.labels)));
    const schedules =
      opts.schedules !== false ? await startSchedules(ctx, driver.queue('schedules'), log, lane) : undefined;
    // Redis came back, perhaps empty: every timer, unsent row and schedule again from the database
    if (driver.kind === 'bullmq')
      (driver as BullMqDriver).onReconnect(() => {
        log.warn('the queue came back: re-deriving timers, unsent messages and schedules from the database');
        Promise.all([recover(parts), schedules?.declare()]).catch((err) =>
          log.error({ err }, 'recovery after the queue came back failed; the sweep and reconcile retry'),
        );
      });
  }

  let stopped = false;
  const jobs: Jobs = {
    relay,
    recover: () => recover(parts),
    sweep: () => relay.sweep(ready),
    async settle() {
      while (scheduling.size) await Promise.all([...scheduling]);
      await relay.idle();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of intervals) clearInterval(t);
      const i = services.effects.listeners.indexOf(onEffects);
      if (i >= 0) services.effects.listeners.splice(i, 1);
      await withTimeout(jobs.settle(), QUEUE_TIMEOUT_MS, 'the last relay').catch(() => {});
    },
  };
  // A manual clock (demos, tests) stops at every due instant on its way (config/clock.ts): there,
  // finish what each instant caused (the relay, the sends, the timers it scheduled) before the
  // clock moves on, so messages carry their own times and later steps see what was scheduled.
  if (worker && driver.kind === 'memory' && isManualClock(ctx.clock)) {
    const memory = driver as MemoryDriver;
    const off = ctx.clock.onAdvance(async () => {
      // until nothing that can go now waits: rows of one chat go one after another, each handed
      // on when the one before it went, so a few rounds are not always enough
      for (let round = 0; round < 200; round++) {
        await jobs.settle();
        await memory.idle();
        const platforms = [...services.senders.keys()].filter(ready);
        if (round >= 2 && !(await dueRows(ctx.db, [...platforms, 'webhook'], outboxNow(ctx)))) return;
        if (round >= 2) await new Promise((r) => setTimeout(r, 5));
      }
      log.warn('the manual clock moved on while messages due at this instant were still unsent');
    });
    services.stoppers.unshift(async () => off());
  }
  // Stoppers run last-first: the job layer stops after the adapters finished their events.
  services.stoppers.unshift(() => jobs.stop());
  return jobs;
}

function lineWatchOf(env: JobServices['runtime']['env'], o: JobsOptions['lineWatch']): LineWatch | undefined {
  if (o === false) return undefined;
  return {
    warnCount: o?.warnCount ?? env?.HUYING_LINE_WARN_COUNT ?? DEFAULT_LINE_WATCH.warnCount,
    warnWaitSeconds: o?.warnWaitSeconds ?? env?.HUYING_LINE_WARN_WAIT ?? DEFAULT_LINE_WATCH.warnWaitSeconds,
    warnAfterSeconds:
      o?.warnAfterSeconds ?? env?.HUYING_LINE_WARN_AFTER ?? DEFAULT_LINE_WATCH.warnAfterSeconds,
  };
}
