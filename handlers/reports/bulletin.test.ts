// The November 2026 month (test/fixtures/month.ts) against figures worked out by hand.
// Times are Shanghai; "dept" means department assignments (a street's own are not counted).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Month, seedMonth } from '../../test/fixtures/month.ts';
import type { Message } from '../messages.ts';
import { annualResults, importSurvey } from './annual.ts';
import {
  bulletinMessage,
  monthlyBulletin,
  publishMonthlyBulletin,
  renderBulletinChart,
  resolveChartRef,
} from './bulletin.ts';
import { monthPeriod } from './measures.ts';
import { ratesBy, ratesFor } from './rates.ts';
import { supervision } from './supervision.ts';

let m: Month;
beforeAll(async () => {
  m = await seedMonth();
}, 180_000);
afterAll(async () => m?.close());

const NOV = monthPeriod('2026-11')!;
const r = (num: number, den: number) => ({ num, den, rate: num / den });

describe('rates for November 2026', () => {
  it('district totals', async () => {
    const t = await ratesFor(m.t.db, NOV, { kind: 'district' });
    // calls: 13 = C1–C7, C10, C11 (锦华路) + S1–S4 (书院街); O1 is October's, D1 December's,
    // C8 (merged) and C9 (cancelled) never count. C7 is the one emergency.
    expect(t.calls).toBe(13);
    expect(t.emergencyCalls).toBe(1);
    // closed before 12-01: C1–C7, S1–S3 (S2 closed unscored); open: C10, C11, S4
    expect(t.completionRate).toEqual(r(10, 13));
    expect(t.resolutionRate).toEqual(r(10, 13));
    // ack, decided: 城管委 C1 C4 C6 S2 on time, C10 late (due 11-30 18:00); 水务局 C6 S3 S4 on time,
    // C2 late (due 14:00, 15:00); 住建 S1 on time, C5 late; 应急局 C7 on time → 9/12. Left out:
    // C2 and S1 of 城管委 (returned before their deadline, unacknowledged), C11 (due 12-01 10:00).
    expect(t.onTimeAckRate).toEqual(r(9, 12));
    // resolve, decided: 城管委 C1 C4 (against the reopened deadline) C6 S2, 水务局 C2 C6, 住建 S1,
    // 应急局 C7 on time; 住建 C5 (due 11-16 10:00, done 11-20) and 水务局 S4 (due 11-27) late → 8/10.
    expect(t.onTimeResolveRate).toEqual(r(8, 10));
    // open and past a deadline at the end: O1 and C10 (城管委, unacknowledged), S4 (水务局,
    // unresolved); resolved late in the month: C5 (住建) → 4
    expect(t.overdue).toBe(4);
    // minutes to acknowledge: 30+60+1110+60 (城管委) + 270+180+10+60 (水务局) + 1440+20 (住建) + 15 = 3255 over 11
    expect(t.avgAckHours).toBeCloseTo(3255 / 11 / 60, 9);
    // minutes to resolve: 2880+5760+19890+1200 + 2850+14340 + 15840+4040 + 235 = 67035 over 9
    expect(t.avgResolveHours).toBeCloseTo(67035 / 9 / 60, 9);
    // current totals: 92 (C1) 89 (C2) 82 (C4, corrected from 81) 54 (C5) 83+84 (C6) 100 (C7) 90 (S1)
    expect(t.score).toEqual({ count: 8, sum: 674, avg: 84.25 });
    // made: every call but C3 (self-handled) = 12; returned: C2, S1, S3
    expect(t.callAccuracy).toEqual({ ...r(9, 12), returned: 3 });
    // C1 满意, C2 基本满意, C3 不满意, C7 满意
    expect(t.satisfactionRate).toEqual({ ...r(3, 4), satisfied: 2, basic: 1, unsatisfied: 1 });
  });

  it('per department', async () => {
    const d = await ratesBy(m.t.db, NOV, 'department');
    const cgw = d.get('cgw')!;
    // calls: C1 C4 C6 C10 S2 (C2 and S1 were returned, C9 cancelled)
    expect(cgw.calls).toBe(5);
    expect(cgw.onTimeAckRate).toEqual(r(4, 5));
    expect(cgw.onTimeResolveRate).toEqual(r(4, 4)); // C10 is not yet due
    expect(cgw.overdue).toBe(2); // O1 (October) and C10
    expect(cgw.avgAckHours).toBeCloseTo(5.25, 9); // (0.5 + 1 + 18.5 + 1) / 4
    expect(cgw.avgResolveHours).toBeCloseTo(123.875, 9); // (48 + 96 + 331.5 + 20) / 4
    expect(cgw.score).toEqual({ count: 3, sum: 258, avg: 86 }); // 92, 82, 84
    const swj = d.get('swj')!;
    expect(swj.calls).toBe(4); // C2 C6 C11 S4 (S3 returned)
    // C6, S4 on time and S3 (acknowledged on time, then returned); C2 late
    expect(swj.onTimeAckRate).toEqual(r(3, 4));
    expect(swj.onTimeResolveRate).toEqual(r(2, 3)); // C2, C6 on time; S4 late
    expect(swj.overdue).toBe(1);
    expect(swj.score).toEqual({ count: 2, sum: 172, avg: 86 }); // 89, 83
    const zjj = d.get('zjj')!;
    expect([zjj.calls, zjj.onTimeAckRate, zjj.onTimeResolveRate, zjj.overdue]).toEqual([
      2,
      r(1, 2),
      r(1, 2),
      1,
    ]);
    expect(zjj.avgAckHours).toBeCloseTo((1440 + 20) / 2 / 60, 9);
    expect(zjj.score.avg).toBe(72); // 54, 90
    const yjj = d.get('yjj')!;
    expect([yjj.calls, yjj.onTimeAckRate, yjj.onTimeResolveRate, yjj.overdue]).toEqual([
      1,
      r(1, 1),
      r(1, 1),
      0,
    ]);
    expect(yjj.avgAckHours).toBeCloseTo(0.25, 9);
    expect([...d.keys()].sort()).toEqual(['cgw', 'swj', 'yjj', 'zjj']);
  });

  it('per street: call accuracy and resolution rate', async () => {
    const s = await ratesBy(m.t.db, NOV, 'street');
    const jinhualu = s.get('jinhualu')!;
    // 9 calls, 8 made (C3 was handled by the street), C2 returned; 7 closed
    expect(jinhualu.calls).toBe(9);
    expect(jinhualu.callAccuracy).toEqual({ ...r(7, 8), returned: 1 });
    expect(jinhualu.resolutionRate).toEqual(r(7, 9));
    // dept assignments on its calls: C1 C4 C6(swj) C6(cgw) C7 on time; C2(swj) C5 C10 late → 5/8
    expect(jinhualu.onTimeAckRate).toEqual(r(5, 8));
    const shuyuan = s.get('shuyuanjie')!;
    // 4 calls, all made; S1 and S3 returned; S1–S3 closed
    expect(shuyuan.callAccuracy).toEqual({ ...r(2, 4), returned: 2 });
    expect(shuyuan.resolutionRate).toEqual(r(3, 4));
    expect(shuyuan.satisfactionRate.rate).toBeNull();
  });

  it('reads October and an empty month the same way', async () => {
    const oct = await ratesFor(m.t.db, monthPeriod('2026-10')!, { kind: 'district' });
    // O1 alone: unacknowledged past its deadline, open at the month's end
    expect([oct.calls, oct.onTimeAckRate, oct.overdue, oct.completionRate]).toEqual([1, r(0, 1), 1, r(0, 1)]);
    const sep = await ratesFor(m.t.db, monthPeriod('2026-09')!, { kind: 'district' });
    expect([sep.calls, sep.onTimeAckRate.rate, sep.avgAckHours, sep.score.avg]).toEqual([
      0,
      null,
      null,
      null,
    ]);
  });
});

