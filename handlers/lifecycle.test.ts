// The four call modes from report to archive, through the real lifecycle and database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../test/world.ts';

let w: World;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => w?.close());

const ok = (o: { ok: boolean; reason?: string }) =>
  expect(o, o.ok ? '' : (o as { reason: string }).reason).toMatchObject({ ok: true });

async function report(text: string) {
  const o = await w.say(w.actors.resident, text, 'oc_sample_chenhui');
  ok(o);
  return (o as { callNo: string }).callNo;
}

describe('general call: the street calls the counterpart department directly', () => {
  it('runs from report to archive, with cards to every party', async () => {
    const { liang, cgw, resident } = w.actors;
    const no = await report('晨辉路12号路灯不亮了，晚上很黑');
    expect(no).toMatch(/^JJ-20261123-\d{4}$/);
    const c0 = await w.call(no);
    expect(c0).toMatchObject({ state: 'reported', tier: 'general' });
    const toCommunity = await w.outbox('chenhui');
    expect(toCommunity.at(-1)?.message).toMatchObject({ kind: 'draft', callNo: no });
    expect(toCommunity.at(-1)?.message.fields).toContainEqual({ label: '对口部门', value: '区城管委' });
    const triage = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(triage).toMatchObject({ kind: 'triage', callNo: no });
    expect(triage.buttons?.map((b) => b.label)).toEqual([
      '按建议呼叫',
      '自行处置',
      '提交呼应办',
      '提交区领导',
      '撤销',
    ]);

    ok(await w.say(liang, triage.buttons![0].command));
    expect(await w.call(no)).toMatchObject({
      state: 'dispatched',
      assignments: [{ unit: 'cgw', state: 'dispatched', role: 'lead', round: 1 }],
    });
    const dispatchCard = (await w.outbox('cgw')).at(-1)!.message;
    expect(dispatchCard).toMatchObject({ kind: 'dispatch', title: `新呼叫请报到 ${no}` });
    expect(dispatchCard.mentions?.map((m) => m.name)).toEqual(['城管联络员']);

    ok(await w.say(cgw, `报到 ${no.slice(-4)}`));
    expect((await w.call(no)).state).toBe('acknowledged');
    ok(await w.say(cgw, `进展 ${no.slice(-4)} 已派人到现场查看`));
    expect((await w.call(no)).state).toBe('in_progress');
    ok(await w.say(cgw, `办结 ${no.slice(-4)} 已更换灯泡，恢复照明`));
    expect((await w.call(no)).state).toBe('resolved');
    const closeCard = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(closeCard).toMatchObject({ kind: 'close' });
    expect(closeCard.fields).toContainEqual({ label: '区城管委办理结果', value: '已更换灯泡，恢复照明' });

    ok(await w.say(liang, `结案 ${no}`));
    expect((await w.call(no)).state).toBe('closed');
    const scoreCard = (await w.outbox('jinhualu')).find(
      (m) => m.message.kind === 'score' && m.message.callNo === no,
    )!;
    expect(scoreCard.message.form?.fields.map((f) => f.label)).toEqual([
      '报到',
      '专业性',
      '担当意识',
      '配合度',
      '办理结果',
      '意见（低分须写理由）',
    ]);
    expect(scoreCard.message.form?.fields[0].initial).toBe('20'); // acknowledged on time
    const satisfaction = (await w.outbox('chenhui')).at(-1)!.message;
    expect(satisfaction.buttons?.map((b) => b.label)).toEqual(['满意', '基本满意', '不满意']);

    ok(await w.say(liang, `评分 ${no.slice(-4)} 20 18 20 19 20 处置及时`));
    expect((await w.call(no)).state).toBe('archived');
    ok(await w.say(resident, `满意 ${no.slice(-4)}`));
    expect(await w.events(no)).toEqual([
      'reported',
      'called',
      'acknowledged',
      'progress',
      'resolved',
      'closed',
      'scored',
      'archived',
      'rated',
    ]);
  });
});

describe('simple call: the street handles it itself', () => {
  it('needs no department and is archived at closure', async () => {
    const { liang } = w.actors;
    const no = await report('小区门口垃圾堆了好几天没人清运');
    expect((await w.call(no)).tier).toBe('simple');
    ok(await w.say(liang, `呼叫 ${no}`));
    expect(await w.call(no)).toMatchObject({
      state: 'acknowledged',
      assignments: [{ unit: 'jinhualu', role: 'self', state: 'acknowledged' }],
    });
    ok(await w.say(liang, `办结 ${no} 已联系环卫清运`));
    ok(await w.say(liang, `结案 ${no}`));
    expect((await w.call(no)).state).toBe('archived');
    expect(await w.events(no)).toEqual(['reported', 'called', 'resolved', 'closed', 'archived']);
  });
});

