// The monthly bulletin (一月一通报): district totals, the departments' ranking and the
// streets' figures for a month in Asia/Shanghai, as data, as a card with a chart, as tables.

import { queuedWithPrefix, queueRows } from '../../db/outbox.ts';
import { unitName } from '../cards/fields.ts';
import type { Ctx } from '../context.ts';
import { Refusal } from '../errors.ts';
import type { Message } from '../messages.ts';
import { systemActor } from '../people.ts';
import { runWork } from '../work.ts';
import { formatShanghai } from '../worktime.ts';
import { emptyRates, monthPeriod, type Period, type Ratio, type UnitRates } from './measures.ts';
import { districtMean, RANKING_RULE, rankingScore } from './ranking.ts';
import { ratesByEach } from './rates.ts';

export interface DepartmentRow {
  /** 1-based; equal figures share a rank; null for a department with nothing this month */
  rank: number | null;
  code: string;
  name: string;
  calls: number;
  avgScore: number | null;
  /** the average shrunk toward the district's mean: what the ranking goes by (ranking.ts) */
  rankingScore: number | null;
  scored: number;
  onTimeAckRate: Ratio;
  onTimeResolveRate: Ratio;
  overdue: number;
}

export interface StreetRow {
  code: string;
  name: string;
  calls: number;
  callsMade: number;
  returned: number;
  callAccuracy: Ratio;
  resolutionRate: Ratio;
}

export interface Bulletin {
  month: string;
  title: string;
  period: { from: string; to: string };
  district: UnitRates;
  departments: DepartmentRow[];
  streets: StreetRow[];
  satisfaction: UnitRates['satisfactionRate'];
}

/** '2026-11' → '2026年11月' */
export const monthLabel = (month: string) => `${month.slice(0, 4)}年${Number(month.slice(5, 7))}月`;

export function parseMonth(month: string): Period {
  const p = monthPeriod(month);
  if (!p)
    throw new Refusal(
      'bad_input',
      `月份应写作 YYYY-MM（2000—2100年），例如 2026-11（收到“${month}”）`,
      `bad month ${month}`,
    );
  return p;
}

/** Ratios compared exactly (cross-multiplied); a ratio with nothing counted comes last. */
function compareRatio(a: Ratio, b: Ratio): number {
  if (!a.den || !b.den) return (a.den ? 0 : 1) - (b.den ? 0 : 1);
  return b.num * a.den - a.num * b.den;
}

type Ranked = UnitRates & { fair: number | null };

function compareDepartments(a: Ranked, b: Ranked): number {
  const score =
    a.fair === null || b.fair === null
      ? (a.fair === null ? 1 : 0) - (b.fair === null ? 1 : 0)
      : b.fair - a.fair;
  return (
    score ||
    compareRatio(a.onTimeAckRate, b.onTimeAckRate) ||
    compareRatio(a.onTimeResolveRate, b.onTimeResolveRate)
  );
}

/** The departments in bulletin order: by the fair ranking score (ranking.ts), then on-time
 * acknowledgement, then on-time resolution. */
function rankDepartments(ctx: Ctx, rates: Map<string, UnitRates>): DepartmentRow[] {
  const mean = districtMean(
    ctx.district.departments.map((u) => rates.get(u.code)?.score ?? { sum: 0, count: 0 }),
  );
  const departments = ctx.district.departments.map((u) => {
    const r = rates.get(u.code) ?? emptyRates();
    return { code: u.code, r: { ...r, fair: rankingScore(r.score, mean) } as Ranked };
  });
  const active = (r: UnitRates) => r.calls > 0 || r.score.count > 0 || r.overdue > 0;
  const ranked = departments.filter((x) => active(x.r)).sort((a, b) => compareDepartments(a.r, b.r));
  const row = (x: (typeof departments)[number], rank: number | null): DepartmentRow => ({
    rank,
    code: x.code,
    name: unitName(ctx.district, x.code),
    calls: x.r.calls,
    avgScore: x.r.score.avg,
    rankingScore: x.r.fair,
    scored: x.r.score.count,
    onTimeAckRate: x.r.onTimeAckRate,
    onTimeResolveRate: x.r.onTimeResolveRate,
    overdue: x.r.overdue,
  });
  const rows: DepartmentRow[] = [];
  ranked.forEach((x, i) => {
    const tied = i > 0 && compareDepartments(ranked[i - 1].r, x.r) === 0;
    rows.push(row(x, tied ? rows[i - 1].rank : i + 1));
  });
  // A department with nothing this month is listed without a rank.
  for (const x of departments) if (!active(x.r)) rows.push(row(x, null));
  return rows;
}

