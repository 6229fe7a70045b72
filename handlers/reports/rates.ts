// The measures of a period and a unit, computed (what each one is: handlers/reports/measures.ts):
// what the bulletin, the exports and the annual result read.
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { CallState } from '../../db/schema.ts';
import { ENDED_ASSIGNMENT_STATES } from '../calls.ts';
import { emptyRates, type GroupBy, type Period, ratio, type Scope, type UnitRates } from './measures.ts';

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
