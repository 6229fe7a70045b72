// The annual survey import (all or nothing, reasons by line) and the exact 70/30 weighting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import { freshDb, type TestDb } from '../../test/db.ts';
import type { Ctx } from '../context.ts';
import { annualResults, importSurvey, parseYear, weightedResult } from './annual.ts';

let t: TestDb;
let ctx: Ctx;
beforeAll(async () => {
  t = await freshDb();
  ctx = { db: t.db, district: t.district, clock: new ManualClock('2026-01-15T02:00:00Z'), log: silentLogger };
});
afterAll(async () => t?.close());

const rows = (year: number) =>
  t.db.selectFrom('annual_surveys').selectAll().where('year', '=', year).orderBy('unit_code').execute();

describe('weightedResult: 0.7 × process average + 0.3 × survey, rounded once', () => {
  it('weights exactly', () => {
    expect(weightedResult(90, 1, 8000)).toBe('87.00'); // 63 + 24
    // 0.7 × 90.5 + 0.3 × 80.05 = 87.365 exactly → 87.37; in floating point it is 87.36499…
    expect(weightedResult(181, 2, 8005)).toBe('87.37');
    // 0.7 × 85.666… + 0.3 × 91.35 = 87.3716… → 87.37 (the average is never rounded first)
    expect(weightedResult(257, 3, 9135)).toBe('87.37');
    expect(weightedResult(300, 3, 10000)).toBe('100.00');
    expect(weightedResult(0, 2, 0)).toBe('0.00');
  });
});

describe('importSurvey', () => {
  it('imports with or without a header, by code or name, and replaces a year on re-import', async () => {
    const first = await importSurvey(ctx, '\uFEFF部门,得分,样本量\n区城管委,88.5,1200\nswj,91,1100\n', 2025);
    expect(first).toEqual({ ok: true, year: 2025, imported: 2, replaced: 0 });
    expect((await rows(2025)).map((r) => [r.unit_code, r.score, r.sample_size])).toEqual([
      ['cgw', '88.50', 1200],
      ['swj', '91.00', 1100],
    ]);
    const again = await importSurvey(ctx, 'code,score,sample_size\r\nzjj,79.25,1050\r\n', 2025);
    expect(again).toEqual({ ok: true, year: 2025, imported: 1, replaced: 2 });
    expect((await rows(2025)).map((r) => r.unit_code)).toEqual(['zjj']);
    expect(await importSurvey(ctx, 'gafj,60,1000\n', 2024)).toMatchObject({ ok: true, imported: 1 });
  });

  it('refuses a file with any bad line, says why line by line, and imports nothing', async () => {
    const csv = [
      '部门,得分,样本量',
      '区城管委,88.5,1200', // line 2: fine on its own
      '区教育局,80,1000',
      'swj,105,900',
      'zjj,abc,900',
      'cgw,90,1100',
      'yjj,90,12.5',
      'gafj,90',
      'sthjj,90.123,100',
      '',
      '区人社局,-1,0',
    ].join('\n');
    const out = await importSurvey(ctx, csv, 2025);
    expect(out).toEqual({
      ok: false,
      year: 2025,
      errors: [
        '第3行：没有找到部门“区教育局”',
        '第4行：得分 105 超出 0–100',
        '第5行：得分“abc”不是数字',
        '第6行：部门“区城管委”重复（第2行已有）',
        '第7行：样本量“12.5”不是正整数',
        '第8行：应有 3 列（部门,得分,样本量），实有 2 列',
        '第9行：得分“90.123”最多保留两位小数',
        '第11行：得分“-1”不是数字；样本量“0”不是正整数',
      ],
    });
    // the year's earlier import stands untouched
    expect((await rows(2025)).map((r) => r.unit_code)).toEqual(['zjj']);
    expect(await importSurvey(ctx, '部门,得分,样本量\n', 2025)).toEqual({
      ok: false,
      year: 2025,
      errors: ['文件中没有数据行'],
    });
    expect(await importSurvey(ctx, 'cgw,"80,1000\n', 2025)).toMatchObject({ ok: false });
  });
});

describe('annualResults without process scores', () => {
  it('lists every department with what is missing', async () => {
    const r = await annualResults(ctx, 2025);
    expect(r.weights).toEqual({ process: 0.7, survey: 0.3 });
    expect(r.rows).toHaveLength(t.district.departments.length);
    expect(r.rows.find((x) => x.code === 'zjj')).toMatchObject({
      rank: null,
      survey: 79.25,
      sampleSize: 1050,
      result: null,
      missing: ['过程评议'],
    });
    expect(r.rows.find((x) => x.code === 'cgw')).toMatchObject({
      result: null,
      missing: ['过程评议', '年度测评'],
    });
  });

  it('takes last year by default and refuses a bad year in Chinese', () => {
    expect(parseYear(ctx, undefined)).toBe(2025);
    expect(parseYear(ctx, '2024')).toBe(2024);
    expect(() => parseYear(ctx, '24')).toThrow(
      expect.objectContaining({ reason: expect.stringContaining('四位数字') }),
    );
    expect(() => parseYear(ctx, '1999')).toThrow(expect.objectContaining({ code: 'bad_input' }));
  });
});
