// The office's report APIs (behind ADMIN_TOKEN): the monthly bulletin as JSON, CSV or XLSX,
// the annual survey import and the annual result, the streets' supervision, spot checks.
import { stringify } from 'csv-stringify/sync';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Env } from '../../config/env.ts';
import type { Ctx } from '../../handlers/context.ts';
import { Refusal, type RefusalCode } from '../../handlers/errors.ts';
import { execute } from '../../handlers/execute.ts';
import type { Actor } from '../../handlers/people.ts';
import { annualResults, importSurvey, parseYear } from '../../handlers/reports/annual.ts';
import { type Bulletin, monthlyBulletin, parseMonth } from '../../handlers/reports/bulletin.ts';
import type { Ratio } from '../../handlers/reports/measures.ts';
import { supervision } from '../../handlers/reports/supervision.ts';
import { previousMonth } from '../../handlers/worktime.ts';
import type { AppEnv } from '../app.ts';
import { adminAuth } from '../auth.ts';
import type { Services } from '../services.ts';

const STATUS: Partial<Record<RefusalCode, 400 | 403 | 404 | 409>> = {
  unknown_call: 404,
  forbidden: 403,
  wrong_state: 409,
  already_done: 409,
};

/** Runs a handler; a refusal becomes its status with the Chinese reason. */
const guarded =
  (fn: (c: Context) => Promise<Response>) =>
  async (c: Context): Promise<Response> => {
    try {
      return await fn(c);
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return c.json({ error: e.code, message: e.reason }, STATUS[e.code] ?? 400);
    }
  };

/** A rate: CSV writes it as a percentage number (80.5), XLSX as a number formatted as a percentage. */
interface Percent {
  rate: number | null;
}
type Cell = string | number | null | Percent;
interface Table {
  headers: string[];
  rows: Cell[][];
}

const pct = (r: Ratio): Percent => ({ rate: r.rate });
const isPercent = (v: Cell): v is Percent => typeof v === 'object' && v !== null;
const percentNumber = (p: Percent) => (p.rate === null ? null : Math.round(p.rate * 1000) / 10);
const round2 = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

/** The bulletin as three tables with Chinese headers, for CSV and XLSX exports. */
export function bulletinTables(b: Bulletin): Record<'部门排名' | '街道' | '总体', Table> {
  const t = b.district;
  return {
    部门排名: {
      headers: [
        '排名',
        '部门',
        '呼叫数',
        '过程评议平均分',
        '评分次数',
        '响应率(%)',
        '按时办结率(%)',
        '超时数',
      ],
      rows: b.departments.map((d) => [
        d.rank,
        d.name,
        d.calls,
        round2(d.avgScore),
        d.scored,
        pct(d.onTimeAckRate),
        pct(d.onTimeResolveRate),
        d.overdue,
      ]),
    },
    街道: {
      headers: ['街道', '事项数', '呼叫数', '被退回呼叫数', '呼叫准确度(%)', '结案数', '化解率(%)'],
      rows: b.streets.map((s) => [
        s.name,
        s.calls,
        s.callsMade,
        s.returned,
        pct(s.callAccuracy),
        s.resolutionRate.num,
        pct(s.resolutionRate),
      ]),
    },
    总体: {
      headers: ['指标', '数值'],
      rows: [
        ['统计月份', b.month],
        ['呼叫总数', t.calls],
        ['其中突发', t.emergencyCalls],
        ['办结率(%)', pct(t.completionRate)],
        ['响应率(%)', pct(t.onTimeAckRate)],
        ['按时办结率(%)', pct(t.onTimeResolveRate)],
        ['超时数', t.overdue],
        ['平均报到用时(小时)', round2(t.avgAckHours)],
        ['平均办结用时(小时)', round2(t.avgResolveHours)],
        ['过程评议平均分', round2(t.score.avg)],
        ['评分次数', t.score.count],
        ['呼叫准确度(%)', pct(t.callAccuracy)],
        ['满意度(%)', pct(b.satisfaction)],
        ['满意度评价数', b.satisfaction.den],
      ],
    },
  };
}

const TABLES = { departments: '部门排名', streets: '街道', totals: '总体' } as const;

/** UTF-8 with a BOM, so spreadsheet programs read the Chinese right. */
export function tableCsv(t: Table): string {
  const text = (v: Cell) => (isPercent(v) ? percentNumber(v) : v) ?? '';
  return `\uFEFF${stringify([t.headers, ...t.rows.map((r) => r.map(text))])}`;
}

/** 76.9%: a rate stays a number a spreadsheet can compute with, shown as a percentage. */
export const PERCENT_FORMAT = '0.0%';
/** "响应率(%)" → "响应率": in XLSX the cell format says it is a percentage. */
const xlsxLabel = (s: Cell) => (typeof s === 'string' ? s.replace(/\(%\)$/, '') : s);

