// The overview: open calls by state and tier, overdue now and due soon, ages in working-day
// buckets per department and per street, this month's rates beside last month's; the page
// refreshes its figures whenever a commit changes something (Server-Sent Events).
import type { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Assignment, Call } from '../../db/schema.ts';
import { countCalls, listCalls, OPEN_CALL_STATES, STATE_NAMES, TIER_NAMES } from '../../handlers/calls.ts';
import { unitName } from '../../handlers/cards/fields.ts';
import type { Ctx } from '../../handlers/context.ts';
import { percent } from '../../handlers/reports/bulletin.ts';
import { monthPeriod, type Scope as RateScope, type UnitRates } from '../../handlers/reports/measures.ts';
import { ratesFor } from '../../handlers/reports/rates.ts';
import {
  addDuration,
  formatShanghai,
  parseDuration,
  previousMonth,
  workingMinutesBetween,
} from '../../handlers/worktime.ts';
import type { Services } from '../services.ts';
import { escapeHtml, html, page, table } from './html.ts';
import { type Scope, seesEverything, visibleTo } from './scope.ts';
import type { ConsoleEnv } from './session.ts';

const WORKDAY_MINUTES = 7.5 * 60;
export const AGE_BUCKETS = [
  { key: 'lt1', label: '不足1个工作日', max: 1 },
  { key: '1to3', label: '1–3个工作日', max: 3 },
  { key: '3to7', label: '3–7个工作日', max: 7 },
  { key: 'gt7', label: '7个工作日以上', max: Number.POSITIVE_INFINITY },
] as const;
const ACTIVE = ['dispatched', 'acknowledged', 'in_progress'] as const;

export function ageBucket(createdAt: Date, now: Date): (typeof AGE_BUCKETS)[number]['key'] {
  const days = workingMinutesBetween(createdAt, now) / WORKDAY_MINUTES;
  return AGE_BUCKETS.find((b) => days < b.max)!.key;
}

/** An assignment's next deadline: 报到 until acknowledged, then 办结. */
const nextDue = (a: Assignment) =>
  a.acknowledged_at ? a.resolve_due_at : (a.ack_due_at ?? a.resolve_due_at);

export interface Overview {
  at: Date;
  open: number;
  byState: Record<string, number>;
  byTier: Record<string, number>;
  overdue: number;
  dueSoon: number;
  byStreet: Map<string, Record<string, number>>;
  byDepartment: Map<string, Record<string, number>>;
  months: { month: string; rates: UnitRates }[];
}

function rateScope(ctx: Ctx, s: Scope): RateScope {
  if (s.kind === 'all') return { kind: 'district' };
  if (s.kind === 'community')
    return { kind: 'street', code: ctx.district.units.get(s.code)?.parent ?? s.code };
  return { kind: s.kind as 'street' | 'department', code: s.code };
}

export async function overview(ctx: Ctx, scope: Scope): Promise<Overview> {
  const now = ctx.clock.now();
  const vis = visibleTo(scope);
  const open: Call[] = await listCalls(
    ctx.db,
    { states: OPEN_CALL_STATES, visibleTo: vis, limit: 100_000 },
    now,
  );
  let assignments = open.length
    ? await ctx.db
        .selectFrom('assignments')
        .selectAll()
        .where(
          'call_id',
          'in',
          open.map((c) => c.id),
        )
        .where('state', 'in', ACTIVE)
        .execute()
    : [];
  if (scope.kind === 'department') assignments = assignments.filter((a) => a.unit_code === scope.code);
  const count = <K extends string>(keys: K[]) =>
    keys.reduce<Record<string, number>>((m, k) => {
      m[k] = (m[k] ?? 0) + 1;
      return m;
    }, {});
  const created = new Map(open.map((c) => [c.id, new Date(c.created_at)]));
  const bucketed = (pairs: [string, Date][]) => {
    const out = new Map<string, Record<string, number>>();
    for (const [unit, at] of pairs) {
      const row = out.get(unit) ?? {};
      const b = ageBucket(at, now);
      row[b] = (row[b] ?? 0) + 1;
      out.set(unit, row);
    }
    return out;
  };
  const soon = addDuration(now, parseDuration('1wd'));
  const dueSoonCalls = new Set(
    assignments
      .filter((a) => {
        const due = nextDue(a);
        return due && new Date(due) >= now && new Date(due) < soon;
      })
      .map((a) => a.call_id),
  );
  const thisMonth = formatShanghai(now).slice(0, 7);
  const rs = rateScope(ctx, scope);
  const months = await Promise.all(
    [thisMonth, previousMonth(now)].map(async (month) => ({
      month,
      rates: await ratesFor(ctx.db, monthPeriod(month)!, rs),
    })),
  );
  return {
    at: now,
    open: open.length,
    byState: count(open.map((c) => c.state)),
    byTier: count(open.map((c) => c.tier)),
    overdue: await countCalls(ctx.db, { overdue: true, states: OPEN_CALL_STATES, visibleTo: vis }, now),
    dueSoon: dueSoonCalls.size,
    byStreet: bucketed(open.map((c) => [c.street_code, new Date(c.created_at)])),
    byDepartment: bucketed(
      assignments.map((a) => [a.unit_code, created.get(String(a.call_id)) ?? new Date(a.dispatched_at)]),
    ),
    months,
  };
}

