// The annual result (年度评议): each department's year of process scores (70%) and the
// public's survey score (30%); and the import of that survey, all or nothing.
import { parse } from 'csv-parse/sync';
import type { Ctx } from '../context.ts';
import { Refusal } from '../errors.ts';
import { formatShanghai } from '../worktime.ts';
import { type Period, SHANGHAI } from './measures.ts';
import { scoreMeasures } from './rate-statements.ts';

/** A calendar year in Asia/Shanghai; null when it is not a plausible year (2000–2100). */
export function yearPeriod(year: number): Period | null {
  if (!Number.isInteger(year) || year < 2000 || year > 2100) return null;
  return {
    from: new Date(`${year}-01-01T00:00:00${SHANGHAI}`),
    to: new Date(`${year + 1}-01-01T00:00:00${SHANGHAI}`),
  };
}

/** '2025' → 2025; absent → last year by the clock; anything else is refused. */
export function parseYear(ctx: Ctx, text: string | undefined | null): number {
  const fallback = Number(formatShanghai(ctx.clock.now()).slice(0, 4)) - 1;
  const year =
    text === undefined || text === null || text === '' ? fallback : /^\d{4}$/.test(text) ? Number(text) : NaN;
  if (!yearPeriod(year))
    throw new Refusal('bad_input', `年份应为四位数字，例如 ${fallback}（收到“${text}”）`, `bad year ${text}`);
  return year;
}

/**
 * 0.7 × average process score + 0.3 × survey score, exactly, rounded half up to 2 decimals
 * only at the end: with sum/count the year's score totals and the survey in hundredths,
 * result × 100 = (700·sum + 3·survey·count) / (10·count).
 */
export function weightedResult(sum: number, count: number, surveyHundredths: number): string {
  const n = 700n * BigInt(sum) + 3n * BigInt(surveyHundredths) * BigInt(count);
  const d = 10n * BigInt(count);
  const cents = (2n * n + d) / (2n * d);
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}

/** '80', '80.5', '80.05' → 8000, 8050, 8005 (numeric(5,2) comes back as text). */
const hundredths = (score: string) => {
  const [whole, frac = ''] = score.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
};

export interface SurveyLine {
  line: number;
  unit: string;
  score: string;
  sampleSize: number;
}

const HEADER = /^(部门|部门名称|部门代码|单位|code|department|unit)$/i;

/**
 * Reads the survey CSV (部门,得分,样本量 or code,score,sample_size; the header is optional;
 * a department by code or full name). Every problem is listed with its line number.
 */
export function parseSurveyCsv(ctx: Ctx, text: string): { lines: SurveyLine[]; errors: string[] } {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records;
  } catch (e) {
    const at = (e as { lines?: number }).lines;
    return {
      lines: [],
      errors: [`${at ? `第${at}行：` : ''}CSV 格式有误（${(e as { code?: string }).code ?? 'parse error'}）`],
    };
  }
  if (records.length && HEADER.test(records[0].record[0] ?? '')) records = records.slice(1);
  const departments = ctx.district.departments;
  const lines: SurveyLine[] = [];
  const errors: string[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records) {
    const at = `第${info.lines}行：`;
    if (record.every((c) => c === '')) continue;
    if (record.length !== 3) {
      errors.push(`${at}应有 3 列（部门,得分,样本量），实有 ${record.length} 列`);
      continue;
    }
    const [who, score, sample] = record;
    const unit = departments.find((u) => u.code === who || u.name === who);
    const problems: string[] = [];
    if (!unit) problems.push(`没有找到部门“${who}”`);
    if (!/^\d+(\.\d+)?$/.test(score)) problems.push(`得分“${score}”不是数字`);
    else if (Number(score) > 100) problems.push(`得分 ${score} 超出 0–100`);
    else if (!/^\d+(\.\d{1,2})?$/.test(score)) problems.push(`得分“${score}”最多保留两位小数`);
    if (!/^\d+$/.test(sample) || Number(sample) < 1 || Number(sample) > 2_000_000_000)
      problems.push(`样本量“${sample}”不是正整数`);
    if (unit && seen.has(unit.code))
      problems.push(`部门“${unit.name}”重复（第${seen.get(unit.code)}行已有）`);
    if (unit && !seen.has(unit.code)) seen.set(unit.code, info.lines);
    if (problems.length) errors.push(at + problems.join('；'));
    else lines.push({ line: info.lines, unit: unit!.code, score, sampleSize: Number(sample) });
  }
  if (!lines.length && !errors.length) errors.push('文件中没有数据行');
  return { lines, errors };
}

