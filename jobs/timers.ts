// Putting the timers handlers/timers.ts derives on the queue, and taking off those a call no
// longer needs. Which timers a call needs, and what one does when it fires, is the handlers'.
import type { Ctx } from '../handlers/context.ts';
import { type AnyTimer, obsoleteTimerIds, pendingTimers } from '../handlers/timers.ts';
import type { JobOptions, Queue } from './queue.ts';

/** timers added to the queue in one call */
const ENQUEUE_SLICE = 1000;

export const timerJobOptions: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
};

/**
 * Puts these timers on the queue; delays follow the app's clock (a manual clock too). Each slice's
 * delays are taken from the clock as it is added: a queue counts a delay from when the job reaches
 * it, so delays taken once for 80,000 timers would put the last slices' seconds late.
 */
export async function enqueueTimers(ctx: Ctx, queue: Queue, specs: AnyTimer[]): Promise<number> {
  for (let i = 0; i < specs.length; i += ENQUEUE_SLICE) {
    const now = ctx.clock.now().getTime();
    await queue.addBulk(
      specs.slice(i, i + ENQUEUE_SLICE).map((t) => ({
        name: 'timer',
        data: t,
        opts: { ...timerJobOptions, jobId: t.id, delay: Math.max(0, t.at - now) },
      })),
    );
  }
  return specs.length;
}

/** (Re)schedules the unfired timers of these calls (of every open call when omitted). */
export async function scheduleTimers(
  ctx: Ctx,
  queue: Queue,
  opts: { callIds?: string[]; horizonMs?: number } = {},
): Promise<number> {
  return enqueueTimers(ctx, queue, await pendingTimers(ctx, opts));
}

/** Takes the timers these calls no longer need off the queue (handlers/timers.ts says which). */
export async function removeObsoleteTimers(ctx: Ctx, queue: Queue, callIds: string[]): Promise<number> {
  let removed = 0;
  for (const id of await obsoleteTimerIds(ctx, callIds)) if (await queue.remove(id)) removed++;
  return removed;
}
