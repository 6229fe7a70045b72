// 有呼必应 in the simulator, on the real server with the manual clock and the in-process job layer,
// through the simulator's HTTP API only: every state in which a call waits on a person has its
// ladder, and each rung fires once, at its own time — an untriaged report, a complex call the
// office has not dispatched, a key call the leaders have not, an emergency (minutes, round the
// clock, then 代派 by the office), a returned call, a resolved call nobody closes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimScript } from '../../bot/sim/demo.ts';
import { ManualClock } from '../../config/clock.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

let app: SimServer;
let sim: SimScript;

beforeAll(async () => {
  // Monday 2 November 2026, 10:00 in Chengdu
  app = await startSimServer({ clock: new ManualClock('2026-11-02T02:00:00Z') });
  sim = await app.script();
}, 60_000);
afterAll(async () => app?.close());

const at = (shanghai: string) => new Date(`${shanghai}+08:00`).toISOString();
/**
 * The ladder's messages about a call in a chat: [kind, when, title]; a call's line in one message
 * listing the calls whose reminders fell due together: [reminder_list, when, its line].
 */
async function ladder(chat: string, no: string) {
  const all = await sim.messages(chat);
  return all
    .filter(
      (m) =>
        (m.message?.callNo === no && ['wait_remind', 'wait_escalate', 'stand_in'].includes(m.message.kind)) ||
        (m.message?.kind === 'reminder_list' && m.message.fields?.some((f) => f.label === no)),
    )
    .map((m) =>
      m.message!.kind === 'reminder_list'
        ? [m.message!.kind, m.at, m.message!.fields!.find((f) => f.label === no)!.value.split('｜')[0]]
        : [m.message!.kind, m.at, m.message!.title],
    );
}
const events = async (no: string) =>
  (
    await app.server.runtime.database.db
      .selectFrom('call_events as e')
      .innerJoin('calls as c', 'c.id', 'e.call_id')
      .select(['e.kind', 'e.payload'])
      .where('c.no', '=', no)
      .orderBy('e.id')
      .execute()
  ).map((e) => [e.kind, (e.payload as { step?: string }).step ?? null]);

describe('every waiting state is chased', () => {
  let untriaged = '';
  let complex = '';

  it('reminds the street of a report it has not triaged, then its head, then the office', async () => {
    const said = await sim.say('晨辉社区居民', 'sim-chenhui', '@呼应 晨辉路50号路灯不亮了');
    untriaged = /[A-Z]+-\d{8}-\d{4}/.exec(said.result.toast)![0];
    // and two more calls, sent up the same morning, that nobody dispatches
    complex = await sim.report('金像社区居民', 'sim-jinxiang', 'sim-jinhualu', '梁益莉', '金像小区门口积水');
    // 提交呼应办: complex, for the office to dispatch
    const triage = await sim.card('sim-jinhualu', 'triage', complex);
    expect(triage).toBeDefined();
  });

  it('fires each rung once, at its time', async () => {
    // 2 working hours: 12:00 the street's chat; 4 working hours: 15:30 its head; 1 working day: Tuesday 10:00 the office
    await sim.advanceTo(new Date(at('2026-11-03T10:30')));
    expect(await ladder('sim-jinhualu', untriaged)).toEqual([
      ['wait_remind', at('2026-11-02T12:00'), `催办：${untriaged} 等待锦华路街道研判已2小时`],
      ['wait_escalate', at('2026-11-02T15:30'), `督办：${untriaged} 等待锦华路街道研判已5小时30分钟`],
    ]);
    const head = (await sim.messages('sim-jinhualu')).find(
      (m) => m.message?.kind === 'wait_escalate' && m.message.callNo === untriaged,
    )!;
    expect(head.mentioned).toContain(sim.who('锦华路街道·李主任'));
    expect(await ladder('sim-office', untriaged)).toEqual([
      ['wait_escalate', at('2026-11-03T10:00'), `督办：${untriaged} 等待锦华路街道研判已1天`],
    ]);
    // a week later: each still once
    await sim.advance('P7D');
    expect(await ladder('sim-jinhualu', untriaged)).toHaveLength(2);
    expect(await ladder('sim-office', untriaged)).toHaveLength(1);
    expect((await events(untriaged)).filter(([k]) => k === 'reminded' || k === 'escalated')).toEqual([
      ['reminded', 'w0'],
      ['escalated', 'w1'],
      ['escalated', 'w2'],
    ]);
  });
});

