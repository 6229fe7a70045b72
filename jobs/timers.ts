// Putting the timers handlers/timers.ts derives on the queue, and taking off those a call no
// longer needs. Which timers a call needs, and what one does when it fires, is the handlers'.
import { sql } from 'kysely';
import type { Ctx } from '../handlers/context.ts';
import { modeOf } from '../handlers/modes.ts';
import type { TimerSpec } from '../handlers/remind.ts';
import { type AnyTimer, pendingTimers, timersFor, timersForDeadline } from '../handlers/timers.ts';
import type { JobOptions, Queue } from './queue.ts';

export const timerJobOptions: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
};

/** Puts these timers on the queue; delays follow the app's clock (a manual clock too). */
export async function enqueueTimers(ctx: Ctx, queue: Queue, specs: AnyTimer[]): Promise<number> {
  const now = ctx.clock.now().getTime();
  const jobs = specs.map((t) => ({
    name: 'timer',
    data: t,
    opts: { ...timerJobOptions, jobId: t.id, delay: Math.max(0, t.at - now) },
  }));
  for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
  return jobs.length;
}

/** (Re)schedules the unfired timers of these calls (of every open call when omitted). */
export async function scheduleTimers(
  ctx: Ctx,
  queue: Queue,
  opts: { callIds?: string[]; horizonMs?: number } = {},
): Promise<number> {
  return enqueueTimers(ctx, queue, await pendingTimers(ctx, opts));
}

/**
 * Removes the queued timers these calls no longer need: a deadline that was met (or whose
 * assignment ended) and the old instants of changed deadlines. Only tidiness: a stale timer
 * that fires anyway finds nothing to do.
 */
export async function removeObsoleteTimers(ctx: Ctx, queue: Queue, callIds: string[]): Promise<number> {
  if (!callIds.length) return 0;
  const rows = await ctx.db
    .selectFrom('assignments as a')
    .innerJoin('calls as c', 'c.id', 'a.call_id')
    .select(['a.id', 'a.call_id', 'a.state', 'a.dispatched_at', 'a.ack_due_at', 'a.resolve_due_at', 'c.tier'])
    .where('a.call_id', 'in', callIds)
    .execute();
  const changes = await ctx.db
    .selectFrom('call_events')
    .select([
      'assignment_id',
      sql<string | null>`payload->>'kind'`.as('which'),
      sql<string | null>`payload->>'from'`.as('from'),
    ])
    .where('call_id', 'in', callIds)
    .where('kind', '=', 'deadline_changed')
    .execute();
  const ids: string[] = [];
  for (const { tier, ...a } of rows) {
    const { wallClock } = modeOf(tier);
    const wanted = new Set(timersFor(ctx.district, a, tier).map((t) => t.id));
    const dueOf = { ack: a.ack_due_at, resolve: a.resolve_due_at };
    const olds = changes
      .filter((c) => c.assignment_id === a.id && c.from && (c.which === 'ack' || c.which === 'resolve'))
      .map((c) => ({ kind: c.which as TimerSpec['kind'], due: new Date(c.from!) }));
    const candidates = [
      ...(['ack', 'resolve'] as const).flatMap((kind) =>
        dueOf[kind] ? [{ kind, due: new Date(dueOf[kind]!) }] : [],
      ),
      ...olds,
    ];
    for (const c of candidates)
      for (const t of timersForDeadline(ctx.district, a, c.kind, c.due, new Date(a.dispatched_at), wallClock))
        if (!wanted.has(t.id)) ids.push(t.id);
  }
  let removed = 0;
  for (const id of new Set(ids)) if (await queue.remove(id)) removed++;
  return removed;
}
