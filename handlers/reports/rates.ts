// The measures of the mechanism for a period and a unit, each defined once here (and shown
// in the README from RATE_DEFINITIONS): what the bulletin, the exports and the annual result read.
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { CallState } from '../../db/schema.ts';
import { ENDED_ASSIGNMENT_STATES } from '../calls.ts';

/** [from, to): instants. Months and years are cut at Asia/Shanghai midnight. */
export interface Period {
  from: Date;
  to: Date;
}

/** How results are grouped: one row for the district, one a street, one a department. */
export type GroupBy = 'district' | 'street' | 'department';
export type Scope = { kind: 'district' } | { kind: 'street' | 'department'; code: string };

/** A share with what it was computed from; `rate` is null when there was nothing to count. */
export interface Ratio {
  num: number;
  den: number;
  rate: number | null;
}

export interface UnitRates {
  /** the period's calls (see `calls` in RATE_DEFINITIONS) */
  calls: number;
  emergencyCalls: number;
  completionRate: Ratio;
  onTimeAckRate: Ratio;
  onTimeResolveRate: Ratio;
  overdue: number;
  avgAckHours: number | null;
  avgResolveHours: number | null;
  /** current process scores (逆向评议 totals, 0–100) first given in the period */
  score: { count: number; sum: number; avg: number | null };
  /** num: calls made and not returned; den: calls made */
  callAccuracy: Ratio & { returned: number };
  resolutionRate: Ratio;
  satisfactionRate: Ratio & { satisfied: number; basic: number; unsatisfied: number };
}

/** The definitions, for people: `name` is what reports print, `text` what the README shows. */
export const RATE_DEFINITIONS = [
  {
    key: 'calls',
    name: '呼叫数',
    text: 'The period’s calls: calls created in [from, to), excluding merged and cancelled ones; emergencies included. A street’s are the calls placed in it; a department’s those on which it holds an assignment not returned or reassigned away. Call-level measures count these calls as they stood at `to`.',
  },
  {
    key: 'completionRate',
    name: '办结率',
    text: 'Calls closed (closed or archived, closed before `to`) / the period’s calls.',
  },
  {
    key: 'onTimeAckRate',
    name: '响应率',
    text: 'Department assignments (not a street’s own) of the period’s calls with an acknowledgement deadline: acknowledged by the deadline / those decided at `to`. Left out: one neither acknowledged nor past its deadline at `to` (undecided), and one returned or reassigned before its deadline without an acknowledgement (a prompt return is an answer; the mis-routing counts against the street’s call accuracy). Returned or reassigned after the deadline unacknowledged, or acknowledged late: late.',
  },
  {
    key: 'onTimeResolveRate',
    name: '按时办结率',
    text: 'The same assignments with a resolve deadline: resolved by it / those decided at `to` (resolved, or past the deadline). Returned or reassigned before the deadline: left out. After a reopening, the new deadline and the last resolution count.',
  },
  {
    key: 'overdue',
    name: '超时数',
    text: 'Department assignments (of calls not merged or cancelled, dispatched at any time) open at `to` and past their acknowledgement or resolve deadline, plus those resolved in the period after their resolve deadline.',
  },
  {
    key: 'avgAckHours',
    name: '平均报到用时',
    text: 'Mean wall-clock hours from dispatch to acknowledgement, over the period’s acknowledged department assignments.',
  },
  {
    key: 'avgResolveHours',
    name: '平均办结用时',
    text: 'Mean wall-clock hours from dispatch to the (last) resolution, over the period’s resolved department assignments.',
  },
  {
    key: 'score',
    name: '过程评议平均分',
    text: 'Mean of the current score totals (0–100; a correction replaces the total) of assignments first scored in the period; by scored department, scoring street, or all.',
  },
  {
    key: 'callAccuracy',
    name: '呼叫准确度',
    text: 'Calls made and not returned / calls made. Made: the period’s calls that went out to a department (a department assignment dispatched before `to`, whoever dispatched it); self-handled matters are not calls. Returned: any of its assignments has a `returned` timeline event before `to`.',
  },
  {
    key: 'resolutionRate',
    name: '化解率',
    text: 'Calls resolved and confirmed (closed or archived before `to`) / the period’s calls: by these definitions the street-level reading of the completion rate.',
  },
  {
    key: 'satisfactionRate',
    name: '满意度',
    text: '(满意 + 基本满意) / answers given in the period on the unit’s calls.',
  },
] as const;