describe('a call waiting for its dispatcher is chased, the office and the leaders alike', () => {
  let complex = '';
  let key = '';

  it('reminds the office of a complex call, then the leaders; the leaders of a key call, then the office', async () => {
    // Tuesday 10 November, 10:30
    await sim.advanceTo(new Date(at('2026-11-10T10:30')));
    complex = await sim.report(
      '晨辉社区居民',
      'sim-chenhui',
      'sim-jinhualu',
      '梁益莉',
      '锦江河晨辉段排水口污水直排',
    );
    const said = await sim.say('金像社区居民', 'sim-jinxiang', '@呼应 金像路3号门口堆了很多建筑垃圾');
    key = /[A-Z]+-\d{8}-\d{4}/.exec(said.result.toast)![0];
    await sim.press('梁益莉', 'sim-jinhualu', 'triage', key, '提交区领导');
    await sim.advanceTo(new Date(at('2026-11-11T11:00')));
    expect(await ladder('sim-office', complex)).toEqual([
      // 10:30 + 2 working hours, over the lunch break: 14:00
      [
        'wait_remind',
        at('2026-11-10T14:00'),
        `催办：${complex} 等待锦江区“街道呼·部门应”办公室派单已3小时30分钟`,
      ],
    ]);
    expect(await ladder('sim-leaders', complex)).toEqual([
      ['wait_escalate', at('2026-11-11T10:30'), `督办：${complex} 等待锦江区“街道呼·部门应”办公室派单已1天`],
    ]);
    expect(await ladder('sim-leaders', key)).toEqual([
      ['wait_remind', at('2026-11-10T14:00'), `催办：${key} 等待锦江区领导派单已3小时30分钟`],
    ]);
    expect(await ladder('sim-office', key)).toEqual([
      ['wait_escalate', at('2026-11-10T16:00'), `督办：${key} 等待锦江区领导派单已5小时30分钟`],
    ]);
  });

  it('chases an emergency in minutes, round the clock, and lets the office stand in for the leaders', async () => {
    // Thursday 12 November, 02:00 at night
    await sim.advanceTo(new Date(at('2026-11-12T02:00')));
    const said = await sim.say('晨辉社区居民', 'sim-chenhui', '@呼应 晨辉路15号楼道里燃气泄漏，气味很大');
    const no = /[A-Z]+-\d{8}-\d{4}/.exec(said.result.toast)![0];
    // the street has nothing to press; the office's copy has nothing to press either
    const street = await sim.card('sim-jinhualu', 'triage', no);
    expect(street.message!.buttons ?? []).toEqual([]);
    expect(street.message!.form).toBeUndefined();
    const copy = await sim.card('sim-office', 'dispatch_request', no);
    expect(copy.message!.buttons ?? []).toEqual([]);
    expect(copy.message!.form).toBeUndefined();
    expect(copy.message!.text).toContain('15分钟内无领导派单时，呼应办可代为派单');
    // the office may not dispatch it yet
    const early = await sim.say('呼应办值班', 'sim-office', `派单 ${no} yjj`);
    expect(early.result.status).toBe('refused');
    await sim.advance('PT20M');
    expect(await ladder('sim-leaders', no)).toEqual([
      ['wait_remind', at('2026-11-12T02:05'), `催办：${no} 等待锦江区领导派单已5分钟`],
      ['wait_escalate', at('2026-11-12T02:10'), `督办：${no} 等待锦江区领导派单已10分钟`],
    ]);
    const leaders = (await sim.messages('sim-leaders')).find(
      (m) => m.message?.kind === 'wait_escalate' && m.message.callNo === no,
    )!;
    expect(leaders.mentioned).toContain(sim.who('区领导'));
    expect(await ladder('sim-office', no)).toEqual([
      ['wait_escalate', at('2026-11-12T02:10'), `督办：${no} 等待锦江区领导派单已10分钟`],
      ['stand_in', at('2026-11-12T02:15'), `【紧急】区领导15分钟未派单，呼应办可代为派单 ${no}`],
    ]);
    // 代派: the office dispatches from the card it was sent, recorded as on the leaders' behalf
    const standIn = await sim.card('sim-office', 'stand_in', no);
    const done = await app.api('POST', '/sim/api/actions', {
      from: sim.who('呼应办值班'),
      message: standIn.id,
      action: 'form',
      form: { lead: 'yjj', co: 'xfjy' },
    });
    expect(done.body.result.status).toBe('handled');
    expect((await events(no)).find(([k]) => k === 'dispatched')).toBeDefined();
    const dispatched = await app.server.runtime.database.db
      .selectFrom('call_events as e')
      .innerJoin('calls as c', 'c.id', 'e.call_id')
      .select('e.payload')
      .where('c.no', '=', no)
      .where('e.kind', '=', 'dispatched')
      .executeTakeFirstOrThrow();
    expect(dispatched.payload).toMatchObject({ by: 'office_for_leaders' });
    const told = (await sim.messages('sim-leaders')).map((m) => m.message?.title);
    expect(told).toContain(`呼应办已代为派单 ${no}`);
    const notified = (await sim.messages('sim-jinhualu')).find(
      (m) => m.message?.title === `呼叫单 ${no} 已派单`,
    );
    expect(notified!.message!.text).toBe('牵头：区应急管理局；协办：区消防救援大队（呼应办代区领导派单）');
  });
});