export async function bulletinXlsx(b: Bulletin): Promise<Buffer> {
  // loaded on the first export: the library holds ~25 MiB a process would otherwise carry idle
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Huying';
  for (const [name, t] of Object.entries(bulletinTables(b))) {
    // A4, as wide as the page allows and as long as it needs; the header row stays in view
    // on screen and is printed again on every page.
    const ws = wb.addWorksheet(name, {
      pageSetup: {
        paperSize: 9,
        orientation: 'portrait',
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
        margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
        printTitlesRow: '1:1',
      },
      views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }],
    });
    ws.addRow(t.headers.map(xlsxLabel)).font = { bold: true };
    for (const r of t.rows) {
      const row = ws.addRow(r.map((v) => (isPercent(v) ? v.rate : xlsxLabel(v))));
      r.forEach((v, i) => {
        if (isPercent(v)) row.getCell(i + 1).numFmt = PERCENT_FORMAT;
      });
    }
    ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1 + t.rows.length, column: t.headers.length } };
    ws.columns.forEach((col, i) => {
      const shown = (v: Cell) => (isPercent(v) ? '100.0%' : String(xlsxLabel(v) ?? ''));
      col.width = Math.max(10, ...[t.headers[i], ...t.rows.map((r) => shown(r[i]))].map((s) => s.length * 2));
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The office acting through the API: recorded on the timeline under this name. */
const officeActor = (ctx: Ctx): Actor => ({
  personId: null,
  name: '呼应办（管理接口）',
  role: 'office_staff',
  unitCode: ctx.district.office.code,
});

export function reportsApi(ctx: Ctx, env: Pick<Env, 'ADMIN_TOKEN'>): Hono {
  const api = new Hono();
  // Per route, not api.use('*'): mounted at /api, a wildcard would guard other teams' routes too.
  const auth = adminAuth(env.ADMIN_TOKEN);
  const month = (c: Context) => c.req.query('month') || previousMonth(ctx.clock.now());

  api.get(
    '/reports/monthly',
    auth,
    guarded(async (c) => {
      const m = month(c);
      parseMonth(m);
      const format = c.req.query('format') ?? 'json';
      if (!['json', 'csv', 'xlsx'].includes(format))
        return c.json({ error: 'bad_input', message: 'format 须为 json、csv 或 xlsx' }, 400);
      const b = await monthlyBulletin(ctx, m);
      if (format === 'json') return c.json(b);
      if (format === 'xlsx')
        return c.body(new Uint8Array(await bulletinXlsx(b)), 200, {
          'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
          'content-disposition': `attachment; filename="bulletin-${m}.xlsx"`,
        });
      const table = (c.req.query('table') ?? 'departments') as keyof typeof TABLES;
      if (!TABLES[table])
        return c.json({ error: 'bad_input', message: 'table 须为 departments、streets 或 totals' }, 400);
      return c.body(tableCsv(bulletinTables(b)[TABLES[table]]), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="bulletin-${m}-${table}.csv"`,
      });
    }),
  );

  api.post(
    '/surveys',
    auth,
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: (c) => c.json({ error: 'too_large', message: '文件过大（上限 1 MB）' }, 413),
    }),
    guarded(async (c) => {
      const year = parseYear(ctx, c.req.query('year'));
      const text = await c.req.text();
      if (!text.trim())
        return c.json({ error: 'bad_input', message: '请求体为空：请提交 CSV（部门,得分,样本量）' }, 400);
      const r = await importSurvey(ctx, text, year);
      if (r.ok) return c.json(r);
      return c.json(
        {
          error: 'invalid_survey',
          message: `年度测评数据有 ${r.errors.length} 处问题，未导入任何数据`,
          year,
          errors: r.errors,
        },
        400,
      );
    }),
  );

  api.get(
    '/reports/annual',
    auth,
    guarded(async (c) => c.json(await annualResults(ctx, parseYear(ctx, c.req.query('year'))))),
  );

  api.get(
    '/supervision/streets',
    auth,
    guarded(async (c) => {
      const m = month(c);
      const streets = await supervision(ctx, parseMonth(m), c.req.query('street') || undefined);
      return c.json({ month: m, streets });
    }),
  );

  api.post(
    '/calls/:no/spot-check',
    auth,
    guarded(async (c) => {
      const raw = await c.req.text();
      let note: unknown;
      try {
        note = raw.trim() ? (JSON.parse(raw) as { note?: unknown }).note : undefined;
      } catch {
        return c.json({ error: 'bad_input', message: '请求体须为 JSON，如 {"note": "暗访发现…"}' }, 400);
      }
      const out = await execute(
        ctx,
        { actor: officeActor(ctx), origin: null },
        { type: 'spot_check', ref: c.req.param('no'), note },
      );
      if (out.ok) return c.json(out);
      return c.json({ error: out.code, message: out.reason }, STATUS[out.code as RefusalCode] ?? 400);
    }),
  );
  return api;
}

/** Mounts the report APIs at /api, each route behind the admin token. */
export function mountReportsApi(app: Hono<AppEnv>, services: Services) {
  app.route('/api', reportsApi(services.ctx, services.runtime.env));
}