export const SHANGHAI = '+08:00';

/** 'YYYY-MM' → its month in Asia/Shanghai; null when it is not a month. */
export function monthPeriod(month: string): Period | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) return null;
  const [y, mo] = [Number(m[1]), Number(m[2])];
  // the years the annual results take too: nothing of the mechanism lies outside them
  if (y < 2000 || y > 2100) return null;
  const next = mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
  return {
    from: new Date(`${month}-01T00:00:00${SHANGHAI}`),
    to: new Date(`${next}-01T00:00:00${SHANGHAI}`),
  };
}

export const ratio = (num: number, den: number): Ratio => ({ num, den, rate: den ? num / den : null });

export function emptyRates(): UnitRates {
  return {
    calls: 0,
    emergencyCalls: 0,
    completionRate: ratio(0, 0),
    onTimeAckRate: ratio(0, 0),
    onTimeResolveRate: ratio(0, 0),
    overdue: 0,
    avgAckHours: null,
    avgResolveHours: null,
    score: { count: 0, sum: 0, avg: null },
    callAccuracy: { ...ratio(0, 0), returned: 0 },
    resolutionRate: ratio(0, 0),
    satisfactionRate: { ...ratio(0, 0), satisfied: 0, basic: 0, unsatisfied: 0 },
  };
}

const EXCLUDED_CALL_STATES: CallState[] = ['merged', 'cancelled'];
const ENDED = [...ENDED_ASSIGNMENT_STATES];
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const ACK = ['a.ack_due_at', 'a.acknowledged_at'] as const;
const RESOLVE = ['a.resolve_due_at', 'a.resolved_at'] as const;
const hours = (seconds: unknown) =>
  seconds === null || seconds === undefined ? null : Number(seconds) / 3600;

/** The group column: the department's or the street's code, or one constant for the district. */
const keyOf = (by: GroupBy, department: string, street: string) =>
  by === 'district'
    ? sql<string>`'district'`
    : sql<string>`${sql.ref(by === 'department' ? department : street)}`;

/**
 * (call, key) pairs: which group each call belongs to. A call may appear twice under one
 * department (dispatched to it again): what joins this counts distinct calls or rows. No DISTINCT
 * here, so the planner reaches a period's calls' assignments by index instead of reading all.
 */
function callKeys(db: Db, by: GroupBy) {
  if (by === 'department')
    return db
      .selectFrom('assignments')
      .select(['call_id', 'unit_code as key'])
      .where('role', '!=', 'self')
      .where('state', 'not in', ENDED)
      .as('k');
  return db
    .selectFrom('calls')
    .select(['id as call_id', by === 'street' ? 'street_code as key' : sql<string>`'district'`.as('key')])
    .as('k');
}

async function callMeasures(db: Db, p: Period, by: GroupBy) {
  return db
    .selectFrom('calls as c')
    .innerJoin(callKeys(db, by), 'k.call_id', 'c.id')
    .where('c.created_at', '>=', p.from)
    .where('c.created_at', '<', p.to)
    .where('c.state', 'not in', EXCLUDED_CALL_STATES)
    .select((eb) => {
      const made = eb.exists(
        eb
          .selectFrom('assignments as m')
          .select('m.id')
          .whereRef('m.call_id', '=', 'c.id')
          .where('m.role', '!=', 'self')
          .where('m.dispatched_at', '<', p.to),
      );
      const returned = eb.exists(
        eb
          .selectFrom('call_events as e')
          .select('e.id')
          .whereRef('e.call_id', '=', 'c.id')
          .where('e.kind', '=', 'returned')
          .where('e.at', '<', p.to),
      );
      const calls = () => eb.fn.count<string>('c.id').distinct();
      return [
        'k.key',
        calls().as('calls'),
        calls().filterWhere('c.emergency', '=', true).as('emergency'),
        calls().filterWhere('c.closed_at', '<', p.to).as('closed'),
        calls().filterWhere(made).as('made'),
        calls()
          .filterWhere(eb.and([made, returned]))
          .as('returned'),
      ];
    })
    .groupBy('k.key')
    .execute();
}