describe('the monthly bulletin', () => {
  it('ranks departments by average score, then on-time acknowledgement', async () => {
    const b = await monthlyBulletin(m.ctx, '2026-11');
    // 应急局 100; 城管委 and 水务局 both 86 — 城管委 first on 响应率 80% against 75%; 住建 72
    expect(b.departments.slice(0, 4).map((d) => [d.rank, d.code, d.calls, d.overdue])).toEqual([
      [1, 'yjj', 1, 0],
      [2, 'cgw', 5, 2],
      [3, 'swj', 4, 1],
      [4, 'zjj', 2, 1],
    ]);
    expect(b.departments.slice(4).every((d) => d.rank === null && d.calls === 0)).toBe(true);
    expect(b.departments).toHaveLength(m.t.district.departments.length);
    expect(b.streets.map((s) => [s.code, s.calls, s.callsMade, s.returned])).toEqual([
      ['jinhualu', 9, 8, 1],
      ['shuyuanjie', 4, 4, 2],
      ['chenglonglu', 0, 0, 0],
      ['donghu', 0, 0, 0],
    ]);
  });

  it('is a card with totals, the ranking, the streets and the chart', async () => {
    const card = bulletinMessage(await monthlyBulletin(m.ctx, '2026-11'));
    expect(card.title).toBe('2026年11月“街道呼·部门应”工作通报');
    expect(card.fields).toEqual(
      expect.arrayContaining([
        { label: '呼叫总数', value: '13 件（突发 1 件）' },
        { label: '办结率', value: '76.9%（10/13）' },
        { label: '响应率', value: '75.0%（9/12）' },
        { label: '按时办结率', value: '80.0%（8/10）' },
        { label: '超时', value: '4 件' },
        { label: '平均报到用时', value: '4.9 小时' },
        { label: '平均办结用时', value: '124.1 小时' },
        { label: '过程评议平均分', value: '84.3 分（8 次评分）' },
        { label: '呼叫准确度', value: '75.0%（退回 3 件）' },
        { label: '满意度', value: '75.0%（4 份评价）' },
      ]),
    );
    const lines = card.text!.split('\n');
    expect(lines).toContain(
      // 排名分: its 3 scores shrunk toward the district's mean (ranking.ts)
      '2. 区城管委 排名分 84.9 平均分 86.0（3 次评分） 呼叫 5 件 响应率 80.0% 按时办结率 100.0% 超时 2 件',
    );
    expect(lines).toContain('锦华路街道 事项 9 件 呼叫 8 件 呼叫准确度 87.5%（退回 1 件） 化解率 77.8%');
    expect(lines).toContain('成龙路街道 本月无事项');
    expect(card.images).toEqual([{ ref: 'chart:bulletin:2026-11', alt: '2026年11月部门过程评议平均分' }]);
    expect(card.note).toContain('2026-11-01 至 2026-11-30');
  });

  it('says that a department with no new calls carries its overdue items over from earlier months', async () => {
    // December: nothing new for 城管委, but O1 and C10 (called before December) are still overdue
    const card = bulletinMessage(await monthlyBulletin(m.ctx, '2026-12'));
    const line = card.text!.split('\n').find((l) => l.includes('区城管委'));
    expect(line).toMatch(/本月无新呼叫，以前月份结转的事项超时 \d+ 件$/);
    expect(line).not.toContain('呼叫 0 件');
  });

  it('draws the average scores as a PNG, also through a chart ref', async () => {
    const png = await renderBulletinChart(await monthlyBulletin(m.ctx, '2026-11'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    // 900 wide, 120 + 40 a scored department (4) high
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([900, 280]);
    expect((await resolveChartRef(m.ctx, 'chart:bulletin:2026-11'))?.equals(png)).toBe(true);
    expect(await resolveChartRef(m.ctx, 'chart:bulletin:2026-13')).toBeNull();
    expect(await resolveChartRef(m.ctx, 'img_v3_abc')).toBeNull();
    // a month with no scores: one empty row, no bar
    const empty = await renderBulletinChart(await monthlyBulletin(m.ctx, '2026-09'));
    expect([empty.readUInt32BE(16), empty.readUInt32BE(20)]).toEqual([900, 160]);
  });

  it('refuses a month that is not YYYY-MM, in Chinese', async () => {
    await expect(monthlyBulletin(m.ctx, '2026-13')).rejects.toMatchObject({
      code: 'bad_input',
      reason: expect.stringContaining('YYYY-MM'),
    });
  });

  it('is queued once to the office and the leaders', async () => {
    await m.at('12-01 09:00');
    const afterCommit = vi.fn();
    const ctx = { ...m.ctx, afterCommit };
    expect(await publishMonthlyBulletin(ctx, '2026-11')).toEqual({
      month: '2026-11',
      queued: 2,
      skipped: false,
    });
    expect(afterCommit).toHaveBeenCalledWith({ outbox: true, timers: [] });
    const rows = await m.t.db
      .selectFrom('outbox')
      .select(['chat_id', 'idempotency_key', 'payload'])
      .where('idempotency_key', 'like', 'bulletin:%')
      .orderBy('chat_id')
      .execute();
    expect(rows.map((x) => [x.chat_id, x.idempotency_key])).toEqual([
      ['oc_sample_leaders', 'bulletin:2026-11:lark:oc_sample_leaders'],
      ['oc_sample_office', 'bulletin:2026-11:lark:oc_sample_office'],
    ]);
    const message = (rows[0].payload as { message: Message }).message;
    expect(message).toMatchObject({ kind: 'bulletin', title: '2026年11月“街道呼·部门应”工作通报' });
    // a retried job, or a second worker: nothing new
    expect(await publishMonthlyBulletin(ctx, '2026-11')).toEqual({
      month: '2026-11',
      queued: 0,
      skipped: true,
    });
    const count = await m.t.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('idempotency_key', 'like', 'bulletin:%')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
    expect(afterCommit).toHaveBeenCalledTimes(1);
  });
});

describe('supervision of the streets', () => {
  it('lists each street’s calls with returns and reopens', async () => {
    const [jinhualu] = await supervision(m.ctx, NOV, 'jinhualu');
    expect(jinhualu).toMatchObject({ calls: 9, callsMade: 8, returnedCalls: 1, returns: 1, reopens: 1 });
    expect(jinhualu.list.map((c) => c.no)).toEqual(
      ['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C10', 'C11'].map((k) => m.no[k as 'C1']),
    );
    expect(jinhualu.list.find((c) => c.no === m.no.C2)).toMatchObject({ returns: 1, reopens: 0 });
    expect(jinhualu.list.find((c) => c.no === m.no.C4)).toMatchObject({ returns: 0, reopens: 1 });
    const all = await supervision(m.ctx, NOV);
    expect(all.map((s) => [s.code, s.returns, s.callAccuracy.rate])).toEqual([
      ['jinhualu', 1, 7 / 8],
      ['shuyuanjie', 2, 2 / 4],
      ['chenglonglu', 0, null],
      ['donghu', 0, null],
    ]);
    // by name too; an unknown street is refused
    expect((await supervision(m.ctx, NOV, '书院街街道'))[0].code).toBe('shuyuanjie');
    await expect(supervision(m.ctx, NOV, '不存在街道')).rejects.toMatchObject({ code: 'unknown_unit' });
  });
});

describe('the annual result over the month’s scores', () => {
  it('weights each department’s 2026 process average 70% and its survey 30%', async () => {
    const csv = '部门,得分,样本量\ncgw,80,1200\nswj,90.05,1100\nyjj,95,1000\ngdj,88,900\n';
    expect(await importSurvey(m.ctx, csv, 2026)).toMatchObject({ ok: true, imported: 4 });
    const { rows } = await annualResults(m.ctx, 2026);
    expect(rows.slice(0, 3).map((x) => [x.rank, x.code, x.result])).toEqual([
      [1, 'yjj', '98.50'], // 0.7 × 100 + 0.3 × 95
      [2, 'swj', '87.22'], // 0.7 × 86 + 0.3 × 90.05 = 87.215 exactly (87.2149… in floating point)
      [3, 'cgw', '84.20'], // 0.7 × 86 + 0.3 × 80
    ]);
    expect(rows.find((x) => x.code === 'zjj')).toMatchObject({
      processAvg: 72,
      result: null,
      missing: ['年度测评'],
    });
    expect(rows.find((x) => x.code === 'gdj')).toMatchObject({
      survey: 88,
      result: null,
      missing: ['过程评议'],
    });
  });
});
