// The timers a call's present state calls for, derived from the database alone: for each open
// assignment a reminder when 75% of the time to a deadline has passed, a notice at it, then the
// escalation ladder; for a call waiting on a person (triage, dispatch, closing) the ladder of that
// wait. Ids carry the deadline (or the start of the wait), so scheduling twice is harmless and a
// changed deadline leaves old timers as no-ops; the firing re-checks everything.
import { sql } from 'kysely';
import type { District } from '../config/district.ts';
import type { Assignment } from '../db/schema.ts';
import type { Ctx } from './context.ts';
import { modeOf } from './modes.ts';
import { systemActor } from './people.ts';
import {
  ASSIGNMENT_WAITS,
  deadlineFirings,
  type Fired,
  type Firing,
  type TimerOutcome,
  type TimerSpec,
} from './remind.ts';
import { WAITING_CALL_STATES, type WaitTimer, waitFirings, waitTimers } from './waits.ts';
import { runWork } from './work.ts';
import { addDuration, parseDuration, pointAtFraction } from './worktime.ts';

/** Any timer: an assignment's deadline, or a call's wait. */
export type AnyTimer = TimerSpec | WaitTimer;

export const isWaitTimer = (t: AnyTimer): t is WaitTimer => t.scope === 'wait';

/** Fires a timer of either kind; what it does when the matter moved on is the kind's own rule. */
export async function fireTimer(ctx: Ctx, t: AnyTimer): Promise<TimerOutcome> {
  return (await fireTimers(ctx, [t]))[0];
}

/**
 * Fires timers falling due together in one transaction: the assignments and calls locked, the
 * checks made, the messages written and the timeline events appended, each in one statement
 * (a timer listed twice fires once). Outcomes in the order given.
 */
export function fireTimers(ctx: Ctx, timers: AnyTimer[]): Promise<TimerOutcome[]> {
  return runWork(ctx, systemActor, null, async (w) => {
    const first = new Map<string, number>();
    timers.forEach((t, i) => {
      if (!first.has(t.id)) first.set(t.id, i);
    });
    const unique = [...first.keys()].map((id) => timers[first.get(id)!]);
    const deadlines = unique.filter((t): t is TimerSpec => !isWaitTimer(t));
    const waits = unique.filter(isWaitTimer);
    const firings = new Map<string, Firing>();
    for (const [i, f] of (await deadlineFirings(w, deadlines)).entries()) firings.set(deadlines[i].id, f);
    for (const [i, f] of (await waitFirings(w, waits)).entries()) firings.set(waits[i].id, f);
    const fired = [...firings.values()].filter((f): f is Fired => typeof f === 'object');
    await w.toUnits(
      fired.map((f) => ({ unit: f.unit, message: f.message, callId: f.event.callId })),
      { coalesce: true },
    );
    await w.events(fired.map((f) => f.event));
    return timers.map((t, i) => {
      if (first.get(t.id) !== i) return 'already';
      const f = firings.get(t.id)!;
      return typeof f === 'object' ? f.outcome : f;
    });
  });
}

export const OPEN_STATES = ASSIGNMENT_WAITS.resolve;

export const timerId = (assignmentId: string, kind: TimerSpec['kind'], step: string, due: number) =>
  `timer:${assignmentId}:${kind}:${step}:${due}`;

type TimedAssignment = Pick<
  Assignment,
  'id' | 'call_id' | 'unit_code' | 'state' | 'dispatched_at' | 'ack_due_at' | 'resolve_due_at'
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
    unit:
      target === 'office' ? district.office.code : target === 'leaders' ? district.leaders.code : a.unit_code,
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
  const { wallClock } = modeOf(tier);
  const dispatched = new Date(a.dispatched_at);
  const specs: TimerSpec[] = [];
  for (const kind of ['ack', 'resolve'] as const) {
    const due = kind === 'ack' ? a.ack_due_at : a.resolve_due_at;
    if (!due || !ASSIGNMENT_WAITS[kind].includes(a.state)) continue;
    const changed = starts?.get(a.id, kind);
    const from = changed && changed > dispatched ? changed : dispatched;
    specs.push(...timersForDeadline(district, a, kind, new Date(due), from, wallClock));
  }
  return specs;
}

/**
 * Derives the unfired timers of open assignments and waiting calls (of these calls, or all), from
 * the database alone. With `horizonMs`, future timers beyond now + horizon are left out; a
 * reminder whose deadline already passed is left out too (the deadline notice supersedes it).
 */