describe('complex call: the office dispatches twice, lead then co-departments', () => {
  it('resolves only when every department has resolved', async () => {
    const { liang, office, swj, cgw } = w.actors;
    const no = await report('锦江河晨辉段排水口污水直排，河水发臭');
    expect((await w.call(no)).tier).toBe('complex');
    ok(await w.say(liang, `呼叫 ${no}`));
    expect((await w.call(no)).state).toBe('called');
    expect((await w.outbox('office')).at(-1)?.message).toMatchObject({
      kind: 'dispatch_request',
      callNo: no,
    });
    // The street cannot dispatch a complex call itself.
    expect(await w.say(liang, `派单 ${no} swj`)).toMatchObject({
      ok: false,
      code: 'forbidden',
      reason: '此呼叫由呼应办派单',
    });

    ok(await w.say(office, `派单 ${no} swj`));
    ok(await w.say(office, `协办 ${no} 区城管委`));
    expect((await w.call(no)).assignments).toEqual([
      { unit: 'swj', state: 'dispatched', role: 'lead', round: 1 },
      { unit: 'cgw', state: 'dispatched', role: 'co', round: 2 },
    ]);
    ok(await w.say(swj, `报到 ${no}`));
    ok(await w.say(swj, `办结 ${no} 已封堵排口`));
    expect((await w.call(no)).state).toBe('acknowledged');
    ok(await w.say(cgw, `报到 ${no}`));
    ok(await w.say(cgw, `办结 ${no} 已清理河岸`));
    expect((await w.call(no)).state).toBe('resolved');
    ok(await w.say(liang, `结案 ${no}`));
    expect(await w.say(liang, `评分 ${no} 20 20 20 20 20`)).toMatchObject({ ok: false, code: 'bad_input' });
    ok(await w.say(liang, `评分 ${no} swj 20 18 18 18 19`));
    expect((await w.call(no)).state).toBe('closed');
    ok(await w.say(liang, `评分 ${no} cgw 18 18 18 18 18 配合较好`));
    expect((await w.call(no)).state).toBe('archived');
  });
});

describe('key and emergency calls: district leaders dispatch downward', () => {
  it('tells the leaders and the office an emergency may be one already called in, and not otherwise', async () => {
    const first = await report('晨辉社区5栋3楼厨房起火了，有浓烟');
    const firstCard = (await w.outbox('leaders')).at(-1)!.message;
    expect(firstCard.callNo).toBe(first);
    expect(firstCard.fields?.map((f) => f.label)).not.toContain('疑似重复');
    const second = await report('晨辉社区5栋着火了，楼道里全是烟，119已经打了');
    expect(await w.call(second)).toMatchObject({ tier: 'emergency' });
    for (const unit of ['leaders', 'office']) {
      const card = (await w.outbox(unit)).at(-1)!.message;
      expect(card).toMatchObject({ kind: 'dispatch_request', callNo: second });
      expect(card.fields).toContainEqual({ label: '疑似重复', value: expect.stringContaining(first) });
    }
  });

  it('puts an emergency straight in front of the leaders and the office, on wall-clock deadlines', async () => {
    const { liang, leader, cgw } = w.actors;
    const no = await report('3栋2单元有人被困在电梯里，快来人');
    expect(await w.call(no)).toMatchObject({ state: 'called', tier: 'emergency' });
    expect((await w.outbox('leaders')).at(-1)?.message).toMatchObject({
      kind: 'dispatch_request',
      tone: 'danger',
    });
    expect((await w.outbox('office')).at(-1)?.message).toMatchObject({
      kind: 'dispatch_request',
      callNo: no,
    });
    expect(await w.say(liang, `派单 ${no} cgw`)).toMatchObject({ ok: false, reason: '此呼叫由区领导派单' });
    ok(await w.say(leader, `派单 ${no} cgw`));
    const a = await w.t.db
      .selectFrom('assignments')
      .innerJoin('calls', 'calls.id', 'assignments.call_id')
      .select(['assignments.ack_due_at', 'assignments.resolve_due_at', 'assignments.dispatched_at'])
      .where('calls.no', '=', no)
      .executeTakeFirstOrThrow();
    expect(new Date(a.ack_due_at!).getTime() - new Date(a.dispatched_at).getTime()).toBe(30 * 60_000);
    expect(new Date(a.resolve_due_at!).getTime() - new Date(a.dispatched_at).getTime()).toBe(24 * 3600_000);
    ok(await w.say(cgw, `报到 ${no}`));
    ok(await w.say(cgw, `办结 ${no} 已救出被困人员`));
    ok(await w.say(liang, `结案 ${no}`));
    ok(await w.say(liang, `评分 ${no} 20 20 20 20 20 响应迅速`));
    expect((await w.call(no)).state).toBe('archived');
  });

  it('lets the street raise a matter to the leaders as a key matter', async () => {
    const { liang, leader, cgw } = w.actors;
    const no = await report('金像社区外墙脱落，年久失修');
    ok(await w.say(liang, `提交领导 ${no}`));
    expect(await w.call(no)).toMatchObject({ state: 'called', tier: 'key' });
    ok(await w.say(leader, `派单 ${no} 区城管委`));
    ok(await w.say(cgw, `报到 ${no}`));
    expect((await w.call(no)).state).toBe('acknowledged');
  });
});

