// The router through a fake adapter whose whole job is send(inbound): dedupe, who is
// acting, commands versus reports, bad input answered briefly, pressed cards updated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it('fills a submitted form into its command', async () => {
    const r = await send({
      chatId: 'oc_sample_jinhualu',
      userId: 'ou_sample_liang',
      action: {
        command: '-',
        template: '呼叫 {no} {tier} {lead}',
        form: { no: '9999', tier: '一般', lead: 'cgw' },
      },
    });
    expect(r).toMatchObject({ status: 'refused', toast: '没有找到呼叫单 9999' });
    expect((await delivered()).map((o) => o.message.text).at(-1)).toBe('没有找到呼叫单 9999');
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
