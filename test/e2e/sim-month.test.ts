// A month in the simulator on the real server, with the manual clock and the in-process job
// layer, through the simulator's HTTP API only: a call nobody acknowledges is reminded,
// declared overdue and escalated as the clock moves; calls are acknowledged, resolved, closed and
// scored; at 09:00 on the 1st the month's bulletin reaches the office and the leaders with its
// chart, a real PNG.
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from '../../bot/server.ts';
import type { SimScript } from '../../bot/sim/demo.ts';
import { ManualClock } from '../../config/clock.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

let app: SimServer;
let server: Server;
let sim: SimScript;

beforeAll(async () => {
  // Monday 2 November 2026, 10:00 in Chengdu
  app = await startSimServer({ clock: new ManualClock('2026-11-02T02:00:00Z') });
  server = app.server;
  sim = await app.script();
}, 60_000);
afterAll(async () => app?.close());

describe('a month in the simulator', () => {
  let late = '';
  let onTime = '';
  let open = '';

  it('reminds, declares overdue and escalates a call nobody acknowledges as the clock moves', async () => {
    late = await sim.report('晨辉社区居民', 'sim-chenhui', 'sim-jinhualu', '梁益莉', '晨辉路12号路灯不亮了');
    // a general call: 2 working hours to acknowledge (12:00), the reminder at 75% (11:30)
    expect(await sim.cards('sim-cgw', 'remind', late)).toEqual([]);
    await sim.advance('PT1H35M');
    const remind = await sim.card('sim-cgw', 'remind', late);
    expect(remind.message!.title).toBe(`催办：${late} 报到时限将到`);
    // sent when it fell due, not at the end of the jump
    expect(remind.at).toBe('2026-11-02T03:30:00.000Z');
    expect(await sim.cards('sim-cgw', 'overdue', late)).toEqual([]);
    // the deadline, the department head an hour later, the office two hours later
    await sim.advance('PT2H30M');
    expect((await sim.card('sim-cgw', 'overdue', late)).message!.title).toBe(`已超时：${late} 未按时报到`);
    const head = await sim.card('sim-cgw', 'escalate', late);
    expect(head.message!.title).toBe(`督办：区城管委 ${late} 报到已超时1小时`);
    expect(head.mentioned).toContain(sim.who('城管负责人'));
    expect((await sim.card('sim-office', 'escalate', late)).message!.title).toBe(
      `升级督办：区城管委 ${late} 报到超时2小时`,
    );
    // each once, whatever the clock does next
    await sim.advance('PT10M');
    expect(await sim.cards('sim-cgw', 'remind', late)).toHaveLength(1);
    expect(await sim.cards('sim-office', 'escalate', late)).toHaveLength(1);
  });

  it('runs the month’s calls to their scores', async () => {
    const cgw = { dept: 'sim-cgw', liaison: '城管联络员', street: 'sim-jinhualu', staff: '梁益莉' };
    // acknowledged two hours late: 报到 is offered below 20
    const lateAck = await sim.finish(late, {
      ...cgw,
      scores: [16, 15, 16, 18],
      comment: '报到超时，督办后处置',
    });
    expect(lateAck).toBeLessThan(20);

    onTime = await sim.report(
      '金像社区居民',
      'sim-jinxiang',
      'sim-jinhualu',
      '梁益莉',
      '金像小区门口积水严重',
    );
    await sim.advance('PT20M');
    const swj = { dept: 'sim-swj', liaison: '区水务局联络员', street: 'sim-jinhualu', staff: '梁益莉' };
    expect(await sim.finish(onTime, { ...swj, scores: [19, 18, 19, 20], comment: '处置及时' })).toBe(20);

    // a call 区住建交通局 never acknowledges: overdue at the month's end
    open = await sim.report(
      '武成门社区居民',
      'sim-wuchengmen',
      'sim-shuyuanjie',
      '书院街街道',
      '武成门路口井盖破损',
    );
    const states = await server.runtime.database.db
      .selectFrom('calls')
      .select(['no', 'state'])
      .orderBy('no')
      .execute();
    expect(states).toEqual([
      { no: late, state: 'archived' },
      { no: onTime, state: 'archived' },
      { no: open, state: 'dispatched' },
    ]);
  });

  it('posts the bulletin with its chart to the office and the leaders on the 1st at 09:00', async () => {
    // to 08:59 on 1 December: nothing yet
    await sim.advanceTo(new Date('2026-12-01T00:59:00Z'));
    expect(await sim.cards('sim-office', 'bulletin')).toEqual([]);
    await sim.advance('PT2M');
    const bulletin = await sim.card('sim-office', 'bulletin');
    expect(bulletin.at).toBe('2026-12-01T01:00:00.000Z');
    const m = bulletin.message!;
    expect(m.title).toContain('2026年11月');
    expect(m.fields).toContainEqual({ label: '呼叫总数', value: '3 件（突发 0 件）' });
    expect(m.fields).toContainEqual({ label: '办结率', value: '66.7%（2/3）' });
    const ranking = m.text!.split('\n');
    expect(ranking[1]).toMatch(
      /^1\. 区水务局 排名分 \d+\.\d 平均分 96\.0（1 次评分） 呼叫 1 件 响应率 100\.0%/,
    );
    expect(ranking[2]).toMatch(
      /^2\. 区城管委 排名分 \d+\.\d 平均分 \d+\.0（1 次评分） 呼叫 1 件 响应率 0\.0%/,
    );
    expect(ranking.some((l) => /^\d\. 区住建交通局 .*超时 1 件$/.test(l))).toBe(true);
    expect(m.text).toContain('书院街街道 事项 1 件');
    expect((await sim.card('sim-leaders', 'bulletin')).message!.title).toBe(m.title);

    const ref = m.images![0].ref;
    expect(ref).toBe('chart:bulletin:2026-11');
    const res = await fetch(`${app.url}/sim/api/images/${encodeURIComponent(ref)}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // 900 wide; 120 high plus 40 for each scored department (区水务局, 区城管委)
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([900, 200]);
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/sim-bulletin-2026-11.png', png); // to look at

    // once a month: a further day brings no second bulletin
    await sim.advance('P1D');
    expect(await sim.cards('sim-office', 'bulletin')).toHaveLength(1);

    // 区住建交通局 had its open call in a digest at 08:30 on every working day from 3 November to
    // 2 December (22 days; none on a weekend), the others nothing
    const digests = await sim.cards('sim-zjj', 'digest');
    expect(digests).toHaveLength(22);
    for (const d of digests) {
      expect(d.at.slice(11)).toBe('00:30:00.000Z');
      expect([0, 6]).not.toContain(new Date(d.at).getUTCDay());
    }
    expect(digests[0].at).toBe('2026-11-03T00:30:00.000Z');
    expect(digests.at(-1)!.message!.title).toBe('区住建交通局每日待办：在办 1 件，超时 1 件');
    expect(digests.at(-1)!.message!.text).toContain(`【超时`);
    expect(await sim.cards('sim-cgw', 'digest')).toEqual([]);
  });
});
