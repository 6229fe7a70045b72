// The report APIs and commands over the seeded November 2026 (figures explained in
// handlers/reports/bulletin.test.ts): exports that open, the survey upload, supervision, spot checks.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Month, seedMonth } from '../../test/fixtures/month.ts';
import { loadServiceEnv } from '../adapters.ts';
import { type CliIo, reportsCli } from '../reports-cli.ts';
import { reportsApi } from './reports.ts';

const TOKEN = 'test-admin-token-0123456789';
let m: Month;
let app: Hono;
let dir: string;
beforeAll(async () => {
  m = await seedMonth();
  app = new Hono().route('/api', reportsApi(m.ctx, { ADMIN_TOKEN: TOKEN }));
  dir = mkdtempSync(join(tmpdir(), 'huying-reports-'));
}, 180_000);
afterAll(async () => {
  await m?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };
const json = async (res: Response): Promise<any> => res.json();
const get = (path: string) => app.request(path, { headers: auth });
const post = (path: string, body: string, type = 'text/csv') =>
  app.request(path, { method: 'POST', headers: { ...auth, 'content-type': type }, body });

describe('GET /api/reports/monthly', () => {
  it('needs the admin token', async () => {
    expect((await app.request('/api/reports/monthly?month=2026-11')).status).toBe(401);
  });

  it('answers JSON, and 400 in Chinese for a bad month or format', async () => {
    const res = await get('/api/reports/monthly?month=2026-11');
    expect(res.status).toBe(200);
    const b = await json(res);
    expect(b).toMatchObject({ month: '2026-11', title: '2026年11月“街道呼·部门应”工作通报' });
    expect(b.district.completionRate).toEqual({ num: 10, den: 13, rate: 10 / 13 });
    expect(b.departments.slice(0, 4).map((d: { code: string }) => d.code)).toEqual([
      'yjj',
      'cgw',
      'swj',
      'zjj',
    ]);
    const bad = await get('/api/reports/monthly?month=2026-13');
    expect(bad.status).toBe(400);
    expect((await json(bad)).message).toContain('月份应写作 YYYY-MM');
    expect((await get('/api/reports/monthly?month=2026-11&format=pdf')).status).toBe(400);
  });

  it('exports CSV: UTF-8 with a BOM, Chinese headers, the ranking as rows', async () => {
    const res = await get('/api/reports/monthly?month=2026-11&format=csv');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows: string[][] = parse(bytes, { bom: true });
    expect(rows[0]).toEqual([
      '排名',
      '部门',
      '呼叫数',
      '过程评议平均分',
      '评分次数',
      '响应率(%)',
      '按时办结率(%)',
      '超时数',
    ]);
    expect(rows.slice(1, 5)).toEqual([
      ['1', '区应急管理局', '1', '100', '1', '100', '100', '0'],
      ['2', '区城管委', '5', '86', '3', '80', '100', '2'],
      ['3', '区水务局', '4', '86', '2', '75', '66.7', '1'],
      ['4', '区住建交通局', '2', '72', '2', '50', '50', '1'],
    ]);
    expect(rows).toHaveLength(1 + m.t.district.departments.length);
    expect(rows[5].slice(0, 3)).toEqual(['', '区生态环境局', '0']);
    const streets: string[][] = parse(
      Buffer.from(
        await (await get('/api/reports/monthly?month=2026-11&format=csv&table=streets')).arrayBuffer(),
      ),
      { bom: true },
    );
    expect(streets.slice(0, 3)).toEqual([
      ['街道', '事项数', '呼叫数', '被退回呼叫数', '呼叫准确度(%)', '结案数', '化解率(%)'],
      ['锦华路街道', '9', '8', '1', '87.5', '7', '77.8'],
      ['书院街街道', '4', '4', '2', '50', '3', '75'],
    ]);
  });

  it('exports XLSX with the sheets 部门排名, 街道 and 总体', async () => {
    const res = await get('/api/reports/monthly?month=2026-11&format=xlsx');
    expect(res.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await res.arrayBuffer());
    expect(wb.worksheets.map((s) => s.name)).toEqual(['部门排名', '街道', '总体']);
    const values = (sheet: string, row: number) =>
      (wb.getWorksheet(sheet)!.getRow(row).values as unknown[]).slice(1);
    expect(values('部门排名', 1)).toEqual([
      '排名',
      '部门',
      '呼叫数',
      '过程评议平均分',
      '评分次数',
      '响应率',
      '按时办结率',
      '超时数',
    ]);
    expect(values('部门排名', 3)).toEqual([2, '区城管委', 5, 86, 3, 0.8, 1, 2]);
    const [, , , , cAccuracy, , cResolution] = values('街道', 2) as number[];
    expect(values('街道', 2).slice(0, 4)).toEqual(['锦华路街道', 9, 8, 1]);
    expect(cAccuracy).toBeCloseTo(7 / 8, 12);
    expect(cResolution).toBeCloseTo(7 / 9, 12);
    const totals = wb.getWorksheet('总体')!.getSheetValues().slice(2) as unknown[][];
    expect(totals.map((r) => r.slice(1))).toContainEqual(['呼叫总数', 13]);
    expect(totals.map((r) => r.slice(1))).toContainEqual(['平均报到用时(小时)', 4.93]);
    expect(totals.map((r) => r.slice(1))).toContainEqual(['办结率', 10 / 13]);
  });

  it('prints XLSX on A4, one page wide, with a frozen header row, a filter and real percentages', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await (await get('/api/reports/monthly?month=2026-11&format=xlsx')).arrayBuffer());
    for (const ws of wb.worksheets) {
      expect(ws.pageSetup, ws.name).toMatchObject({
        paperSize: 9,
        fitToPage: true,
        fitToWidth: 1,
        fitToHeight: 0,
        printTitlesRow: '1:1',
      });
      expect(ws.views[0], ws.name).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(ws.autoFilter, ws.name).toBeTruthy();
    }
    expect(wb.getWorksheet('部门排名')!.autoFilter).toBe(`A1:H${1 + m.t.district.departments.length}`);
    expect(wb.getWorksheet('街道')!.autoFilter).toBe(`A1:G${1 + m.t.district.streets.length}`);
    // every rate a number between 0 and 1 formatted as a percentage; no percentage as text
    const percentCells = (sheet: string) => {
      const cells: ExcelJS.Cell[] = [];
      wb.getWorksheet(sheet)!.eachRow((row, n) => {
        if (n > 1) row.eachCell((cell) => cell.numFmt === '0.0%' && cells.push(cell));
      });
      return cells;
    };
    const ranking = percentCells('部门排名');
    expect(new Set(ranking.map((c) => c.col))).toEqual(new Set([6, 7]));
    for (const sheet of ['部门排名', '街道', '总体'])
      for (const c of percentCells(sheet)) {
        expect(typeof c.value, `${sheet}!${c.address}`).toBe('number');
        expect(c.value as number).toBeGreaterThanOrEqual(0);
        expect(c.value as number).toBeLessThanOrEqual(1);
      }
    expect(percentCells('街道').map((c) => c.address)).toContain('E2');
    const totals = wb.getWorksheet('总体')!;
    const rateRow = (label: string) => {
      let cell: ExcelJS.Cell | undefined;
      totals.eachRow((row) => {
        if (row.getCell(1).value === label) cell = row.getCell(2);
      });
      return cell!;
    };
    expect(rateRow('满意度').numFmt).toBe('0.0%');
    expect(rateRow('呼叫总数').numFmt).not.toBe('0.0%');
    for (const ws of wb.worksheets)
      ws.eachRow((row) =>
        row.eachCell((cell) => expect(String(cell.value), `${ws.name}!${cell.address}`).not.toMatch(/%$/)),
      );
  });
});

