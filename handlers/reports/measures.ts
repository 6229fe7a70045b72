// The measures of the mechanism, each defined once: what a period, a unit's rates and each
// rate are (RATE_DEFINITIONS, which the README shows). handlers/reports/rates.ts computes them.
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
