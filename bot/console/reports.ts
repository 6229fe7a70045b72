// Reports in the console: the monthly bulletin with its chart and the fair department ranking
// (handlers/reports/ranking.ts, the bulletin's own rule), the streets' call accuracy, the annual
// 70/30 results, and the same CSV/XLSX downloads as the reports API.
import type { Hono } from 'hono';
import { Refusal } from '../../handlers/errors.ts';
import { annualResults, parseYear } from '../../handlers/reports/annual.ts';
import {
  monthlyBulletin,
  parseMonth,
  percent,
  renderBulletinChart,
} from '../../handlers/reports/bulletin.ts';
import { RANKING_RULE } from '../../handlers/reports/ranking.ts';
import { previousMonth } from '../../handlers/worktime.ts';
import { bulletinTables, bulletinXlsx, tableCsv } from '../api/reports.ts';
import type { Services } from '../services.ts';
import { escapeHtml, html, notice, page, table } from './html.ts';
import { scopeOf, seesEverything } from './scope.ts';
import type { ConsoleEnv } from './session.ts';

const fixed = (n: number | null, digits = 1) => (n === null ? '—' : n.toFixed(digits));
const TABLES = { departments: '部门排名', streets: '街道', totals: '总体' } as const;

export function reportRoutes(app: Hono<ConsoleEnv>, services: Services) {
  const { ctx } = services;
  /** The month asked for, or the last whole month. */
  const monthOf = (q: string | undefined) => q || previousMonth(ctx.clock.now());

  app.get('/reports', async (c) => {
    const v = c.get('viewer');
    const month = monthOf(c.req.query('month'));
    let b: Awaited<ReturnType<typeof monthlyBulletin>>;
    let year: number;
    try {
      parseMonth(month);
      year = parseYear(ctx, c.req.query('year'));
      b = await monthlyBulletin(ctx, month);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return html(
        c,
        page('报表', notice(e.reason, 'error'), {
          viewer: v,
          active: 'reports',
          seesEverything: seesEverything(scopeOf(v)),
        }),
        400,
      );
    }
    const annual = await annualResults(ctx, year);
    const t = b.district;
    const m = encodeURIComponent(month);
    const body = `<form class="filters" method="get" action="/console/reports">
<div><label for="r-month">月份</label><input id="r-month" name="month" type="month" value="${escapeHtml(month)}" data-testid="report-month"></div>
<div><label for="r-year">年度</label><input id="r-year" name="year" inputmode="numeric" value="${escapeHtml(String(year))}"></div>
<div><label>&nbsp;</label><button type="submit">查看</button></div></form>
<h2 data-testid="bulletin-title">${escapeHtml(b.title)}</h2>
<p>下载：<a href="/console/reports/bulletin.xlsx?month=${m}">XLSX（三张表）</a> ·
${Object.entries(TABLES)
  .map(([k, l]) => `<a href="/console/reports/bulletin.csv?month=${m}&amp;table=${k}">${l} CSV</a>`)
  .join(' · ')}</p>
${table(
  '全区总体',
  ['指标', '数值'],
  [
    ['呼叫总数', `${t.calls} 件（突发 ${t.emergencyCalls} 件）`],
    ['办结率', percent(t.completionRate)],
    ['响应率', percent(t.onTimeAckRate)],
    ['按时办结率', percent(t.onTimeResolveRate)],
    ['超时', `${t.overdue} 件`],
    ['过程评议平均分', `${fixed(t.score.avg)} 分（${t.score.count} 次评分）`],
    ['呼叫准确度', percent(t.callAccuracy)],
    ['满意度', `${percent(b.satisfaction)}（${b.satisfaction.den} 份评价）`],
  ].map(([k, x]) => [escapeHtml(k), escapeHtml(x)]),
)}
<h3>部门排名</h3>
<p class="muted" data-testid="ranking-rule">${escapeHtml(RANKING_RULE)}。</p>
${table(
  '部门排名',
  ['排名', '部门', '排名分', '平均分', '评分次数', '呼叫数', '响应率', '按时办结率', '超时'],
  b.departments.map((d) => [
    d.rank === null ? '—' : String(d.rank),
    escapeHtml(d.name),
    fixed(d.rankingScore),
    fixed(d.avgScore),
    String(d.scored),
    String(d.calls),
    percent(d.onTimeAckRate),
    percent(d.onTimeResolveRate),
    String(d.overdue),
  ]),
  { testid: 'ranking' },
)}
<p><img class="chart" src="/console/reports/chart.png?month=${m}" alt="${escapeHtml(`${b.title}：部门过程评议平均分柱状图`)}" width="960" height="540"></p>
<h3>街道呼叫准确度</h3>
${table(
  '街道',
  ['街道', '事项', '呼叫', '退回', '呼叫准确度', '化解率'],
  b.streets.map((s) => [
    escapeHtml(s.name),
    String(s.calls),
    String(s.callsMade),
    String(s.returned),
    percent(s.callAccuracy),
    percent(s.resolutionRate),
  ]),
  { testid: 'streets' },
)}
<h2>${annual.year} 年度评议结果（过程评议 ${annual.weights.process}% + 年度测评 ${annual.weights.survey}%）</h2>
${table(
  '年度结果',
  ['排名', '部门', '过程评议平均分', '评分次数', '年度测评', '样本数', '年度结果', '缺项'],
  annual.rows.map((r) => [
    r.rank === null ? '—' : String(r.rank),
    escapeHtml(r.name),
    fixed(r.processAvg),
    String(r.processCount),
    fixed(r.survey, 2),
    r.sampleSize === null ? '—' : String(r.sampleSize),
    r.result ?? '—',
    escapeHtml(r.missing.join('、') || '—'),
  ]),
  { testid: 'annual' },
)}
<p class="muted">打印呼叫单：在呼叫单页面点“打印呼叫单”。</p>`;
    return html(
      c,
      page('报表', body, { viewer: v, active: 'reports', seesEverything: seesEverything(scopeOf(v)) }),
    );
  });

  const bulletinFor = async (q: string | undefined) => {
    const month = monthOf(q);
    parseMonth(month);
    return monthlyBulletin(ctx, month);
  };
  app.get('/reports/chart.png', async (c) => {
    try {
      const png = await renderBulletinChart(await bulletinFor(c.req.query('month')));
      return c.body(new Uint8Array(png), 200, {
        'Content-Type': 'image/png',
        'Cache-Control': 'private, max-age=60',
      });
    } catch (e) {
      if (e instanceof Refusal) return c.text(e.reason, 400);
      throw e;
    }
  });
  app.get('/reports/bulletin.xlsx', async (c) => {
    try {
      const b = await bulletinFor(c.req.query('month'));
      return c.body(new Uint8Array(await bulletinXlsx(b)), 200, {
        'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'Content-Disposition': `attachment; filename="bulletin-${b.month}.xlsx"`,
      });
    } catch (e) {
      if (e instanceof Refusal) return c.text(e.reason, 400);
      throw e;
    }
  });
  app.get('/reports/bulletin.csv', async (c) => {
    const key = (c.req.query('table') ?? 'departments') as keyof typeof TABLES;
    if (!TABLES[key]) return c.text('table 须为 departments、streets 或 totals', 400);
    try {
      const b = await bulletinFor(c.req.query('month'));
      return c.body(tableCsv(bulletinTables(b)[TABLES[key]]), 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="bulletin-${b.month}-${key}.csv"`,
      });
    } catch (e) {
      if (e instanceof Refusal) return c.text(e.reason, 400);
      throw e;
    }
  });
}