/** Measures over department assignments; `cohort`: of the period's calls (overdue looks at all). */
async function assignmentMeasures(db: Db, p: Period, by: GroupBy) {
  const to = p.to;
  return (
    db
      .selectFrom('assignments as a')
      .innerJoin('calls as c', 'c.id', 'a.call_id')
      .where('a.role', '!=', 'self')
      .where('c.state', 'not in', EXCLUDED_CALL_STATES)
      // Only assignments that can count, found by index (the 0007 migration's): those of the
      // period's calls, those resolved in it, and those open at its end (dispatched before it ended,
      // not resolved by then). Without this every assignment of the whole history is read.
      .where('a.id', 'in', (eb) =>
        eb
          .selectFrom('assignments as x')
          .innerJoin('calls as y', 'y.id', 'x.call_id')
          .select('x.id')
          .where('y.created_at', '>=', p.from)
          .where('y.created_at', '<', to)
          .union(
            eb
              .selectFrom('assignments')
              .select('id')
              .where('resolved_at', '>=', p.from)
              .where('resolved_at', '<', to),
          )
          .union(
            eb
              .selectFrom('assignments')
              .select('id')
              .where('role', '!=', 'self')
              .where(
                sql<boolean>`tstzrange(dispatched_at, coalesce(resolved_at, 'infinity'), '[]') @> ${to}::timestamptz`,
              ),
          ),
      )
      .select((eb) => {
        const cohort = eb.and([eb('c.created_at', '>=', p.from), eb('c.created_at', '<', to)]);
        const key = keyOf(by, 'a.unit_code', 'c.street_code');
        // A deadline and what meets it: [due, done].
        type Pair = typeof ACK | typeof RESOLVE;
        const decided = ([due, done]: Pair) =>
          eb.and([
            cohort,
            eb(due, 'is not', null),
            eb.or([eb(done, '<', to), eb(due, '<', to)]),
            // returned or reassigned before the deadline, unanswered: never the department's to meet
            eb.not(
              eb.and([
                eb(done, 'is', null),
                eb('a.ended_at', 'is not', null),
                eb('a.ended_at', '<=', eb.ref(due)),
              ]),
            ),
          ]);
        const onTime = ([due, done]: Pair) =>
          eb.and([cohort, eb(done, '<', to), eb(done, '<=', eb.ref(due))]);
        const openLate = eb.and([
          eb('a.dispatched_at', '<', to),
          eb.or([eb('a.ended_at', 'is', null), eb('a.ended_at', '>=', to)]),
          eb.or([eb('a.resolved_at', 'is', null), eb('a.resolved_at', '>=', to)]),
          eb.or([
            eb.and([
              eb('a.ack_due_at', '<', to),
              eb.or([eb('a.acknowledged_at', 'is', null), eb('a.acknowledged_at', '>=', to)]),
            ]),
            eb('a.resolve_due_at', '<', to),
          ]),
        ]);
        const resolvedLate = eb.and([
          eb('a.resolved_at', '>=', p.from),
          eb('a.resolved_at', '<', to),
          eb('a.resolved_at', '>', eb.ref('a.resolve_due_at')),
        ]);
        const count = () => eb.fn.countAll<string>();
        return [
          key.as('key'),
          count().filterWhere(decided(ACK)).as('ack_den'),
          count().filterWhere(onTime(ACK)).as('ack_num'),
          count().filterWhere(decided(RESOLVE)).as('res_den'),
          count().filterWhere(onTime(RESOLVE)).as('res_num'),
          count()
            .filterWhere(eb.or([openLate, resolvedLate]))
            .as('overdue'),
          eb.fn
            .avg<string | null>(sql`extract(epoch from a.acknowledged_at - a.dispatched_at)`)
            .filterWhere(
              eb.and([cohort, eb('a.ack_due_at', 'is not', null), eb('a.acknowledged_at', '<', to)]),
            )
            .as('ack_seconds'),
          eb.fn
            .avg<string | null>(sql`extract(epoch from a.resolved_at - a.dispatched_at)`)
            .filterWhere(eb.and([cohort, eb('a.resolved_at', '<', to)]))
            .as('resolve_seconds'),
        ];
      })
      .$if(by !== 'district', (q) => q.groupBy(by === 'department' ? 'a.unit_code' : 'c.street_code'))
      .execute()
  );
}

/**
 * Current score totals whose assignment was first scored in the period: scored in it (by index on
 * the time) and never before it (by index on the assignment), not a pass over every score.
 */
