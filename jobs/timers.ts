// Timers derived from the deadlines in the database: a reminder when 75% of the time has
// passed, a notice at the deadline, then the escalation ladder. Job ids carry the deadline,
// so scheduling twice is harmless and a changed deadline leaves old timers as no-ops;
// handlers/remind.ts re-checks everything when one fires.
import { sql } from 'kysely';
import type { District } from '../config/district.ts';
import type { Assignment } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import type { TimerSpec } from '../handlers/remind.ts';
import { addDuration, parseDuration, pointAtFraction } from '../handlers/worktime.ts';
import type { JobOptions, Queue } from './queue.ts';

export const OPEN_STATES = ['dispatched', 'acknowledged', 'in_progress'];
/** which assignment states still wait for each deadline */
const WAITING: Record<TimerSpec['kind'], string[]> = { ack: ['dispatched'], resolve: OPEN_STATES };

export const timerJobOptions: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
};

export const timerId = (assignmentId: string, kind: TimerSpec['kind'], step: string, due: number) =>
  `timer:${assignmentId}:${kind}:${step}:${due}`;

type TimedAssignment = Pick<
  Assignment,
  'id' | 'call_id' | 'state' | 'dispatched_at' | 'ack_due_at' | 'resolve_due_at'
>;

/**
 * Every timer of one deadline. `from` is when the clock started for it (dispatch, or the
 * last change of that deadline); the 75% point is measured from there.
 */
export function timersForDeadline(
  district: District,
  a: TimedAssignment,
  kind: TimerSpec['kind'],
  due: Date,
  from: Date,
  wallClock: boolean,
): TimerSpec[] {
  const { escalation } = district;
  const dueMs = due.getTime();
  const spec = (step: string, at: Date, target: TimerSpec['target']): TimerSpec => ({
    id: timerId(a.id, kind, step, dueMs),
    assignmentId: a.id,
    callId: String(a.call_id),
    kind,
    step,
    due: dueMs,
    at: at.getTime(),
    target,
  });
  const specs: TimerSpec[] = [];
  if (due > from)
    specs.push(
      spec(
        'remind',
        pointAtFraction(from, due, 1 - escalation.remind_before, { wallClock }),
        'assignee_chat',
      ),
    );
  specs.push(spec('due', due, 'assignee_chat'));
  escalation[kind].forEach((step, i) => {
    const at = addDuration(due, parseDuration(step.after), { wallClock });
    // A first rung "0 after, to the department's chat" is the deadline notice itself.
    if (at.getTime() === dueMs && step.notify === 'assignee_chat') return;
    specs.push(spec(`esc${i}`, at, step.notify));
  });
  return specs;
}

export interface DeadlineStarts {
  /** assignment id → when its ack / resolve deadline was last set */
  get(assignmentId: string, kind: TimerSpec['kind']): Date | undefined;
}

/** The timers an assignment still waits for, past or future (fired or not). */
export function timersFor(
  district: District,
  a: TimedAssignment,
  tier: string,
  starts?: DeadlineStarts,
): TimerSpec[] {
  const wallClock = tier === 'emergency';
  const dispatched = new Date(a.dispatched_at);
  const specs: TimerSpec[] = [];
  for (const kind of ['ack', 'resolve'] as const) {
    const due = kind === 'ack' ? a.ack_due_at : a.resolve_due_at;
    if (!due || !WAITING[kind].includes(a.state)) continue;
    const changed = starts?.get(a.id, kind);
    const from = changed && changed > dispatched ? changed : dispatched;
    specs.push(...timersForDeadline(district, a, kind, new Date(due), from, wallClock));
  }
  return specs;
}

/**
 * Derives the unfired timers of open assignments (of these calls, or all), from the database
 * alone. With `horizonMs`, future timers beyond now + horizon are left out; a reminder whose
 * deadline already passed is left out too (the deadline notice supersedes it).
 */
export async function pendingTimers(
  ctx: Ctx,
  opts: { callIds?: string[]; horizonMs?: number } = {},
): Promise<TimerSpec[]> {
  if (opts.callIds && !opts.callIds.length) return [];
  let q = ctx.db
    .selectFrom('assignments as a')
    .innerJoin('calls as c', 'c.id', 'a.call_id')
    .select(['a.id', 'a.call_id', 'a.state', 'a.dispatched_at', 'a.ack_due_at', 'a.resolve_due_at', 'c.tier'])
    .where('a.state', 'in', OPEN_STATES);
  if (opts.callIds) q = q.where('a.call_id', 'in', opts.callIds);
  const rows = await q.execute();
  if (!rows.length) return [];
  // What moved a deadline (and when), and which timers already fired, from the timeline.
  let ev = ctx.db
    .selectFrom('call_events')
    .select([
      'call_id',
      'assignment_id',
      'kind',
      'at',
      sql<string | null>`payload->>'kind'`.as('which'),
      sql<string | null>`payload->>'timer'`.as('timer'),
    ])
    .where('kind', 'in', ['deadline_changed', 'reopened', 'reminded', 'escalated']);
  ev = opts.callIds
    ? ev.where('call_id', 'in', opts.callIds)
    : ev.where(
        'call_id',
        'in',
        ctx.db.selectFrom('assignments').select('call_id').where('state', 'in', OPEN_STATES),
      );
  const events = await ev.execute();
  const fired = new Set(events.map((e) => e.timer).filter((t): t is string => !!t));
  const latest = new Map<string, Date>();
  const bump = (key: string, at: Date) => {
    if (!latest.has(key) || latest.get(key)! < at) latest.set(key, at);
  };
  for (const e of events) {
    if (e.kind === 'deadline_changed' && e.assignment_id)
      bump(`${e.assignment_id}:${e.which}`, new Date(e.at));
    if (e.kind === 'reopened') bump(`call${e.call_id}:resolve`, new Date(e.at));
  }
  const callOf = new Map(rows.map((r) => [r.id, String(r.call_id)]));
  const starts: DeadlineStarts = {
    get: (id, kind) => {
      const own = latest.get(`${id}:${kind}`);
      const call = kind === 'resolve' ? latest.get(`call${callOf.get(id)}:resolve`) : undefined;
      return own && call ? new Date(Math.max(own.getTime(), call.getTime())) : (own ?? call);
    },
  };
  const now = ctx.clock.now().getTime();
  const until = opts.horizonMs === undefined ? Infinity : now + opts.horizonMs;
  return rows
    .flatMap(({ tier, ...a }) => timersFor(ctx.district, a, tier, starts))
    .filter((t) => !fired.has(t.id) && t.at <= until && !(t.step === 'remind' && now >= t.due));
}

/** Puts these timers on the queue; delays follow the app's clock (a manual clock too). */
export async function enqueueTimers(ctx: Ctx, queue: Queue, specs: TimerSpec[]): Promise<number> {
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
    const wallClock = tier === 'emergency';
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
