// The statements behind the measures (what each measure is: measures.ts; put together: rates.ts).
import { type Expression, type RawBuilder, sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { CallState } from '../../db/schema.ts';
import { ENDED_ASSIGNMENT_STATES } from '../calls.ts';
import type { GroupBy, Period } from './measures.ts';

const EXCLUDED_CALL_STATES: CallState[] = ['merged', 'cancelled'];
const ENDED = [...ENDED_ASSIGNMENT_STATES];
const ACK = ['a.ack_due_at', 'a.acknowledged_at'] as const;
const RESOLVE = ['a.resolve_due_at', 'a.resolved_at'] as const;

// How the statements keep to the period. Each starts from the period's rows, found by an index on
// their own time (calls.created_at, scores.created_at, satisfaction.at, assignments.resolved_at,
// the spans of open assignments), and reaches the rest row by row through an index, so its cost
// follows the period and not the history. Where the probe's index always exists, a LATERAL or
// EXISTS subquery the planner may not flatten (it has DISTINCT, an aggregate or OFFSET 0) holds it
// to them: flattened, it would rather hash a whole table, cheaper by its estimates, slower in fact,
// and growing with the history. Each statement serves every kind of group asked for in one pass:
// grouping sets, or the period's rows set aside once (a materialized CTE) and counted once a kind.

/** One statement's rows for several kinds of group: which kind, which group. */
export type Keyed = { kind: GroupBy; key: string };

/** `grouping sets` of the kinds asked for, and the kind and key of each row it makes. */
function groupingSets(kinds: GroupBy[], unit: string, street: string) {
  const column = { department: sql.ref(unit), street: sql.ref(street) };
  const sets = kinds.map((k) => (k === 'district' ? sql`()` : sql`(${column[k]})`));
  // grouping(x) = 0: the row's set groups by x (and only a column of some set may be asked)
  const grouped = (['department', 'street'] as const).filter((k) => kinds.includes(k));
  const when = (then: (k: (typeof grouped)[number]) => RawBuilder<unknown>) =>
    sql.join(
      grouped.map((k) => sql`when grouping(${column[k]}) = 0 then ${then(k)}`),
      sql` `,
    );
  const pick = <T>(then: (k: (typeof grouped)[number]) => RawBuilder<unknown>) =>
    grouped.length ? sql<T>`case ${when(then)} else 'district' end` : sql<T>`'district'`;
  return {
    kind: pick<GroupBy>((k) => sql.lit(k)),
    key: pick<string>((k) => sql`${column[k]}`),
    by: sql`grouping sets (${sql.join(sets)})`,
  };
}

/**
 * Runs a report's statement with two planner settings of its own. JIT off: the planner prices
 * thousands of index probes high enough to compile the statement, and compiling takes longer than
 * running it. A random read priced near a sequential one, as it is for rows in memory or on SSD:
 * left to its default, the planner hashes whole tables where a month's index probes are faster.
 */
export async function withReportSettings<T>(db: Db, run: (db: Db) => Promise<T>): Promise<T> {
  const settings = async (db: Db) => {
    await sql`set local jit = off`.execute(db);
    await sql`set local random_page_cost = 1.1`.execute(db);
  };
  if (db.isTransaction) {
    await settings(db); // for the rest of the caller's transaction
    return run(db);
  }
  return db.transaction().execute(async (trx) => {
    await settings(trx);
    return run(trx);
  });
}

/**
 * The departments a call counts under (`call` names its id), as `k.key`, each once: those holding
 * an assignment on it not returned or reassigned away.
 */
function departmentsOf(db: Db, call: string) {
  return db
    .selectFrom('assignments as d')
    .select('d.unit_code as key')
    .distinct()
    .where('d.call_id', '=', sql.ref<string>(call))
    .where('d.role', '!=', 'self')
    .where('d.state', 'not in', ENDED)
    .as('k');
}

/**
 * `rows` (a statement giving a call id as `call_id` and its street as `street_code`) set aside
 * once as `m`, and `counts` over it by each kind asked for. A group is there only with a row (so
 * the district too, by `having`).
 */
function byEachKind<T extends Keyed>(
  db: Db,
  kinds: GroupBy[],
  rows: Expression<unknown>,
  counts: RawBuilder<unknown>,
) {
  const parts = kinds.map((kind) =>
    kind === 'district'
      ? sql`select 'district' as kind, 'district' as key, ${counts} from m having count(*) > 0`
      : kind === 'street'
        ? sql`select 'street' as kind, m.street_code as key, ${counts} from m group by m.street_code`
        : sql`select 'department' as kind, k.key, ${counts} from m cross join lateral ${departmentsOf(db, 'm.call_id')} group by k.key`,
  );
  return sql<T>`with m as materialized ${rows} ${sql.join(parts, sql` union all `)}`;
}

/** Counts over the period's calls, as they stood at the period's end. */
export async function callMeasures(db: Db, p: Period, kinds: GroupBy[]) {
  const calls = db
    .selectFrom('calls as c')
    .where('c.created_at', '>=', p.from)
    .where('c.created_at', '<', p.to)
    .where('c.state', 'not in', EXCLUDED_CALL_STATES)
    .select((eb) => [
      'c.id as call_id',
      'c.street_code',
      'c.emergency',
      eb('c.closed_at', '<', p.to).as('closed'),
      // made: it went out to a department before the end
      eb
        .exists(
          eb
            .selectFrom('assignments as x')
            .select('x.id')
            .whereRef('x.call_id', '=', 'c.id')
            .where('x.role', '!=', 'self')
            .where('x.dispatched_at', '<', p.to)
            .offset(0),
        )
        .as('made'),
      eb
        .exists(
          eb
            .selectFrom('call_events as e')
            .select('e.id')
            .whereRef('e.call_id', '=', 'c.id')
            .where('e.kind', '=', 'returned')
            .where('e.at', '<', p.to)
            // asked call by call by index: not made one hashed set of every return ever (see above)
            .offset(0),
        )
        .as('returned'),
    ]);
  const counts = sql`count(*) as calls, count(*) filter (where m.emergency) as emergency,
    count(*) filter (where m.closed) as closed, count(*) filter (where m.made) as made,
    count(*) filter (where m.made and m.returned) as returned`;
  type Row = Keyed & Record<'calls' | 'emergency' | 'closed' | 'made' | 'returned', string>;
  return (await byEachKind<Row>(db, kinds, calls, counts).execute(db)).rows;
}

/**
 * Measures over the department assignments (not a street's own) of the period's calls, the
 * cohort: on-time acknowledgement and resolution, and the mean times. Overdue is counted apart.
 */
export async function cohortMeasures(db: Db, p: Period, kinds: GroupBy[]) {
  const to = p.to;
  const g = groupingSets(kinds, 'a.unit_code', 'c.street_code');
  return db
    .selectFrom('calls as c')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('assignments as x')
          .select([
            'x.unit_code',
            'x.dispatched_at',
            'x.ack_due_at',
            'x.acknowledged_at',
            'x.resolve_due_at',
            'x.resolved_at',
            'x.ended_at',
          ])
          .whereRef('x.call_id', '=', 'c.id')
          .where('x.role', '!=', 'self')
          .offset(0) // read by index call by call, not flattened (see above)
          .as('a'),
      (j) => j.onTrue(),
    )
    .where('c.created_at', '>=', p.from)
    .where('c.created_at', '<', to)
    .where('c.state', 'not in', EXCLUDED_CALL_STATES)
    .select((eb) => {
      // A deadline and what meets it: [due, done].
      type Pair = typeof ACK | typeof RESOLVE;
      const decided = ([due, done]: Pair) =>
        eb.and([
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
      const onTime = ([due, done]: Pair) => eb.and([eb(done, '<', to), eb(done, '<=', eb.ref(due))]);
      const count = () => eb.fn.countAll<string>();
      return [
        g.kind.as('kind'),
        g.key.as('key'),
        count().filterWhere(decided(ACK)).as('ack_den'),
        count().filterWhere(onTime(ACK)).as('ack_num'),
        count().filterWhere(decided(RESOLVE)).as('res_den'),
        count().filterWhere(onTime(RESOLVE)).as('res_num'),
        eb.fn
          .avg<string | null>(sql`extract(epoch from a.acknowledged_at - a.dispatched_at)`)
          .filterWhere(eb.and([eb('a.ack_due_at', 'is not', null), eb('a.acknowledged_at', '<', to)]))
          .as('ack_seconds'),
        eb.fn
          .avg<string | null>(sql`extract(epoch from a.resolved_at - a.dispatched_at)`)
          .filterWhere('a.resolved_at', '<', to)
          .as('resolve_seconds'),
      ];
    })
    .groupBy(g.by)
    .execute();
}

/**
 * Overdue department assignments, of calls of any time: open at the period's end past a deadline
 * (found among those whose span holds the end, by the 0007 migration's index), and resolved in
 * the period after their resolve deadline (by index on resolved_at). None is both, unresolved at
 * the end and resolved before it; so the two are simply added.
 */
export async function overdueMeasures(db: Db, p: Period, kinds: GroupBy[]) {
  const to = p.to;
  const openLate = db
    .selectFrom('assignments as a')
    .select(['a.call_id', 'a.unit_code'])
    .where('a.role', '!=', 'self')
    .where(
      sql<boolean>`tstzrange(a.dispatched_at, coalesce(a.resolved_at, 'infinity'), '[]') @> ${to}::timestamptz`,
    )
    .where((eb) =>
      eb.and([
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
      ]),
    );
  const resolvedLate = db
    .selectFrom('assignments as a')
    .select(['a.call_id', 'a.unit_code'])
    .where('a.role', '!=', 'self')
    .where('a.resolved_at', '>=', p.from)
    .where('a.resolved_at', '<', to)
    .whereRef('a.resolved_at', '>', 'a.resolve_due_at');
  const g = groupingSets(kinds, 'o.unit_code', 'c.street_code');
  return db
    .selectFrom(openLate.unionAll(resolvedLate).as('o'))
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('calls as c')
          .select('c.street_code')
          .whereRef('c.id', '=', 'o.call_id')
          .where('c.state', 'not in', EXCLUDED_CALL_STATES)
          .offset(0) // by primary key, row by row (see above)
          .as('c'),
      (j) => j.onTrue(),
    )
    .select((eb) => [g.kind.as('kind'), g.key.as('key'), eb.fn.countAll<string>().as('overdue')])
    .groupBy(g.by)
    .execute();
}

/**
 * Current score totals whose assignment was first scored in the period, for each kind asked for:
 * the assignments scored in the period (by index on the time), their current scores (by
 * scores_current_idx), none scored before it: that last check is left to the planner, which probes
 * scores_assignment_idx for a month's assignments and hashes for a year's (or without the index).
 */
export async function scoreMeasures(db: Db, p: Period, kinds: GroupBy[]) {
  const g = groupingSets(kinds, 's.unit_code', 's.street_code');
  return withReportSettings(db, (db) =>
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('scores')
          .select('assignment_id')
          .distinct()
          .where('created_at', '>=', p.from)
          .where('created_at', '<', p.to)
          .as('f'),
      )
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom('scores as s')
            .select(['s.unit_code', 's.street_code', 's.total'])
            .whereRef('s.assignment_id', '=', 'f.assignment_id')
            .where('s.current', '=', true)
            .offset(0) // by scores_current_idx, assignment by assignment (see above)
            .as('s'),
        (j) => j.onTrue(),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('scores as e')
              .select('e.id')
              .whereRef('e.assignment_id', '=', 'f.assignment_id')
              .where('e.created_at', '<', p.from),
          ),
        ),
      )
      .select((eb) => [
        g.kind.as('kind'),
        g.key.as('key'),
        eb.fn.countAll<string>().as('count'),
        eb.fn.sum<string>('s.total').as('sum'),
      ])
      .groupBy(g.by)
      .execute(),
  );
}

/** The answers given in the period, on the calls of each group. */
export async function satisfactionMeasures(db: Db, p: Period, kinds: GroupBy[]) {
  const answers = db
    .selectFrom('satisfaction as sa')
    .innerJoinLateral(
      (eb) =>
        eb
          .selectFrom('calls as c')
          .select('c.street_code')
          .whereRef('c.id', '=', 'sa.call_id')
          .offset(0) // by primary key, row by row (see above)
          .as('c'),
      (j) => j.onTrue(),
    )
    .where('sa.at', '>=', p.from)
    .where('sa.at', '<', p.to)
    .select(['sa.call_id', 'c.street_code', 'sa.answer']);
  const counts = sql`count(*) filter (where m.answer = 'satisfied') as satisfied,
    count(*) filter (where m.answer = 'basic') as basic,
    count(*) filter (where m.answer = 'unsatisfied') as unsatisfied`;
  type Row = Keyed & Record<'satisfied' | 'basic' | 'unsatisfied', string>;
  return (await byEachKind<Row>(db, kinds, answers, counts).execute(db)).rows;
}