export type SurveyImport =
  | { ok: true; year: number; imported: number; replaced: number }
  | { ok: false; year: number; errors: string[] };

/** Imports a year's survey: every line or none; a re-import replaces that year's rows. */
export async function importSurvey(ctx: Ctx, text: string, year: number): Promise<SurveyImport> {
  if (!yearPeriod(year)) throw new Refusal('bad_input', `年份“${year}”无效`);
  const { lines, errors } = parseSurveyCsv(ctx, text);
  if (errors.length) {
    ctx.log.info({ year, problems: errors.length }, 'survey import refused');
    return { ok: false, year, errors };
  }
  const now = ctx.clock.now();
  const replaced = await ctx.db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('annual_surveys').where('year', '=', year).executeTakeFirst();
    await trx
      .insertInto('annual_surveys')
      .values(
        lines.map((l) => ({
          year,
          unit_code: l.unit,
          score: l.score,
          sample_size: l.sampleSize,
          imported_at: now,
        })),
      )
      .execute();
    return Number(gone.numDeletedRows);
  });
  ctx.log.info({ year, imported: lines.length, replaced }, 'survey imported');
  return { ok: true, year, imported: lines.length, replaced };
}

export interface AnnualRow {
  /** by result, best first; null when something is missing */
  rank: number | null;
  code: string;
  name: string;
  processAvg: number | null;
  processCount: number;
  survey: number | null;
  sampleSize: number | null;
  /** 2 decimals, e.g. '87.00' */
  result: string | null;
  /** what keeps a department from a result: 过程评议, 年度测评 */
  missing: string[];
}

export interface AnnualResult {
  year: number;
  weights: { process: number; survey: number };
  rows: AnnualRow[];
}

/** Every department's annual result for a year. */
export async function annualResults(ctx: Ctx, year: number): Promise<AnnualResult> {
  const p = yearPeriod(year);
  if (!p) throw new Refusal('bad_input', `年份“${year}”无效`);
  const [scores, surveys] = await Promise.all([
    scoreMeasures(ctx.db, p, ['department']),
    ctx.db.selectFrom('annual_surveys').selectAll().where('year', '=', year).execute(),
  ]);
  const rows = ctx.district.departments.map((u): AnnualRow => {
    const s = scores.find((x) => x.key === u.code);
    const [sum, count] = [Number(s?.sum ?? 0), Number(s?.count ?? 0)];
    const survey = surveys.find((x) => x.unit_code === u.code);
    const missing = [...(count ? [] : ['过程评议']), ...(survey ? [] : ['年度测评'])];
    return {
      rank: null,
      code: u.code,
      name: u.name,
      processAvg: count ? sum / count : null,
      processCount: count,
      survey: survey ? hundredths(survey.score) / 100 : null,
      sampleSize: survey?.sample_size ?? null,
      result: count && survey ? weightedResult(sum, count, hundredths(survey.score)) : null,
      missing,
    };
  });
  const complete = rows.filter((r) => r.result !== null).sort((a, b) => Number(b.result) - Number(a.result));
  complete.forEach((r, i) => {
    r.rank = i > 0 && complete[i - 1].result === r.result ? complete[i - 1].rank : i + 1;
  });
  return {
    year,
    weights: { process: 0.7, survey: 0.3 },
    rows: [...complete, ...rows.filter((r) => r.result === null)],
  };
}
