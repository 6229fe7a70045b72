// A general call walked over WeChat text alone, on the wechaty mock puppet: a resident's @ in
// 东湖社区居民群 → the street's 呼叫 → 城管委's 报到 and 办结 → 结案 → 评分 → archived; the bot
// answers in each room with the exact words to reply, and ignores itself and unbound rooms.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../config/clock.ts';
import { formatShanghai } from '../../handlers/worktime.ts';
import { type WechatWorld, wechatWorld } from '../harness/wechat.ts';

let w: WechatWorld;
beforeAll(async () => {
  w = await wechatWorld();
});
afterAll(async () => w?.close());

const calls = () => w.t.db.selectFrom('calls').selectAll().orderBy('id').execute();
const eventsOf = async (no: string) =>
  (
    await w.t.db
      .selectFrom('call_events as e')
      .innerJoin('calls as c', 'c.id', 'e.call_id')
      .select('e.kind')
      .where('c.no', '=', no)
      .orderBy('e.id')
      .execute()
  ).map((e) => e.kind);
const inboundCount = async () =>
  Number(
    (
      await w.t.db
        .selectFrom('inbound_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('platform', '=', 'wechat')
        .executeTakeFirstOrThrow()
    ).n,
  );
const last = (room: Parameters<WechatWorld['heard']>[0]) => w.heard(room).at(-1) ?? '';

describe('a general call over WeChat text alone', () => {
  let no = '';
  let short = '';

  it('turns a resident’s @ in the community room into a call and answers in the room', async () => {
    const { resident } = w.people;
    await w.say(resident, w.rooms.community, '东湖路8号路灯不亮，晚上很黑', { mention: true });
    const [call] = await calls();
    expect(call).toMatchObject({ state: 'reported', tier: 'general', street_code: 'donghu' });
    expect(call.text).not.toContain('@呼应');
    no = call.no;
    short = no.slice(-4);

    const reporter = await w.t.db
      .selectFrom('people')
      .selectAll()
      .where('id', '=', call.reporter_person_id!)
      .executeTakeFirstOrThrow();
    expect(reporter).toMatchObject({ name: '王阿姨', role: 'resident', unit_code: 'donghu_c' });

    expect(await w.deliver()).toBeGreaterThanOrEqual(2);
    expect(last('community')).toContain(`【已收到反映 ${no}】`);
    expect(last('community')).toContain(`回复「查询 ${short}」`);
    const triage = last('street');
    expect(triage).toContain(`【新呼叫待研判 ${no}】`);
    expect(triage).toContain('反映内容：东湖路8号路灯不亮，晚上很黑');
    expect(triage).toContain(`按建议呼叫：回复「呼叫 ${short}」`);
    expect(triage).toContain(`回复「撤销 ${short} 撤销理由」`);
    expect(triage).toContain(`按所选呼叫：回复「呼叫 ${short} 一般 区城管委」`);
  });

  it('calls the department from the street room with 呼叫 and @-mentions who must act', async () => {
    await w.say(w.people.staff, w.rooms.street, `呼叫 ${short}`);
    expect((await calls())[0].state).toBe('dispatched');
    await w.deliver();
    const dispatch = last('cgw');
    expect(dispatch).toContain(`【新呼叫请报到 ${no}】`);
    expect(dispatch).toContain(`回复「报到 ${short}」`);
    expect(dispatch).toContain(`回复「退回 ${short} 退回理由（错派原因）」`);
    // 城管小李 is a room member found by name (a real @); 城管联络员 is on Lark only (an @ in text).
    expect(dispatch.startsWith('@城管小李')).toBe(true);
    expect(dispatch).toContain('@城管联络员');
  });

  it('takes 报到, 进展 and 办结 in the department room', async () => {
    const { liaison } = w.people;
    await w.say(liaison, w.rooms.cgw, `报到 ${short}`);
    expect((await calls())[0].state).toBe('acknowledged');
    await w.deliver();
    expect(last('cgw')).toContain(`回复「办结 ${short} 办理结果」`);
    await w.say(liaison, w.rooms.cgw, `进展 ${short} 已派人到现场查看`);
    await w.say(liaison, w.rooms.cgw, `办结 ${short} 已更换灯泡，恢复照明`);
    expect((await calls())[0].state).toBe('resolved');
    await w.deliver();
    const close = last('street');
    expect(close).toContain('区城管委办理结果：已更换灯泡，恢复照明');
    expect(close).toContain(`回复「结案 ${short}」`);
    expect(close).toContain(`回复「重办 ${short} 重办理由」`);
  });

  it('closes, scores by text and archives', async () => {
    const { staff, resident } = w.people;
    await w.say(staff, w.rooms.street, `结案 ${short}`);
    expect((await calls())[0].state).toBe('closed');
    await w.deliver();
    const card = w.heard('street').find((t) => t.startsWith(`【逆向评议：区城管委 ${no}】`));
    expect(card).toBeDefined();
    expect(card).toContain(`提交评分：回复「评分 ${short} 城管委 20 20 20 20 20 意见…」`);
    expect(card).toContain(
      '依次为：报到、专业性、担当意识、配合度、办理结果，各0–20分；最后是意见（低分须写理由）',
    );
    expect(last('community')).toContain(`回复「满意 ${short}」`);

    await w.say(staff, w.rooms.street, `评分 ${short} cgw 20 18 20 19 20 处置及时`);
    expect((await calls())[0].state).toBe('archived');
    await w.say(resident, w.rooms.community, `满意 ${short}`);
    expect(await eventsOf(no)).toEqual([
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
    await w.deliver();
    expect(last('street')).toContain(`【已评分 ${no}】`);
  });

  it('posts the month’s bulletin to the office room as text and its chart as a picture', async () => {
    const { publishMonthlyBulletin } = await import('../../handlers/reports/bulletin.ts');
    const { generatedImages } = await import('../../handlers/images.ts');
    const month = formatShanghai(w.services.ctx.clock.now()).slice(0, 7);
    await publishMonthlyBulletin(w.services.ctx, month);
    expect(await w.deliver()).toBeGreaterThanOrEqual(1);
    const text = last('office');
    expect(text).toContain('部门排名');
    // the scored call above: 区城管委 with 97 points
    expect(text).toMatch(/区城管委[^\n]*97/);
    const files = await w.files('office');
    const chart = (await generatedImages(w.services.ctx)(`chart:bulletin:${month}`))!;
    expect(files.map((f) => f.name)).toEqual([`huying-bulletin-${month}.png`]);
    expect(files[0].bytes.equals(chart.bytes)).toBe(true);
    expect(files[0].bytes.readUInt32BE(16)).toBeGreaterThan(100); // PNG width
  });
});

describe('photos before a report', () => {
  it('a report takes the photos its sender posted just before, in the same room', async () => {
    const { resident, staff } = w.people;
    const photo = await w.photo(resident, w.rooms.community);
    // someone else's photo, and a photo in another room, stay out of it
    await w.photo(staff, w.rooms.community);
    await w.photo(resident, w.rooms.street);
    await w.say(resident, w.rooms.community, '东湖路口的井盖破损了', { mention: true });
    const call = (await calls()).at(-1)!;
    expect(call.text).toBe('东湖路口的井盖破损了');
    expect(call.images).toEqual([`wechat-image:${photo}`]);
    await w.deliver();
    const triage = w.heard('street').find((t) => t.includes(call.no));
    expect(triage).toContain('现场图片：1 张（见反映人所在群的原消息）');

    // taken once: the next report has none; a photo older than ten minutes is not taken
    await w.say(resident, w.rooms.community, '东湖路口的路灯也不亮', { mention: true });
    expect((await calls()).at(-1)!.images).toEqual([]);
    await w.photo(resident, w.rooms.community);
    await (w.services.ctx.clock as ManualClock).advance(11 * 60_000);
    await w.say(resident, w.rooms.community, '东湖路口有垃圾堆积', { mention: true });
    expect((await calls()).at(-1)!.images).toEqual([]);
    await w.deliver();
  });
});

describe('what the bot does not take', () => {
  it('ignores its own messages, chatter without an @ or a command, and unbound rooms', async () => {
    const before = await inboundCount();
    const callsBefore = (await calls()).length;
    // The bot's own texts are echoed back by the mock as room messages; none became an event.
    expect(w.heard('street').length).toBeGreaterThan(3);
    await w.say(w.people.resident, w.rooms.community, '今天天气不错');
    await w.say(w.people.stranger, w.rooms.unbound, '楼下路灯不亮', { mention: true });
    await w.say(w.people.stranger, w.rooms.unbound, `报到 0001`);
    expect(await inboundCount()).toBe(before);
    expect((await calls()).length).toBe(callsBefore);
    expect(await w.deliver()).toBe(0);
    expect(w.heard('unbound')).toEqual([]);
  });

  it('answers a command with something missing with the format, in the room', async () => {
    await w.say(w.people.liaison, w.rooms.cgw, '办结');
    await w.deliver();
    expect(last('cgw')).toContain('格式：办结 0001 办理结果');
  });

  it('takes each message once even when WeChat delivers it again', async () => {
    const before = await inboundCount();
    const id = await w.say(w.people.resident, w.rooms.community, '查询 0001');
    expect(await inboundCount()).toBe(before + 1);
    const r = await w.services.router.handle({
      platform: 'wechat',
      eventId: id,
      chatId: `topic:${'东湖社区居民群'}`,
      sender: { userId: w.people.resident.id },
      text: '查询 0001',
      mentionsBot: false,
      images: [],
      p2p: false,
    });
    expect(r.status).toBe('duplicate');
  });
});