describe('returns, reopening, merging, cancelling and the office’s tools', () => {
  it('sends a returned assignment back to the street, which calls another department', async () => {
    const { liang, cgw, swj } = w.actors;
    const no = await report('晨辉路下水道堵塞，路面积水');
    ok(await w.say(liang, `呼叫 ${no} 一般 cgw`));
    ok(await w.say(cgw, `退回 ${no} 排水设施归水务局管理`));
    expect((await w.call(no)).state).toBe('returned');
    const back = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(back).toMatchObject({ kind: 'triage', title: `区城管委退回 ${no}` });
    expect(back.fields).toContainEqual({ label: '退回理由', value: '排水设施归水务局管理' });
    ok(await w.say(liang, `呼叫 ${no} 区水务局`));
    ok(await w.say(swj, `报到 ${no}`));
    expect((await w.call(no)).assignments.map((a) => [a.unit, a.state])).toEqual([
      ['cgw', 'returned'],
      ['swj', 'acknowledged'],
    ]);
  });

  it('reopens a rejected result and takes a new one', async () => {
    const { liang, cgw } = w.actors;
    const no = await report('晨辉路8号路灯一直闪');
    ok(await w.say(liang, `呼叫 ${no}`));
    ok(await w.say(cgw, `报到 ${no}`));
    ok(await w.say(cgw, `办结 ${no} 已处理`));
    ok(await w.say(liang, `重办 ${no} 晚上灯还是不亮`));
    expect(await w.call(no)).toMatchObject({ state: 'reopened', assignments: [{ state: 'in_progress' }] });
    ok(await w.say(cgw, `办结 ${no} 更换了整套灯具`));
    expect((await w.call(no)).state).toBe('resolved');
  });

  it('offers a merge for a duplicate report and merges it', async () => {
    const { liang } = w.actors;
    const first = await report('晨辉社区5栋楼下有人占道摆摊');
    const second = await report('晨辉社区5栋门口流动摊贩占道');
    const triage = (await w.outbox('jinhualu')).at(-1)!.message;
    expect(triage.callNo).toBe(second);
    expect(triage.buttons?.[0]).toMatchObject({
      label: `合并到 ${first}`,
      command: `合并 ${second} 到 ${first}`,
    });
    ok(await w.say(liang, triage.buttons![0].command));
    expect((await w.call(second)).state).toBe('merged');
    expect(await w.events(first)).toContain('merge_received');
    ok(await w.say(liang, `撤销 ${first} 经核实为临时摆放，已自行清理`));
    expect((await w.call(first)).state).toBe('cancelled');
  });

  it('lets the office reassign, add a co-department and change a deadline, all recorded', async () => {
    const { liang, office, swj } = w.actors;
    const no = await report('晨辉路人行道井盖破损');
    ok(await w.say(liang, `呼叫 ${no} 一般 cgw`));
    ok(await w.say(office, `改派 ${no} cgw swj 井盖属排水设施`));
    expect((await w.call(no)).assignments.map((a) => [a.unit, a.state])).toEqual([
      ['cgw', 'reassigned'],
      ['swj', 'dispatched'],
    ]);
    ok(await w.say(office, `延期 ${no} swj 2026-12-04 需协调专业队伍`));
    const a = await w.t.db
      .selectFrom('assignments')
      .select('resolve_due_at')
      .where('unit_code', '=', 'swj')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(new Date(a.resolve_due_at!).toISOString()).toBe('2026-12-04T10:00:00.000Z');
    ok(await w.say(swj, `报到 ${no}`));
    expect(await w.events(no)).toEqual([
      'reported',
      'called',
      'reassigned',
      'deadline_changed',
      'acknowledged',
    ]);
  });
});
