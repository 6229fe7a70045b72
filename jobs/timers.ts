// Timers derived from the deadlines in the database: a reminder when 75% of the time has
// passed, a notice at the deadline, then the escalation ladder. Deterministic job ids make
// scheduling twice harmless; firing re-checks the database (handlers/remind.ts).

import type { Assignment } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import type { TimerSpec } from '../handlers/remind.ts';
import { addDuration, parseDuration, pointAtFraction } from '../handlers/worktime.ts';
import type { Queue } from './queue.ts';

const OPEN = ['dispatched', 'acknowledged', 'in_progress'];

/** Every timer an assignment still has, past or future. */
export function timersFor(ctx: Ctx, a: Assignment, tier: string): TimerSpec[] {
  const { escalation } = ctx.district;
  const wallClock = tier === 'emergency';
  const specs: TimerSpec[] = [];
  const add = (kind: 'ack' | 'resolve', dueAt: Date, from: Date) => {
    const due = dueAt.getTime();
    const spec = (step: string, at: Date, target: TimerSpec['target']): TimerSpec => ({
      id: `timer:${a.id}:${kind}:${step}:${due}`,
      assignmentId: a.id,
      callId: String(a.call_id),
      kind,
      step,
      due,
      at: at.getTime(),
      target,
    });
    if (dueAt > from)
      specs.push(
        spec(
          'remind',
          pointAtFraction(from, dueAt, 1 - escalation.remind_before, { wallClock }),
          'assignee_chat',
        ),
      );
    specs.push(spec('due', dueAt, 'assignee_chat'));
    escalation[kind].forEach((step, i) => {
      const at = addDuration(dueAt, parseDuration(step.after), { wallClock });
      // the ladder's first rung at 0 after the deadline is the deadline notice itself
      if (at.getTime() === due && step.notify === 'assignee_chat') return;
      specs.push(spec(`esc${i}`, at, step.notify));
    });
  };
  if (!OPEN.includes(a.state)) return [];
  const dispatched = new Date(a.dispatched_at);
  if (a.state === 'dispatched' && a.ack_due_at) add('ack', new Date(a.ack_due_at), dispatched);
  if (a.resolve_due_at) add('resolve', new Date(a.resolve_due_at), dispatched);
  return specs;
}

/** (Re)schedules the timers of these calls (all calls with open assignments when omitted). */
export async function scheduleTimers(ctx: Ctx, queue: Queue, callIds?: string[]): Promise<number> {
  let q = ctx.db
    .selectFrom('assignments as a')
    .innerJoin('calls as c', 'c.id', 'a.call_id')
    .selectAll('a')
    .select('c.tier')
    .where('a.state', 'in', OPEN);
  if (callIds) {
    if (!callIds.length) return 0;
    q = q.where('a.call_id', 'in', callIds);
  }
  const rows = await q.execute();
  const now = ctx.clock.now().getTime();
  const jobs = rows.flatMap(({ tier, ...a }) =>
    timersFor(ctx, a as Assignment, tier).map((t) => ({
      name: 'timer',
      data: t,
      opts: {
        jobId: t.id,
        delay: Math.max(0, t.at - now),
        attempts: 5,
        backoff: { type: 'exponential' as const, delay: 2000 },
      },
    })),
  );
  if (jobs.length) await queue.addBulk(jobs);
  // A timer already queued for later whose time has come (the clock moved, or it was queued
  // from an offline buffer with an old delay) runs now.
  for (const j of jobs) if (j.opts.delay === 0) await queue.promote(j.opts.jobId);
  return jobs.length;
}