export async function pendingTimers(
  ctx: Ctx,
  opts: { callIds?: string[]; horizonMs?: number } = {},
): Promise<AnyTimer[]> {
  if (opts.callIds && !opts.callIds.length) return [];
  const now = ctx.clock.now().getTime();
  const until = opts.horizonMs === undefined ? Infinity : now + opts.horizonMs;
  const [deadlines, waits] = await Promise.all([
    deadlineTimers(ctx, opts.callIds),
    callWaitTimers(ctx, opts.callIds),
  ]);
  return [
    ...deadlines.filter((t) => t.at <= until && !(t.step === 'remind' && now >= t.due)),
    ...waits.filter((t) => t.at <= until),
  ];
}

/**
 * The calls that may have timers (an open assignment, or a state that waits on a person), by the
 * unit their timers tell (an assignment's department, else the call's street) and id: a page of
 * them holds whole chats, whose reminders then fire together.
 */
export async function timedCallIds(ctx: Ctx): Promise<string[]> {
  const r = await sql<{ id: string }>`
    select id from (
      select call_id as id, min(unit_code) as unit from assignments
        where state in (${sql.join(OPEN_STATES)}) group by call_id
      union
      select id, street_code from calls where state in (${sql.join([...WAITING_CALL_STATES])})
    ) t group by id order by min(unit), id`.execute(ctx.db);
  return r.rows.map((x) => String(x.id));
}

/** The timers that already fired, of these calls or of every call in a state that waits. */
async function firedTimers(ctx: Ctx, callIds: string[] | undefined, scope: 'assignments' | 'calls') {
  let q = ctx.db
    .selectFrom('call_events')
    .select(sql<string>`payload->>'timer'`.as('timer'))
    .where('kind', 'in', ['reminded', 'escalated'])
    .where(sql<boolean>`payload ? 'timer'`);
  q = callIds
    ? q.where('call_id', 'in', callIds)
    : scope === 'calls'
      ? q.where(
          'call_id',
          'in',
          ctx.db
            .selectFrom('calls')
            .select('id')
            .where('state', 'in', [...WAITING_CALL_STATES]),
        )
      : q.where(
          'call_id',
          'in',
          ctx.db.selectFrom('assignments').select('call_id').where('state', 'in', OPEN_STATES),
        );
  return new Set((await q.execute()).map((r) => r.timer));
}

/** The unfired timers of the calls' present waits. */
async function callWaitTimers(ctx: Ctx, callIds?: string[]): Promise<WaitTimer[]> {
  let q = ctx.db
    .selectFrom('calls')
    .select(['id', 'state', 'tier', 'street_code', 'state_since', 'in_doubt'])
    .where('state', 'in', [...WAITING_CALL_STATES]);
  if (callIds) q = q.where('id', 'in', callIds);
  const calls = await q.execute();
  if (!calls.length) return [];
  const fired = await firedTimers(ctx, callIds, 'calls');
  return calls.flatMap((c) => waitTimers(ctx.district, c)).filter((t) => !fired.has(t.id));
}

/** What an assignment's timers are derived from (assignments as a, calls as c). */
const TIMED_COLUMNS = [
  'a.id',
  'a.call_id',
  'a.unit_code',
  'a.state',
  'a.dispatched_at',
  'a.ack_due_at',
  'a.resolve_due_at',
  'c.tier',
] as const;

/** The unfired timers of open assignments' deadlines. */
async function deadlineTimers(ctx: Ctx, callIds?: string[]): Promise<TimerSpec[]> {
  let q = ctx.db
    .selectFrom('assignments as a')
    .innerJoin('calls as c', 'c.id', 'a.call_id')
    .select(TIMED_COLUMNS)
    .where('a.state', 'in', OPEN_STATES);
  if (callIds) q = q.where('a.call_id', 'in', callIds);
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
  ev = callIds
    ? ev.where('call_id', 'in', callIds)
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
  return rows
    .flatMap(({ tier, ...a }) => timersFor(ctx.district, a, tier, starts))
    .filter((t) => !fired.has(t.id));
}

/**
 * The timers these calls no longer need: a deadline that was met (or whose assignment ended) and
 * the old instants of changed deadlines. Only tidiness: a stale timer that fires anyway finds
 * nothing to do.
 */
export async function obsoleteTimerIds(ctx: Ctx, callIds: string[]): Promise<string[]> {
  if (!callIds.length) return [];
  const rows = await ctx.db
    .selectFrom('assignments as a')
    .innerJoin('calls as c', 'c.id', 'a.call_id')
    .select(TIMED_COLUMNS)
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
  return [...new Set(ids)];
}
