// The router through a fake adapter whose whole job is send(inbound): dedupe, who is
// acting, commands versus reports, bad input answered briefly, pressed cards updated.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Message } from '../handlers/messages.ts';
import { drainOutbox } from '../jobs/deliver.ts';
import type { OutgoingMessage, PlatformSender } from '../jobs/platform.ts';
import { type World, world } from '../test/world.ts';
import type { Inbound } from './inbound.ts';
import { inboundSchema } from './inbound.ts';
import { createRouter, type Router } from './router.ts';

let w: World;
let router: Router;
const sent: (OutgoingMessage & { id: string })[] = [];
const senders = new Map<string, PlatformSender>([
  [
    'lark',
    {
      platform: 'lark',
      ready: () => true,
      async send(out) {
        const id = `om_${sent.length + 1}`;
        sent.push({ ...out, id });
        return { messageId: id };
      },
    },
  ],
]);

beforeAll(async () => {
  w = await world();
  router = createRouter(w.ctx);
});
afterAll(async () => w?.close());

let n = 0;
const send = (x: Partial<Inbound> & { chatId: string; userId: string }) =>
  router.handle(
    inboundSchema.parse({
      platform: 'lark',
      eventId: x.eventId ?? `ev_${++n}`,
      chatId: x.chatId,
      messageId: x.messageId ?? `om_in_${n}`,
      sender: { userId: x.userId, name: x.sender?.name },
      text: x.text ?? '',
      mentionsBot: x.mentionsBot ?? false,
      images: x.images ?? [],
      action: x.action,
    }),
  );
