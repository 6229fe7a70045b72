// What a new user stumbled on, each fixed and held here: help by role, what the resident is asked
// to rate, the order after 结案, department names on the score card, several co-departments with
// who leads, and the emergency's reporter told when help is coming.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../test/world.ts';
import { commandOfPress } from './messages.ts';

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
const lastTo = async (unit: string) => (await w.outbox(unit)).at(-1)!.message;

describe('帮助 shows each person what their role may use', () => {
  it('a resident sees reporting, asking and rating; 帮助 全部 shows everything', async () => {
    await w.say(w.actors.resident, '帮助', 'oc_sample_chenhui');
    const mine = (await lastTo('chenhui')).text!;
    expect(mine).toContain('@呼应 <问题描述>');
    expect(mine).toContain('满意 0001');
    expect(mine).not.toContain('派单 0001');
    expect(mine).not.toContain('报到 0001');
    expect(mine).toContain('以上为您可用的指令；发送「帮助 全部」查看全部指令。');
    await w.say(w.actors.resident, '帮助 全部', 'oc_sample_chenhui');
    const all = (await lastTo('chenhui')).text!;
    expect(all).toContain('派单 0001');
    expect(all).toContain('报到 0001');
    expect(all).not.toContain('以上为您可用的指令');
  });

  it('a liaison sees the department’s commands, not the street’s', async () => {
    await w.say(w.actors.cgw, '帮助');
    const text = (await lastTo('cgw')).text!;
    expect(text).toContain('报到 0001');
    expect(text).toContain('办结 0001');
    expect(text).not.toContain('结案 0001');
    expect(text).not.toContain('评分 0001');
  });
});

describe('closing and scoring', () => {
  it('shows the resident what was done, answers 结案 before the score cards, names departments as people do', async () => {
    const { liang, cgw } = w.actors;
    const no = await report('晨辉路8号路灯不亮了');
    ok(await w.say(liang, `呼叫 ${no}`));
    ok(await w.say(cgw, `报到 ${no}`));
    ok(await w.say(cgw, `办结 ${no} 已更换灯泡，恢复照明`));
    const before = (await w.outbox('jinhualu')).length;
    ok(await w.say(liang, `结案 ${no}`));
    const after = (await w.outbox('jinhualu')).slice(before).map((o) => o.message);
    expect(after.map((m) => m.kind)).toEqual(['notice', 'score']);
    expect(after[0].title).toBe(`已结案 ${no}`);
    // the typed form and the hint use the name people know
    const score = after[1];
    expect(score.form!.command).toContain(`评分 ${no} 城管委 {ack}`);
    expect(score.text).toContain(`评分 ${no.slice(-4)} 城管委 20 18 20 19 20`);
    const rating = await lastTo('chenhui');
    expect(rating.kind).toBe('satisfaction');
    expect(rating.fields).toContainEqual({ label: '区城管委办理结果', value: '已更换灯泡，恢复照明' });
    // typed with the short name
    ok(await w.say(liang, `评分 ${no} 城管委 20 19 18 17 16 处置及时`));
  });
});

describe('dispatching to several departments', () => {
  it('takes several co-departments from the form and says who leads', async () => {
    const { liang, office } = w.actors;
    const no = await report('锦江河晨辉段排水口污水直排');
    ok(await w.say(liang, `呼叫 ${no}`));
    const card = (await w.outbox('office'))
      .map((o) => o.message)
      .findLast((m) => m.kind === 'dispatch_request')!;
    expect(card.form!.fields.find((f) => f.name === 'co')).toMatchObject({ type: 'multiselect' });
    const pressed = commandOfPress(card, {
      command: card.form!.command,
      template: card.form!.command,
      form: { lead: 'swj', co: 'cgw sthjj' },
    });
    expect(pressed).toEqual({ command: `派单 ${no} swj cgw sthjj` });
    ok(await w.say(office, (pressed as { command: string }).command));
    expect((await w.call(no)).assignments).toEqual([
      { unit: 'swj', state: 'dispatched', role: 'lead', round: 1 },
      { unit: 'cgw', state: 'dispatched', role: 'co', round: 2 },
      { unit: 'sthjj', state: 'dispatched', role: 'co', round: 2 },
    ]);
    expect((await lastTo('jinhualu')).text).toBe('牵头：区水务局；协办：区城管委、区生态环境局');
    // a value the form never offered is refused
    expect(
      commandOfPress(card, {
        command: card.form!.command,
        template: card.form!.command,
        form: { lead: 'swj', co: 'cgw nosuch' },
      }),
    ).toEqual({ refused: '「协办部门（可多选）」没有“nosuch”这个选项' });
  });
});