/** Computes the bulletin for a month ('YYYY-MM', Asia/Shanghai); the figures stand as at the month's end. */
export async function monthlyBulletin(ctx: Ctx, month: string): Promise<Bulletin> {
  const p = parseMonth(month);
  const rates = await ratesByEach(ctx.db, p, ['district', 'department', 'street']);
  const [byDepartment, byStreet] = [rates.get('department')!, rates.get('street')!];
  const totals = rates.get('district')!.get('district') ?? emptyRates();
  const streets = ctx.district.streets.map((s): StreetRow => {
    const r = byStreet.get(s.code) ?? emptyRates();
    return {
      code: s.code,
      name: s.name,
      calls: r.calls,
      callsMade: r.callAccuracy.den,
      returned: r.callAccuracy.returned,
      callAccuracy: r.callAccuracy,
      resolutionRate: r.resolutionRate,
    };
  });
  return {
    month,
    title: `${monthLabel(month)}“街道呼·部门应”工作通报`,
    period: { from: p.from.toISOString(), to: p.to.toISOString() },
    district: totals,
    departments: rankDepartments(ctx, byDepartment),
    streets,
    satisfaction: totals.satisfactionRate,
  };
}

export const percent = (r: Ratio) => (r.rate === null ? '—' : `${(r.rate * 100).toFixed(1)}%`);
const fixed = (n: number | null, digits = 1) => (n === null ? '—' : n.toFixed(digits));

export function bulletinMessage(b: Bulletin): Message {
  const t = b.district;
  const ranked = b.departments.filter((d) => d.rank !== null);
  const idle = b.departments.filter((d) => d.rank === null);
  const ranking = ranked.map((d) =>
    d.calls
      ? `${d.rank}. ${d.name} 排名分 ${fixed(d.rankingScore)} 平均分 ${fixed(d.avgScore)}（${d.scored} 次评分） 呼叫 ${d.calls} 件 ` +
        `响应率 ${percent(d.onTimeAckRate)} 按时办结率 ${percent(d.onTimeResolveRate)} 超时 ${d.overdue} 件`
      : // nothing new this month: what it is judged on came over from earlier months
        `${d.rank}. ${d.name} 排名分 ${fixed(d.rankingScore)} 平均分 ${fixed(d.avgScore)}（${d.scored} 次评分） 本月无新呼叫` +
        (d.overdue ? `，以前月份结转的事项超时 ${d.overdue} 件` : ''),
  );
  const streets = b.streets.map((s) =>
    s.calls
      ? `${s.name} 事项 ${s.calls} 件 呼叫 ${s.callsMade} 件 呼叫准确度 ${percent(s.callAccuracy)}（退回 ${s.returned} 件） 化解率 ${percent(s.resolutionRate)}`
      : `${s.name} 本月无事项`,
  );
  const last = new Date(new Date(b.period.to).getTime() - 1);
  return {
    kind: 'bulletin',
    title: b.title,
    tone: 'info',
    fields: [
      { label: '呼叫总数', value: `${t.calls} 件（突发 ${t.emergencyCalls} 件）` },
      {
        label: '办结率',
        value: `${percent(t.completionRate)}（${t.completionRate.num}/${t.completionRate.den}）`,
      },
      {
        label: '响应率',
        value: `${percent(t.onTimeAckRate)}（${t.onTimeAckRate.num}/${t.onTimeAckRate.den}）`,
      },
      {
        label: '按时办结率',
        value: `${percent(t.onTimeResolveRate)}（${t.onTimeResolveRate.num}/${t.onTimeResolveRate.den}）`,
      },
      { label: '超时', value: `${t.overdue} 件` },
      { label: '平均报到用时', value: `${fixed(t.avgAckHours)} 小时` },
      { label: '平均办结用时', value: `${fixed(t.avgResolveHours)} 小时` },
      { label: '过程评议平均分', value: `${fixed(t.score.avg)} 分（${t.score.count} 次评分）` },
      { label: '呼叫准确度', value: `${percent(t.callAccuracy)}（退回 ${t.callAccuracy.returned} 件）` },
      { label: '满意度', value: `${percent(b.satisfaction)}（${b.satisfaction.den} 份评价）` },
    ],
    text: [
      `【部门排名】${RANKING_RULE}`,
      ...ranking,
      ...(idle.length ? [`本月无呼叫：${idle.map((d) => d.name).join('、')}`] : []),
      '',
      '【街道】',
      ...streets,
    ].join('\n'),
    images: [{ ref: `chart:bulletin:${b.month}`, alt: `${monthLabel(b.month)}部门过程评议平均分` }],
    note: `统计期 ${formatShanghai(new Date(b.period.from)).slice(0, 10)} 至 ${formatShanghai(last).slice(0, 10)}（北京时间），数据截至统计期末`,
  };
}