const resident = {
  chatId: 'oc_sample_chenhui',
  userId: 'ou_resident_zhao',
  sender: { userId: 'ou_resident_zhao', name: '赵大爷' },
};
async function delivered(): Promise<(OutgoingMessage & { id: string })[]> {
  const before = sent.length;
  await drainOutbox(w.ctx, senders);
  return sent.slice(before);
}
const callCount = async () =>
  Number(
    (
      await w.t.db
        .selectFrom('calls')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('router', () => {
  it('turns an @-mention in a community chat into a call, once per platform event', async () => {
    const r = await send({
      ...resident,
      eventId: 'ev_dup',
      text: '晨辉路12号路灯不亮了，电话13812345678',
      mentionsBot: true,
    });
    expect(r.status).toBe('handled');
    expect(r.actor).toMatchObject({ role: 'resident', name: '赵大爷', unitCode: 'chenhui' });
    expect(
      await send({ ...resident, eventId: 'ev_dup', text: '晨辉路12号路灯不亮了', mentionsBot: true }),
    ).toEqual({ status: 'duplicate' });
    const out = await delivered();
    expect(out.map((o) => [o.chatId, o.message.kind])).toEqual([
      ['oc_sample_chenhui', 'draft'],
      ['oc_sample_jinhualu', 'triage'],
    ]);
    // a phone number is never shown in full to others
    const triage = out[1].message;
    expect(JSON.stringify(triage)).not.toContain('13812345678');
    expect(triage.fields).toContainEqual({
      label: '反映内容',
      value: '晨辉路12号路灯不亮了，电话138****5678',
    });
  });

  it('marks a report of someone in danger as urgent, and a routine report or a press as not', () => {
    const inbound = (x: Partial<Inbound>) =>
      inboundSchema.parse({ platform: 'lark', chatId: 'oc_x', sender: { userId: 'u' }, ...x });
    expect(
      router.urgent(inbound({ text: '3栋电梯卡在两层中间了里面有个老人出不来', mentionsBot: true })),
    ).toBe(true);
    expect(router.urgent(inbound({ text: '晨辉路12号路灯不亮了', mentionsBot: true }))).toBe(false);
    expect(router.urgent(inbound({ text: '', action: { command: '报到 0001' } }))).toBe(false);
  });

  it('ignores chatter without a mention, and unbound chats', async () => {
    const before = await callCount();
    expect((await send({ ...resident, text: '今天天气不错' })).status).toBe('ignored');
    expect(
      (await send({ chatId: 'oc_unknown', userId: 'ou_x', text: '路灯不亮', mentionsBot: true })).status,
    ).toBe('ignored');
    expect(await callCount()).toBe(before);
    expect(await delivered()).toEqual([]);
  });

  it('answers empty mentions, bare images, gibberish, long pastes and bad numbers briefly, creating nothing', async () => {
    const before = await callCount();
    const cases: [Partial<Inbound>, string][] = [
      [{ text: '', mentionsBot: true }, '请描述问题'],
      [{ text: '', mentionsBot: true, images: ['img_v2_1'] }, '请描述问题'],
      [{ text: '啊啊啊', mentionsBot: true }, '没看懂您反映的问题'],
      [{ text: 'asdf qwer', mentionsBot: true }, '没看懂您反映的问题'],
      [{ text: '路灯'.repeat(5000), mentionsBot: true }, '内容过长'],
      [{ text: '报到 12345678', mentionsBot: true }, '未能办理'],
      [{ text: '办结 0001', mentionsBot: true }, '还差一点'],
    ];
    for (const [x, title] of cases) {
      await send({ ...resident, ...x });
      const out = await delivered();
      expect(
        out.map((o) => o.message.title),
        JSON.stringify(x).slice(0, 60),
      ).toEqual([title]);
      expect(out[0].chatId).toBe('oc_sample_chenhui');
    }
    expect(await callCount()).toBe(before);
  });

  it('runs a pressed button as its command and updates the pressed card in place', async () => {
    await send({ ...resident, text: '晨辉路3号路灯坏了', mentionsBot: true });
    const triage = (await delivered()).find((o) => o.message.kind === 'triage')!;
    const press = (m: { id: string; message: Message }, label: string, userId: string, chatId: string) =>
      send({
        chatId,
        userId,
        messageId: m.id,
        action: { command: m.message.buttons!.find((b) => b.label === label)!.command },
      });
    const r = await press(triage, '按建议呼叫', 'ou_sample_liang', 'oc_sample_jinhualu');
    expect(r.status).toBe('handled');
    expect(r.cardUpdate?.buttons).toEqual([]);
    expect(r.cardUpdate?.note).toMatch(/^✓ 梁益莉 于 2026-11-23 10:00 办理：呼叫$/);
    const dispatch = (await delivered()).find((o) => o.message.kind === 'dispatch')!;
    expect(dispatch.chatId).toBe('oc_sample_cgw');
    expect(dispatch.mentions).toEqual([
      expect.objectContaining({ name: '城管联络员', platformUserId: 'ou_sample_cgw1' }),
    ]);
    // someone else's press is refused and the card stays as it is
    const wrong = await press(dispatch, '报到', 'ou_sample_liang', 'oc_sample_cgw');
    expect(wrong).toMatchObject({ status: 'refused', toast: '只有区城管委的联络员可以报到此呼叫' });
    expect(wrong.cardUpdate).toBeUndefined();
    expect((await press(dispatch, '报到', 'ou_sample_cgw1', 'oc_sample_cgw')).status).toBe('handled');
    // pressing again on the same card: told it is done, the card refreshed
    const again = await press(dispatch, '报到', 'ou_sample_cgw_head', 'oc_sample_cgw');
    expect(again).toMatchObject({ status: 'refused', toast: '区城管委已报到过此呼叫' });
    expect(again.cardUpdate?.note).toBe('此卡片已过期：区城管委已报到过此呼叫');
  });

  it('fills a submitted form into its command, with values the form offers', async () => {
    await send({ ...resident, text: '晨辉路5号路灯坏了', mentionsBot: true });
    const triage = (await delivered()).find((o) => o.message.kind === 'triage')!;
    const form = triage.message.form!;
    const submit = (values: Record<string, string>) =>
      send({
        chatId: 'oc_sample_jinhualu',
        userId: 'ou_sample_liang',
        messageId: triage.id,
        action: { command: form.command, template: form.command, form: values },
      });
    const r = await submit({ tier: '一般', lead: 'cgw', co: '' });
    expect(r.status).toBe('handled');
    const dispatch = (await delivered()).find((o) => o.message.kind === 'dispatch')!;
    expect(dispatch.chatId).toBe('oc_sample_cgw');
  });

  it('refuses a press the card never offered: a value not among its options, a forged command, another chat', async () => {
    await send({ ...resident, text: '晨辉路7号路灯坏了', mentionsBot: true });
    const triage = (await delivered()).find((o) => o.message.kind === 'triage')!;
    const form = triage.message.form!;
    const before = await w.t.db.selectFrom('call_events').select('id').execute();
    const cases: [Partial<Inbound>, RegExp][] = [
      // five scores packed into one select, as a forger would
      [
        { action: { command: form.command, template: form.command, form: { tier: '一般 好', lead: 'cgw' } } },
        /「等级」没有“一般 好”这个选项/,
      ],
      [
        { action: { command: form.command, template: form.command, form: { lead: 'nosuch' } } },
        /没有“nosuch”/,
      ],
      [
        { action: { command: form.command, template: form.command, form: { tier: '一般', extra: 'x' } } },
        /表单没有“extra”/,
      ],
      // a template of the forger's own
      [
        { action: { command: '-', template: '撤销 {no} {why}', form: { no: '0001', why: '不想办' } } },
        /没有这个操作/,
      ],
      [{ action: { command: `结案 ${triage.message.callNo}` } }, /没有这个操作/],
      // the right press, sent from another street's chat
      [{ chatId: 'oc_sample_cgw', action: { command: `呼叫 ${triage.message.callNo}` } }, /不是发到本群的/],
      // a card we never sent
      [{ messageId: 'om_never_sent', action: { command: `呼叫 ${triage.message.callNo}` } }, /卡片已失效/],
    ];
    for (const [x, reason] of cases) {
      const r = await send({
        chatId: 'oc_sample_jinhualu',
        userId: 'ou_sample_liang',
        messageId: triage.id,
        ...x,
      });
      expect(r.status, JSON.stringify(x)).toBe('refused');
      expect(r.toast, JSON.stringify(x)).toMatch(reason);
    }
    await delivered();
    expect(await w.t.db.selectFrom('call_events').select('id').execute()).toHaveLength(before.length);
  });

  it('answers 帮助 and 我的待办 for anyone, in any bound chat', async () => {
    await send({ chatId: 'oc_sample_cgw', userId: 'ou_sample_cgw1', text: '帮助', mentionsBot: true });
    await send({ chatId: 'oc_sample_cgw', userId: 'ou_sample_cgw1', text: '我的待办', mentionsBot: true });
    const out = await delivered();
    expect(out[0].message.title).toBe('呼应 · 使用说明');
    expect(out[0].message.text).toContain('报到 0001');
    expect(out[1].message.title).toMatch(/^城管联络员的待办（\d+）$/);
  });
});

describe('the inbox: deduplicated, and taken on by a live process when its first one died', () => {
  it('makes one call of one message delivered under three event ids', async () => {
    const before = await callCount();
    const results = [];
    for (const eventId of ['ev_m1', 'ev_m2', 'ev_m3'])
      results.push(
        await send({
          ...resident,
          eventId,
          messageId: 'om_same_message',
          text: '晨辉路9号井盖没了',
          mentionsBot: true,
        }),
      );
    expect(results.map((r) => r.status)).toEqual(['handled', 'duplicate', 'duplicate']);
    expect(await callCount()).toBe(before + 1);
    await delivered();
  });

  it('leaves an accepted event to its process while its claim lasts, then any process takes it on, once', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-12-01T02:00:00Z'));
      const dead = createRouter(w.ctx, { owner: 'dead-process' });
      const alive = createRouter(w.ctx, { owner: 'live-process' });
      const other = createRouter(w.ctx, { owner: 'another-live-process' });
      const before = await callCount();
      const event = inboundSchema.parse({
        platform: 'lark',
        eventId: 'ev_orphan',
        chatId: resident.chatId,
        messageId: 'om_orphan',
        sender: resident.sender,
        text: '晨辉路11号路灯不亮',
        mentionsBot: true,
      });
      // answered, then the process died before the work
      expect(await dead.accept(event)).toBe(true);
      expect(await alive.replay()).toBe(0);
      vi.setSystemTime(new Date('2026-12-01T02:00:16Z'));
      // two live processes look at once: one of them does the work
      const taken = await Promise.all([alive.replay(), other.replay()]);
      expect(taken.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
      expect(await callCount()).toBe(before + 1);
      const row = await w.t.db
        .selectFrom('inbound_events')
        .select(['state', 'attempts'])
        .where('event_id', '=', 'ev_orphan')
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ state: 'processed', attempts: 1 });
      // the first process comes back to it: done already
      expect((await dead.process(event)).status).toBe('duplicate');
      expect(await callCount()).toBe(before + 1);
      await delivered();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('refusals and hints are private', () => {
  it('answers a refused typed command to its sender alone, and a refused press with its toast only', async () => {
    const outbox = async () =>
      (
        await w.t.db
          .selectFrom('outbox')
          .select(['payload'])
          .where('kind', '=', 'message')
          .orderBy('id', 'desc')
          .limit(1)
          .execute()
      )[0].payload as { message: Message; privateTo?: string };
    const typed = await send({ chatId: 'oc_sample_cgw', userId: 'ou_sample_cgw1', text: '结案 0001' });
    expect(typed.status).toBe('refused');
    const answer = await outbox();
    expect(answer.message).toMatchObject({ title: '未能办理', private: true });
    expect(answer.privateTo).toBe('ou_sample_cgw1');
    // where the platform cannot hide it, it is at least addressed by name
    expect(answer.message.mentions).toEqual([expect.objectContaining({ name: '城管联络员' })]);
    await delivered();
    // a button pressed by the wrong person: the toast says why, the group hears nothing
    await send({ ...resident, text: '晨辉路31号路灯坏了', mentionsBot: true });
    const triage = (await delivered()).find((o) => o.message.kind === 'triage')!;
    const pressed = await send({
      chatId: 'oc_sample_jinhualu',
      userId: 'ou_sample_cgw1',
      messageId: triage.id,
      action: { command: triage.message.buttons![0].command },
    });
    expect(pressed.status).toBe('refused');
    expect(pressed.toast).toMatch(/只有锦华路街道的工作人员可以/);
    expect(await delivered()).toEqual([]);
  });

  it('works a backlog of events together: one person in order, newcomers registered once, answers and calls written', async () => {
    const before = await callCount();
    const ev = (userId: string, chatId: string, text: string, name?: string) => ({
      inbound: inboundSchema.parse({
        platform: 'lark',
        eventId: `ev_batch_${++n}`,
        chatId,
        messageId: `om_batch_${n}`,
        sender: { userId, name },
        text,
        mentionsBot: true,
        images: [],
      }),
    });
    const list = [
      ev('ou_batch_new', 'oc_sample_chenhui', '晨辉路30号门口垃圾堆了三天没人收', '钱阿姨'),
      ev('ou_batch_a', 'oc_sample_chenhui', '锦华路88号的路灯晚上不亮', '孙先生'),
      ev('ou_batch_new', 'oc_sample_chenhui', '还有晨辉社区5栋楼下的下水道堵了，臭得很', '钱阿姨'),
      ev('ou_batch_b', 'oc_sample_chenhui', '请问怎么查我反映的问题办到哪了？', '李先生'),
      ev('ou_batch_guest', 'oc_sample_jinhualu', '请问这个群是做什么的？'),
      ev('ou_batch_c', 'oc_sample_chenhui', '晨辉路12号人行道的地砖翘起来了，容易绊倒人', '周女士'),
      ev('ou_batch_d', 'oc_sample_chenhui', '晨辉社区3栋电梯卡在两层中间了，里面有个老人出不来', '吴先生'),
    ];
    for (const e of list) await router.accept(e.inbound);
    const results = await router.processMany(list);
    expect(results.map((r) => r.status)).toEqual(list.map(() => 'fulfilled'));
    const values = results.map((r) => (r as PromiseFulfilledResult<{ status: string }>).value.status);
    expect(values).toEqual(list.map(() => 'handled'));
    expect(await callCount()).toBe(before + 5);
    // the newcomer is one person, whose two reports are theirs, in the order they came
    const mine = await w.t.db
      .selectFrom('calls as c')
      .innerJoin('person_identities as i', 'i.person_id', 'c.reporter_person_id')
      .select(['c.no', 'c.text', 'i.person_id'])
      .where('i.platform_user_id', '=', 'ou_batch_new')
      .orderBy('c.no')
      .execute();
    expect(mine.map((c) => c.text.slice(0, 4))).toEqual(['晨辉路3', '还有晨辉']);
    expect(new Set(mine.map((c) => c.person_id)).size).toBe(1);
    const namesakes = await w.t.db.selectFrom('people').select('id').where('name', '=', '钱阿姨').execute();
    expect(namesakes).toHaveLength(1);
    // the guest in the street chat is answered and not registered
    const guest = await w.t.db
      .selectFrom('person_identities')
      .select('person_id')
      .where('platform_user_id', '=', 'ou_batch_guest')
      .execute();
    expect(guest).toEqual([]);
    // every event is done, and every one of them was answered
    const done = await w.t.db
      .selectFrom('inbound_events')
      .select(['state'])
      .where(
        'event_id',
        'in',
        list.map((e) => e.inbound.eventId!),
      )
      .execute();
    expect(done.map((d) => d.state)).toEqual(list.map(() => 'processed'));
    const out = await delivered();
    const repliedTo = new Set(out.map((o) => o.replyTo).filter(Boolean));
    for (const e of list) expect(repliedTo).toContain(e.inbound.messageId);
    expect(out.filter((o) => o.message.kind === 'triage')).toHaveLength(5);
    // the emergency among them went straight to the leaders, with a copy to the office
    const emergency = await w.t.db
      .selectFrom('calls')
      .select(['no', 'state', 'tier'])
      .where('source_message_id', '=', list[6].inbound.messageId!)
      .executeTakeFirstOrThrow();
    expect(emergency).toMatchObject({ state: 'called', tier: 'emergency' });
    const about = out.filter((o) => o.message.callNo === emergency.no).map((o) => o.chatId);
    expect(about).toEqual(expect.arrayContaining(['oc_sample_leaders', 'oc_sample_office']));
  });
});