describe('surveys and the annual result', () => {
  it('imports a CSV body for a year, or refuses it with reasons by line', async () => {
    const ok = await post('/api/surveys?year=2026', '部门,得分,样本量\ncgw,80,1200\nyjj,95,1000\n');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, year: 2026, imported: 2, replaced: 0 });
    const bad = await post('/api/surveys?year=2026', '部门,得分,样本量\ncgw,80,1200\n区教育局,80,100\n');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: 'invalid_survey',
      errors: ['第3行：没有找到部门“区教育局”'],
    });
    expect((await post('/api/surveys?year=twenty', 'cgw,80,1')).status).toBe(400);
    const annual = await json(await get('/api/reports/annual?year=2026'));
    expect(annual.rows.slice(0, 2).map((r: { code: string; result: string }) => [r.code, r.result])).toEqual([
      ['yjj', '98.50'],
      ['cgw', '84.20'],
    ]);
    expect((await get('/api/reports/annual?year=99')).status).toBe(400);
  });
});

describe('supervision and spot checks', () => {
  it('gives each street’s calls, accuracy, returns and reopens', async () => {
    const res = await get('/api/supervision/streets?month=2026-11');
    const body = await json(res);
    expect(body.streets[0]).toMatchObject({ code: 'jinhualu', calls: 9, returns: 1, reopens: 1 });
    expect(body.streets[0].callAccuracy.rate).toBe(0.875);
    expect(body.streets[1]).toMatchObject({ code: 'shuyuanjie', returnedCalls: 2, returns: 2 });
    expect((await get('/api/supervision/streets?month=11')).status).toBe(400);
  });

  it('flags a call for a spot check on its timeline, as the office', async () => {
    const res = await post(
      `/api/calls/${m.no.C5}/spot-check`,
      JSON.stringify({ note: '暗访复核井盖' }),
      'application/json',
    );
    expect(res.status).toBe(200);
    const event = await m.t.db
      .selectFrom('call_events as e')
      .innerJoin('calls as c', 'c.id', 'e.call_id')
      .select(['e.kind', 'e.actor_label', 'e.payload', 'c.spot_check'])
      .where('c.no', '=', m.no.C5)
      .orderBy('e.id', 'desc')
      .executeTakeFirstOrThrow();
    expect(event).toEqual({
      kind: 'spot_checked',
      actor_label: '呼应办（管理接口）',
      payload: { note: '暗访复核井盖' },
      spot_check: true,
    });
    expect((await post('/api/calls/JJ-20200101-0001/spot-check', '')).status).toBe(404);
  });
});