describe('an emergency’s reporter', () => {
  it('is told what happens next, and again when a department has responded', async () => {
    const no = await report('晨辉路15号楼道里燃气泄漏，气味很大');
    const receipt = await lastTo('chenhui');
    expect(receipt.text).toContain('请立即拨打 119 / 110 / 120');
    ok(await w.say(w.actors.leader, `派单 ${no} cgw`));
    ok(await w.say(w.actors.cgw, `报到 ${no}`));
    const told = await lastTo('chenhui');
    expect(told.title).toBe(`区城管委已响应 ${no}`);
    expect(told.text).toContain('已由区城管委接手处置');
  });
});

describe('thanks, follow-ups and questions are not new reports', () => {
  const calls = async () => (await w.t.db.selectFrom('calls').select('id').execute()).length;
  const said = (text: string, actor = w.actors.otherResident) =>
    w.run(actor, { type: 'said', text, images: [] }, 'oc_sample_chenhui');

  it('joins a thank-you to the call it thanks for, and a follow-up to the open call it asks about', async () => {
    const { liang, cgw, otherResident } = w.actors;
    const fixed = (await w.say(otherResident, '晨辉路66号路灯不亮了', 'oc_sample_chenhui')) as {
      callNo: string;
    };
    ok(await w.say(liang, `呼叫 ${fixed.callNo}`));
    ok(await w.say(cgw, `报到 ${fixed.callNo}`));
    ok(await w.say(cgw, `办结 ${fixed.callNo} 已更换灯泡`));
    const open = (await w.say(otherResident, '晨辉路9号下水道堵了，积水很深', 'oc_sample_chenhui')) as {
      callNo: string;
    };
    const before = await calls();
    ok(await said('晨辉路66号的路灯修好了，谢谢你们'));
    ok(await said('上次说的下水道咋个还没人来修'));
    expect(await calls()).toBe(before);
    expect(await w.events(fixed.callNo)).toContain('thanked');
    expect(await w.events(open.callNo)).toContain('followed_up');
    // the street hears the follow-up
    expect((await lastTo('jinhualu')).title).toBe(`反映人追问 ${open.callNo}`);
  });

  it('asks before making a call of a thank-you it cannot place, and answers a question without one', async () => {
    const stranger = await w.t.db
      .selectFrom('people')
      .select('id')
      .where('name', '=', '王阿姨')
      .executeTakeFirst();
    expect(stranger).toBeDefined();
    const before = await calls();
    ok(await said('谢谢你们上次帮忙', w.actors.resident));
    const asked = (await lastTo('chenhui'))!;
    if (asked.title === '这是要反映新问题吗？') {
      expect(asked.buttons).toEqual([
        { label: '作为新问题反映', command: '反映 谢谢你们上次帮忙', style: 'primary' },
      ]);
      expect(asked.private).toBe(true);
    }
    ok(await said('请问在哪里反映噪音问题'));
    expect((await lastTo('chenhui')).text).toContain('@呼应 写明什么问题、在哪里');
    expect(await calls()).toBe(before);
    // said outright, it is a report
    ok(await w.say(w.actors.otherResident, '反映 晨辉路5号垃圾桶坏了', 'oc_sample_chenhui'));
    expect(await calls()).toBe(before + 1);
  });

  it('takes an emergency as a report, whatever else the words sound like', async () => {
    const before = await calls();
    ok(await said('谢谢你们快来 晨辉路3号楼道里全是烟 有人出不来'));
    expect(await calls()).toBe(before + 1);
  });

  /** The one press offered for words of danger read as no report. */
  const emergencyPress = (text: string) => [
    { label: '这是紧急情况，立即反映', command: `反映 ${text}`, style: 'danger' },
  ];
  /** Says `text`, checks that it made no call, and gives the bot's answer. */
  async function answeredWithoutCall(text: string) {
    const before = await calls();
    ok(await said(text));
    expect(await calls()).toBe(before);
    return (await lastTo('chenhui'))!;
  }

  it('answers chit-chat that names a danger without a call, and one press reports it as an emergency', async () => {
    const before = await calls();
    const rumour = '群里有人在传锦华路要爆炸，别信哈，是燃气公司在做管道放散，社区发了公告的';
    const answer = await answeredWithoutCall(rumour);
    expect(answer.private).toBe(true);
    expect(answer.text).toContain('如果现在有人员或财产危险');
    expect(answer.buttons).toEqual(emergencyPress(rumour));
    // pressed (the button sends its command): the sender says it is a report, so the alarm stands
    ok(await w.say(w.actors.otherResident, `反映 ${rumour}`, 'oc_sample_chenhui'));
    expect(await calls()).toBe(before + 1);
    const call = await w.t.db
      .selectFrom('calls')
      .select(['emergency', 'state'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(call).toEqual({ emergency: true, state: 'called' });
  });

  it('joins thanks that names a danger to the sender’s call, and still offers the press', async () => {
    const thanks = '刚才那个老太太在电梯里头喊，物业师傅来把门撬开了，人好好的，谢谢哈';
    const reply = await answeredWithoutCall(thanks);
    expect(reply.title).toMatch(/^谢谢您的反馈 /);
    expect(reply.buttons).toEqual(emergencyPress(thanks));
  });

  it('answers a plain question with no button', async () => {
    ok(await said('请问在哪里反映噪音问题'));
    expect((await lastTo('chenhui')).buttons ?? []).toEqual([]);
  });
});

describe('more of an emergency, told in the chat that called it in', () => {
  const calls = async () => (await w.t.db.selectFrom('calls').select('id').execute()).length;
  const said = (text: string, actor = w.actors.otherResident, images: string[] = []) =>
    w.run(actor, { type: 'said', text, images }, 'oc_sample_chenhui');
  let fire: string;

  beforeAll(async () => {
    // the emergencies called in earlier in this file are hours old
    await w.clock.advance(3 * 3600_000);
    const o = await said('晨辉路20号3楼厨房着火了 好大的烟', w.actors.resident);
    ok(o);
    fire = (o as { callNo: string }).callNo;
    expect(await w.call(fire)).toMatchObject({ tier: 'emergency', state: 'called' });
  });

  it('goes at once to everyone handling it, joined to its call, not as a second alarm', async () => {
    const before = await calls();
    const dispatchRequests = (await w.outbox('leaders')).length;
    const text = '3楼那家屋头还有个老人没出来，烟越来越大了';
    ok(await said(text, w.actors.otherResident, ['img_smoke_1']));
    expect(await calls()).toBe(before);
    expect(await w.events(fire)).toContain('followed_up');
    for (const unit of ['leaders', 'office', 'jinhualu']) {
      const news = await lastTo(unit);
      expect(news).toMatchObject({ title: `【紧急续报】${fire}`, text, tone: 'danger' });
      expect(news.fields).toContainEqual({ label: '地点', value: '晨辉路20号' });
      expect(news.images).toEqual([{ ref: 'img_smoke_1', alt: '现场图片' }]);
    }
    // one dispatch request for the one fire; the news came beside it
    expect((await w.outbox('leaders')).filter((m) => m.message.kind === 'dispatch_request')).toHaveLength(
      (await w.outbox('leaders'))
        .slice(0, dispatchRequests)
        .filter((m) => m.message.kind === 'dispatch_request').length,
    );
    const reply = await lastTo('chenhui');
    expect(reply.title).toBe(`已作为紧急呼叫 ${fire} 的续报转告`);
    expect(reply.buttons).toEqual([
      { label: '这是另一起紧急情况，单独反映', command: `反映 ${text}`, style: 'danger' },
    ]);
  });

  it('reaches the department sent to it, and a neighbour asking after it is heard by all', async () => {
    ok(await w.say(w.actors.leader, `派单 ${fire} cgw`));
    ok(await said('火越烧越大了 整栋楼都是烟'));
    expect((await lastTo('cgw')).title).toBe(`【紧急续报】${fire}`);
    const before = await calls();
    ok(await said('消防车咋个还没到哦'));
    expect(await calls()).toBe(before);
    for (const unit of ['leaders', 'office', 'jinhualu', 'cgw'])
      expect(await lastTo(unit)).toMatchObject({ title: `群内追问 ${fire}`, text: '消防车咋个还没到哦' });

    // asking after a matter no one handling the fire answers for is no news for them
    ok(await said('上次说的楼上装修噪音咋个还没人管'));
    expect((await lastTo('leaders')).text).not.toBe('上次说的楼上装修噪音咋个还没人管');
  });

  it('is a new emergency when its sender says so, at another place, of another matter, or hours later', async () => {
    let before = await calls();
    // the press offered with the news: reported as an emergency of its own
    const text = '3楼那家屋头还有个老人没出来，烟越来越大了';
    ok(await w.say(w.actors.otherResident, `反映 ${text}`, 'oc_sample_chenhui'));
    expect(await calls()).toBe(++before);
    expect(await w.call((await lastTo('leaders')).callNo!)).toMatchObject({ tier: 'emergency' });
    ok(await said('晨辉路88号二楼也在冒黑烟 里面有人在喊'));
    expect(await calls()).toBe(before + 1);
    expect((await lastTo('leaders')).kind).toBe('dispatch_request');
    ok(await said('晨辉路20号一楼燃气味道好大 好多人在楼道里'));
    expect(await calls()).toBe(before + 2);
    // no sure category, and not one the parser would guess for a fire
    ok(await said('有人晕倒了 快叫120'));
    expect(await calls()).toBe(before + 3);
    await w.clock.advance(2 * 3600_000 + 60_000);
    before = await calls();
    ok(await said(text));
    expect(await calls()).toBe(before + 1);
  });
});