const tile = (href: string, n: number, label: string, testid: string, tone = '') =>
  `<a class="tile ${tone}" href="${href}" data-testid="${testid}"><span class="n">${n}</span><span class="l">${escapeHtml(label)}</span></a>`;

export function overviewFragment(ctx: Ctx, o: Overview): string {
  const d = ctx.district;
  const ageTable = (
    caption: string,
    rows: Map<string, Record<string, number>>,
    param: string,
    testid: string,
  ) =>
    table(
      caption,
      ['单位', ...AGE_BUCKETS.map((b) => b.label), '合计'],
      [...rows.entries()]
        .sort((a, b) => unitName(d, a[0]).localeCompare(unitName(d, b[0]), 'zh-CN'))
        .map(([unit, r]) => [
          `<a href="/console/calls?state=open&amp;${param}=${encodeURIComponent(unit)}">${escapeHtml(unitName(d, unit))}</a>`,
          ...AGE_BUCKETS.map((b) => `<span data-bucket="${b.key}">${r[b.key] ?? 0}</span>`),
          String(Object.values(r).reduce((s, n) => s + n, 0)),
        ]),
      { empty: '暂无在办事项', testid },
    );
  const [cur, prev] = o.months;
  const rateRows: [string, (r: UnitRates) => string][] = [
    ['呼叫数', (r) => `${r.calls} 件`],
    ['办结率', (r) => percent(r.completionRate)],
    ['响应率', (r) => percent(r.onTimeAckRate)],
    ['按时办结率', (r) => percent(r.onTimeResolveRate)],
    ['超时数', (r) => `${r.overdue} 件`],
    ['呼叫准确度', (r) => percent(r.callAccuracy)],
    ['满意度', (r) => percent(r.satisfactionRate)],
  ];
  return `<p class="muted">截至 ${formatShanghai(o.at)}（北京时间） <span class="live" data-testid="live" aria-live="polite">未连接</span></p>
<div class="grid" role="list">
${tile('/console/calls?state=open', o.open, '在办呼叫单', 'overview-open')}
${tile('/console/calls?state=open&amp;overdue=1', o.overdue, '已超时', 'overview-overdue', o.overdue ? 'bad' : '')}
${tile('/console/calls?state=open&amp;sort=due', o.dueSoon, '1个工作日内到期', 'overview-due-soon', o.dueSoon ? 'warn' : '')}
</div>
<h2>按状态</h2>
<div class="grid">${OPEN_CALL_STATES.map((s) =>
    tile(`/console/calls?state=${s}`, o.byState[s] ?? 0, STATE_NAMES[s] ?? s, `state-${s}`),
  ).join('')}</div>
<h2>按等级</h2>
<div class="grid">${Object.keys(TIER_NAMES)
    .map((t) => tile(`/console/calls?state=open&amp;tier=${t}`, o.byTier[t] ?? 0, TIER_NAMES[t], `tier-${t}`))
    .join('')}</div>
<h2>在办时长（工作日）</h2>
${ageTable('各部门在办事项', o.byDepartment, 'department', 'ages-department')}
${ageTable('各街道在办呼叫单', o.byStreet, 'street', 'ages-street')}
<h2>本月与上月</h2>
${table(
  '主要指标',
  ['指标', `${cur.month}（本月）`, `${prev.month}（上月）`],
  rateRows.map(([name, f]) => [escapeHtml(name), escapeHtml(f(cur.rates)), escapeHtml(f(prev.rates))]),
  { testid: 'rates' },
)}`;
}

export function overviewRoutes(
  app: Hono<ConsoleEnv>,
  services: Services,
  scopeOfViewer: (c: { get(k: 'viewer'): ConsoleEnv['Variables']['viewer'] }) => Scope | null,
) {
  const { ctx } = services;
  app.get('/', async (c) => {
    const scope = scopeOfViewer(c);
    if (!scope) return html(c, page('无权查看', '<p>您的身份无权查看总览。</p>'), 403);
    const o = await overview(ctx, scope);
    const fragment = overviewFragment(ctx, o);
    if (c.req.query('fragment') === '1') return html(c, fragment);
    const viewer = c.get('viewer');
    return html(
      c,
      page('总览', `<div data-live="/console?fragment=1" data-testid="overview">${fragment}</div>`, {
        viewer,
        active: 'overview',
        seesEverything: seesEverything(scope),
      }),
    );
  });

  // Live: a "changed" event after every commit that wrote messages or moved deadlines in this
  // process, and every half minute (a worker elsewhere may have moved something).
  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      let pending = false;
      const changed = () => {
        if (pending) return;
        pending = true;
        setTimeout(() => {
          pending = false;
          stream.writeSSE({ event: 'changed', data: String(Date.now()) }).catch(() => {});
        }, 300);
      };
      services.effects.listeners.push(changed);
      const tick = setInterval(changed, 30_000);
      stream.onAbort(() => {
        clearInterval(tick);
        const i = services.effects.listeners.indexOf(changed);
        if (i >= 0) services.effects.listeners.splice(i, 1);
      });
      await stream.writeSSE({ event: 'hello', data: 'ok' });
      while (!stream.aborted && !stream.closed) await stream.sleep(1000);
    }),
  );
}
