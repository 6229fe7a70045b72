// The measures of a period and a unit, computed (what each one is: handlers/reports/measures.ts):
// what the bulletin, the exports and the annual result read.
import type { Db } from '../../db/connect.ts';
import { emptyRates, type GroupBy, type Period, ratio, type Scope, type UnitRates } from './measures.ts';
import {
  callMeasures,
  cohortMeasures,
  type Keyed,
  overdueMeasures,
  satisfactionMeasures,
  scoreMeasures,
  withReportSettings,
} from './rate-statements.ts';

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const hours = (seconds: unknown) =>
  seconds === null || seconds === undefined ? null : Number(seconds) / 3600;

/**
 * Every measure for every unit of each kind asked for (only units with something to count
 * appear): one pass over the period's rows serves all the kinds.
 */
export async function ratesByEach(
  db: Db,
  p: Period,
  kinds: GroupBy[],
): Promise<Map<GroupBy, Map<string, UnitRates>>> {
  const run = <T>(measure: (db: Db, p: Period, kinds: GroupBy[]) => Promise<T>) =>
    withReportSettings(db, (db) => measure(db, p, kinds));
  const [calls, cohort, late, scores, answers] = await Promise.all([
    run(callMeasures),
    run(cohortMeasures),
    run(overdueMeasures),
    scoreMeasures(db, p, kinds),
    run(satisfactionMeasures),
  ]);
  const out = new Map<GroupBy, Map<string, UnitRates>>(kinds.map((k) => [k, new Map()]));
  const at = ({ kind, key }: Keyed) => {
    const of = out.get(kind)!;
    if (!of.has(key)) of.set(key, emptyRates());
    return of.get(key)!;
  };
  for (const c of calls) {
    const r = at(c);
    const [n, closed, made, returned] = [num(c.calls), num(c.closed), num(c.made), num(c.returned)];
    Object.assign(r, {
      calls: n,
      emergencyCalls: num(c.emergency),
      completionRate: ratio(closed, n),
      resolutionRate: ratio(closed, n),
      callAccuracy: { ...ratio(made - returned, made), returned },
    });
  }
  // a group's assignment measures: its cohort's, and its overdue count found apart
  const overdue = new Map(late.map((o) => [`${o.kind}:${o.key}`, num(o.overdue)]));
  const assignments = [
    ...cohort.map((a) => ({ ...a, overdue: overdue.get(`${a.kind}:${a.key}`) ?? 0 })),
    ...late
      .filter((o) => !cohort.some((a) => a.kind === o.kind && a.key === o.key))
      .map((o) => ({
        ...o,
        ack_den: 0,
        ack_num: 0,
        res_den: 0,
        res_num: 0,
        ack_seconds: null,
        resolve_seconds: null,
      })),
  ];
  for (const a of assignments) {
    const [ackDen, resDen, overdue] = [num(a.ack_den), num(a.res_den), num(a.overdue)];
    // The district row exists even in an empty period; skip it rather than invent a unit.
    if (!ackDen && !resDen && !overdue && a.ack_seconds === null && a.resolve_seconds === null) continue;
    Object.assign(at(a), {
      onTimeAckRate: ratio(num(a.ack_num), ackDen),
      onTimeResolveRate: ratio(num(a.res_num), resDen),
      overdue,
      avgAckHours: hours(a.ack_seconds),
      avgResolveHours: hours(a.resolve_seconds),
    });
  }
  for (const s of scores) {
    const [count, sum] = [num(s.count), num(s.sum)];
    if (count) at(s).score = { count, sum, avg: sum / count };
  }
  for (const s of answers) {
    const [satisfied, basic, unsatisfied] = [num(s.satisfied), num(s.basic), num(s.unsatisfied)];
    at(s).satisfactionRate = {
      ...ratio(satisfied + basic, satisfied + basic + unsatisfied),
      satisfied,
      basic,
      unsatisfied,
    };
  }
  return out;
}

/** Every measure for every unit of a kind (only units with something to count appear). */
export async function ratesBy(db: Db, p: Period, by: GroupBy): Promise<Map<string, UnitRates>> {
  return (await ratesByEach(db, p, [by])).get(by)!;
}

/** Every measure for one unit (or the district) in a period. */
export async function ratesFor(db: Db, p: Period, scope: Scope): Promise<UnitRates> {
  const by: GroupBy = scope.kind;
  const key = scope.kind === 'district' ? 'district' : scope.code;
  return (await ratesBy(db, p, by)).get(key) ?? emptyRates();
}