describe('a returned call and a resolved call are chased too', () => {
  it('reminds the street of a call a department returned, and of a result it has not closed', async () => {
    // Friday 13 November, 10:00
    await sim.advanceTo(new Date(at('2026-11-13T10:00')));
    const returned = await sim.report(
      '晨辉社区居民',
      'sim-chenhui',
      'sim-jinhualu',
      '梁益莉',
      '晨辉路60号路灯不亮了',
    );
    await sim.press('城管联络员', 'sim-cgw', 'dispatch', returned, '退回', '不属于本部门，请核实');
    const resolved = await sim.report(
      '晨辉社区居民',
      'sim-chenhui',
      'sim-jinhualu',
      '梁益莉',
      '晨辉路70号路灯不亮了',
    );
    await sim.press('城管联络员', 'sim-cgw', 'dispatch', resolved, '报到');
    await sim.press('城管联络员', 'sim-cgw', 'work', resolved, '办结', '已更换灯泡');
    // to Thursday 19 November, 11:00
    await sim.advanceTo(new Date(at('2026-11-19T11:00')));
    expect(await ladder('sim-jinhualu', returned)).toEqual([
      ['wait_remind', at('2026-11-13T12:00'), `催办：${returned} 等待锦华路街道重新研判呼叫已2小时`],
      // due together with the other call's reminder to close: one message names both
      ['reminder_list', at('2026-11-16T10:00'), '督办：等待锦华路街道重新研判呼叫已3天'],
    ]);
    expect(await ladder('sim-office', returned)).toEqual([
      ['wait_escalate', at('2026-11-17T10:00'), `督办：${returned} 等待锦华路街道重新研判呼叫已4天`],
    ]);
    expect(await ladder('sim-jinhualu', resolved)).toEqual([
      ['reminder_list', at('2026-11-16T10:00'), '催办：等待锦华路街道结案已3天'],
      ['wait_escalate', at('2026-11-18T10:00'), `督办：${resolved} 等待锦华路街道结案已5天`],
    ]);
  });
});