/** The bulletin's chart: each ranked department's average process score, best first. */
export async function renderBulletinChart(b: Bulletin): Promise<Buffer> {
  const scored = b.departments.filter((d) => d.avgScore !== null);
  // chart.js and the canvas are loaded on the first chart: ~25 MiB a process would otherwise carry idle
  const { renderBarChartPng } = await import('./chart.ts');
  return renderBarChartPng({
    title: `${monthLabel(b.month)}部门过程评议平均分`,
    labels: scored.length ? scored.map((d) => d.name) : ['本月无评分'],
    // NaN draws no bar and no value label: an empty month shows no false 0分
    values: scored.length ? scored.map((d) => Math.round(d.avgScore! * 10) / 10) : [Number.NaN],
    unit: '分',
    max: 100,
  });
}

const CHART_REF = /^chart:bulletin:(\d{4}-\d{2})$/;

/** For adapters: the PNG behind a `chart:` image ref of a message, or null when it names no chart. */
export async function resolveChartRef(ctx: Ctx, ref: string): Promise<Buffer | null> {
  const month = CHART_REF.exec(ref)?.[1];
  if (!month || !monthPeriod(month)) return null;
  return renderBulletinChart(await monthlyBulletin(ctx, month));
}

/**
 * Queues the month's bulletin card to every chat of the office and the leaders. Once per
 * month: each row's idempotency key is `bulletin:<month>:<platform>:<chat>`, so a re-run (a
 * retried job, two workers) queues nothing new.
 */
export async function publishMonthlyBulletin(
  ctx: Ctx,
  month: string,
): Promise<{ month: string; queued: number; skipped: boolean }> {
  const prefix = `bulletin:${month}:`;
  parseMonth(month);
  if (await queuedWithPrefix(ctx.db, prefix)) {
    ctx.log.info({ month }, 'monthly bulletin already queued; skipped');
    return { month, queued: 0, skipped: true };
  }
  const message = bulletinMessage(await monthlyBulletin(ctx, month));
  const units = [ctx.district.office.code, ctx.district.leaders.code];
  const queued = await runWork(ctx, systemActor, null, async (w) => {
    const chats = await w.trx
      .selectFrom('chat_bindings')
      .select(['platform', 'chat_id'])
      .where('unit_code', 'in', units)
      .orderBy('unit_code')
      .orderBy('chat_id')
      .execute();
    return queueRows(
      w.trx,
      chats.map((c) => ({
        created_at: w.now,
        kind: 'message',
        platform: c.platform,
        chat_id: c.chat_id,
        call_id: null,
        payload: JSON.stringify({ message, replyTo: null }),
        idempotency_key: `${prefix}${c.platform}:${c.chat_id}`,
        available_at: w.now,
      })),
    );
  });
  // Rows written outside runWork's own senders: tell the relay ourselves.
  if (queued) ctx.afterCommit?.({ outbox: true, timers: [] });
  ctx.log.info({ month, queued }, 'monthly bulletin queued');
  return { month, queued, skipped: false };
}