describe('huying bulletin / survey import / supervise', () => {
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (t) => out.push(t), err: (t) => err.push(t), cwd: dir } as CliIo };
  };
  const env = () => loadServiceEnv({ DATABASE_URL: m.t.url, LOG_LEVEL: 'silent' });

  it('prints the bulletin and writes its chart', async () => {
    const x = io();
    expect(await reportsCli(['bulletin', '--month', '2026-11'], env(), x.io)).toBe(0);
    expect(x.out.join('\n')).toContain('2026年11月“街道呼·部门应”工作通报\n\n呼叫总数：13 件（突发 1 件）');
    const png = readFileSync(join(dir, 'bulletin-2026-11.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(await reportsCli(['bulletin', '--month', '2026-11', '--out', 'nov.png'], env(), x.io)).toBe(0);
    expect(existsSync(join(dir, 'nov.png'))).toBe(true);
    const y = io();
    expect(await reportsCli(['bulletin', '--month', '2026-13'], env(), y.io)).toBe(2);
    expect(y.err[0]).toContain('YYYY-MM');
  });

  it('imports a survey file or lists its problems', async () => {
    const fixtures = join(import.meta.dirname, '../../test/fixtures');
    const x = io();
    expect(
      await reportsCli(
        ['survey', 'import', join(fixtures, 'survey-2025.csv'), '--year', '2025'],
        env(),
        x.io,
      ),
    ).toBe(0);
    expect(x.out).toEqual(['已导入 2025 年度测评：11 个部门']);
    expect(
      await reportsCli(['survey', 'import', join(fixtures, 'survey-bad.csv'), '--year', '2025'], env(), x.io),
    ).toBe(1);
    expect(x.err[0].split('\n')).toEqual([
      '年度测评数据有 5 处问题，未导入任何数据：',
      '第3行：没有找到部门“区教育局”',
      '第4行：得分 108 超出 0–100',
      '第5行：部门“区水务局”重复（第4行已有）',
      '第6行：得分“九十”不是数字',
      '第7行：应有 3 列（部门,得分,样本量），实有 2 列',
    ]);
    // the refused file changed nothing: 2025 still holds the first file's 11 departments
    const n = await m.t.db
      .selectFrom('annual_surveys')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('year', '=', 2025)
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(11);
    expect(await reportsCli(['survey', 'import'], env(), x.io)).toBe(2);
  });

  it('lists a street’s calls for supervision', async () => {
    const x = io();
    expect(await reportsCli(['supervise', '--street', 'jinhualu', '--month', '2026-11'], env(), x.io)).toBe(
      0,
    );
    expect(x.out[0]).toBe(
      '锦华路街道：事项 9 件，呼叫 8 件，被退回 1 件（退回 1 次），重办 1 次，呼叫准确度 87.5%',
    );
    expect(x.out).toContain(`  ${m.no.C2} 已备案 退回1次 晨辉路下水道堵塞，路面积水`);
    expect(x.out.some((l) => l.startsWith(`  ${m.no.C4} 已备案 重办1次`))).toBe(true);
  });
});