export async function scoreMeasures(db: Db, p: Period, by: GroupBy) {
  return db
    .selectFrom('scores as s')
    .where('s.current', '=', true)
    .where('s.assignment_id', 'in', (eb) =>
      eb
        .selectFrom('scores')
        .select('assignment_id')
        .where('created_at', '>=', p.from)
        .where('created_at', '<', p.to),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('scores as e')
            .select('e.id')
            .whereRef('e.assignment_id', '=', 's.assignment_id')
            .where('e.created_at', '<', p.from),
        ),
      ),
    )
    .select((eb) => [
      keyOf(by, 's.unit_code', 's.street_code').as('key'),
      eb.fn.countAll<string>().as('count'),
      eb.fn.sum<string>('s.total').as('sum'),
    ])
    .$if(by !== 'district', (q) => q.groupBy(by === 'department' ? 's.unit_code' : 's.street_code'))
    .execute();
}

async function satisfactionMeasures(db: Db, p: Period, by: GroupBy) {
  return db
    .selectFrom('satisfaction as sa')
    .innerJoin(callKeys(db, by), 'k.call_id', 'sa.call_id')
    .where('sa.at', '>=', p.from)
    .where('sa.at', '<', p.to)
    .select((eb) => [
      'k.key',
      eb.fn.count<string>('sa.id').distinct().filterWhere('sa.answer', '=', 'satisfied').as('satisfied'),
      eb.fn.count<string>('sa.id').distinct().filterWhere('sa.answer', '=', 'basic').as('basic'),
      eb.fn.count<string>('sa.id').distinct().filterWhere('sa.answer', '=', 'unsatisfied').as('unsatisfied'),
    ])
    .groupBy('k.key')
    .execute();
}

/** Every measure for every unit of a kind (only units with something to count appear). */
export async function ratesBy(db: Db, p: Period, by: GroupBy): Promise<Map<string, UnitRates>> {
  const [calls, assignments, scores, answers] = await Promise.all([
    callMeasures(db, p, by),
    assignmentMeasures(db, p, by),
    scoreMeasures(db, p, by),
    satisfactionMeasures(db, p, by),
  ]);
  const out = new Map<string, UnitRates>();
  const at = (key: string) => {
    if (!out.has(key)) out.set(key, emptyRates());
    return out.get(key)!;
  };
  for (const c of calls) {
    const r = at(c.key);
    const [n, closed, made, returned] = [num(c.calls), num(c.closed), num(c.made), num(c.returned)];
    Object.assign(r, {
      calls: n,
      emergencyCalls: num(c.emergency),
      completionRate: ratio(closed, n),
      resolutionRate: ratio(closed, n),
      callAccuracy: { ...ratio(made - returned, made), returned },
    });
  }
  for (const a of assignments) {
    const [ackDen, resDen, overdue] = [num(a.ack_den), num(a.res_den), num(a.overdue)];
    // The district row exists even in an empty period; skip it rather than invent a unit.
    if (!ackDen && !resDen && !overdue && a.ack_seconds === null && a.resolve_seconds === null) continue;
    Object.assign(at(a.key), {
      onTimeAckRate: ratio(num(a.ack_num), ackDen),
      onTimeResolveRate: ratio(num(a.res_num), resDen),
      overdue,
      avgAckHours: hours(a.ack_seconds),
      avgResolveHours: hours(a.resolve_seconds),
    });
  }
  for (const s of scores) {
    const [count, sum] = [num(s.count), num(s.sum)];
    if (count) at(s.key).score = { count, sum, avg: sum / count };
  }
  for (const s of answers) {
    const [satisfied, basic, unsatisfied] = [num(s.satisfied), num(s.basic), num(s.unsatisfied)];
    at(s.key).satisfactionRate = {
      ...ratio(satisfied + basic, satisfied + basic + unsatisfied),
      satisfied,
      basic,
      unsatisfied,
    };
  }
  return out;
}

/** Every measure for one unit (or the district) in a period. */
export async function ratesFor(db: Db, p: Period, scope: Scope): Promise<UnitRates> {
  const by: GroupBy = scope.kind;
  const key = scope.kind === 'district' ? 'district' : scope.code;
  return (await ratesBy(db, p, by)).get(key) ?? emptyRates();
}
