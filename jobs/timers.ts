// Putting the timers handlers/timers.ts derives on the queue, and taking off those a call no
// longer needs. Which timers a call needs, and what one does when it fires, is the handlers'.
// Timers falling due within a moment of each other share one job (up to TIMERS_PER_JOB): the
// queue's cost is per job, and 10,000 reminders due at 09:00 sharp are then 20 jobs, not 10,000.
// Within such a window they are grouped by the unit they tell, so that a job fires whole chats
// and their messages are written merged (handlers/work.ts's coalescedRows).
import { createHash } from 'node:crypto';
import type { Ctx } from '../handlers/context.ts';
import { type AnyTimer, obsoleteTimerIds, pendingTimers, timedCallIds } from '../handlers/timers.ts';
import type { JobOptions, Queue } from './queue.ts';

/** timers added to the queue in one call */
const ENQUEUE_SLICE = 1000;
/** timers due within one such window (ms) share a job, which runs at the last one's instant */
export const TIMER_WINDOW_MS = 200;
/** the most timers in one job: what one transaction fires (jobs/index.ts's batch) */
export const TIMERS_PER_JOB = 500;

export const timerJobOptions: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
};

/** What a timer job carries: the timers it fires (a job queued before they were grouped: one). */
export type TimerJobData = { timers: AnyTimer[] } | AnyTimer;

export const timersOfJob = (data: TimerJobData): AnyTimer[] => ('timers' in data ? data.timers : [data]);

export interface TimerJob {
  /** a lone timer's own id; a group's is its window and a digest of its timers' ids, so the same
   * group queued twice is one job */
  id: string;
  /** when it runs: its latest timer's instant (none runs early) */
  at: number;
  timers: AnyTimer[];
}

/**
 * The jobs these timers go in: by window of their instants, then in slices by the unit they tell
 * and id, so that the timers of one chat fire together and their messages are written merged.
 */
export function timerJobs(specs: AnyTimer[]): TimerJob[] {
  const windows = new Map<number, Map<string, AnyTimer>>();
  for (const t of specs) {
    const w = Math.floor(t.at / TIMER_WINDOW_MS);
    const byId = windows.get(w) ?? new Map<string, AnyTimer>();
    windows.set(w, byId.set(t.id, t));
  }
  const jobs: TimerJob[] = [];
  for (const [w, byId] of [...windows].sort((a, b) => a[0] - b[0])) {
    const key = (t: AnyTimer) => `${t.unit ?? ''}\u0000${t.id}`;
    const sorted = [...byId.values()]
      .map((t) => [key(t), t] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([, t]) => t);
    for (let i = 0; i < sorted.length; i += TIMERS_PER_JOB) {
      const timers = sorted.slice(i, i + TIMERS_PER_JOB);
      const at = Math.max(...timers.map((t) => t.at));
      if (timers.length === 1) {
        jobs.push({ id: timers[0].id, at, timers });
        continue;
      }
      const digest = createHash('sha1')
        .update(timers.map((t) => t.id).join('\n'))
        .digest('hex')
        .slice(0, 16);
      jobs.push({ id: `timers:${w * TIMER_WINDOW_MS}:${digest}`, at, timers });
    }
  }
  return jobs;
}

/**
 * Puts these timers on the queue; delays follow the app's clock (a manual clock too). Each slice's
 * delays are taken from the clock as it is added: a queue counts a delay from when the job reaches
 * it, so delays taken once for 80,000 timers would put the last slices' seconds late. Returns how
 * many jobs it queued.
 */
export async function enqueueTimers(ctx: Ctx, queue: Queue, specs: AnyTimer[]): Promise<number> {
  const jobs = timerJobs(specs);
  for (let i = 0; i < jobs.length; i += ENQUEUE_SLICE) {
    const now = ctx.clock.now().getTime();
    await queue.addBulk(
      jobs.slice(i, i + ENQUEUE_SLICE).map((j) => ({
        name: 'timers',
        data: { timers: j.timers } satisfies TimerJobData,
        opts: { ...timerJobOptions, jobId: j.id, delay: Math.max(0, j.at - now) },
      })),
    );
  }
  return jobs.length;
}

/** Open calls whose timers are derived and queued at a time when every call's are (at start). */
export const SCHEDULE_PAGE = 2000;

/**
 * (Re)schedules the unfired timers of these calls; of every open call when omitted, a page of
 * calls at a time (`pageSize`, default SCHEDULE_PAGE): a district's 100,000 timers are never all
 * held at once. Returns how many jobs it queued.
 */
export async function scheduleTimers(
  ctx: Ctx,
  queue: Queue,
  opts: { callIds?: string[]; horizonMs?: number; pageSize?: number } = {},
): Promise<number> {
  const { pageSize = SCHEDULE_PAGE, ...which } = opts;
  if (which.callIds) return enqueueTimers(ctx, queue, await pendingTimers(ctx, which));
  const ids = await timedCallIds(ctx);
  let queued = 0;
  for (let i = 0; i < ids.length; i += pageSize)
    queued += await enqueueTimers(
      ctx,
      queue,
      await pendingTimers(ctx, { ...which, callIds: ids.slice(i, i + pageSize) }),
    );
  return queued;
}

/**
 * Takes the timers these calls no longer need off the queue (handlers/timers.ts says which): those
 * queued alone. One in a group stays, and finds nothing to do when it fires.
 */
export async function removeObsoleteTimers(ctx: Ctx, queue: Queue, callIds: string[]): Promise<number> {
  let removed = 0;
  for (const id of await obsoleteTimerIds(ctx, callIds)) if (await queue.remove(id)) removed++;
  return removed;
}
