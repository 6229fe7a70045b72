// Card callbacks through the webhook: the answer carries a toast and the updated card within the
// budget; a slow action answers at once and patches the card through the outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOutboxRow, drainOutbox } from '../../jobs/deliver.ts';
import { SendError } from '../../jobs/platform.ts';
import { larkIds } from '../../test/fakes/lark-events.ts';
import { cardActions, type LarkHarness, larkHarness } from '../../test/harness/lark.ts';

/** Report, deliver, press 按建议呼叫, deliver: returns the dispatch card in the department's chat. */
async function dispatched(h: LarkHarness, text: string) {
  await h.say({ chatId: 'oc_sample_chenhui', senderOpenId: larkIds.openId(), text });
  await h.deliver();
  const triage = h.cardsIn('oc_sample_jinhualu').at(-1)!;
  const call = cardActions(triage.card).find((a) => a.label === '按建议呼叫')!;
  const res = await h.click({
    messageId: triage.message_id,
    chatId: 'oc_sample_jinhualu',
    operatorOpenId: 'ou_sample_liang',
    value: call.value,
  });
  expect(await res.json()).toMatchObject({ toast: { type: 'success' } });
  await h.deliver();
  return h.cardsIn('oc_sample_cgw').at(-1)!;
}

describe('Lark card callbacks', () => {
  let h: LarkHarness;
  beforeAll(async () => {
    h = await larkHarness();
  });
  afterAll(() => h?.close());

  it('报到 from the liaison acknowledges and answers with a toast and the updated card', async () => {
    const card = await dispatched(h, '晨辉路12号路灯不亮了');
    expect(JSON.stringify(card.card)).toContain('<at id=ou_sample_cgw1></at>');
    const ack = cardActions(card.card).find((a) => a.label === '报到')!;
    const eventId = larkIds.eventId();
    const started = performance.now();
    const res = await h.click({
      messageId: card.message_id,
      chatId: 'oc_sample_cgw',
      operatorOpenId: 'ou_sample_cgw1',
      value: ack.value,
      eventId,
    });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.toast).toEqual({ type: 'success', content: expect.stringMatching(/^已办理 JJ-/) });
    expect(body.card.type).toBe('raw');
    expect(body.card.data.schema).toBe('2.0');
    expect(JSON.stringify(body.card.data)).toMatch(/城管联络员 于 .* 办理：报到/);
    expect(cardActions(body.card.data)).toEqual([]);
    const call = await h.t.db
      .selectFrom('assignments')
      .select('state')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(call.state).toBe('acknowledged');

    // Lark retries the same callback: nothing happens twice.
    const again = await h.click({
      messageId: card.message_id,
      chatId: 'oc_sample_cgw',
      operatorOpenId: 'ou_sample_cgw1',
      value: ack.value,
      eventId,
    });
    expect(await again.json()).toEqual({});
    const acks = await h.t.db
      .selectFrom('call_events')
      .select('id')
      .where('kind', '=', 'acknowledged')
      .execute();
    expect(acks).toHaveLength(1);

    // Pressed again later (a new event): the call has moved on; refused, with the refreshed card.
    const late = (await (
      await h.click({
        messageId: card.message_id,
        chatId: 'oc_sample_cgw',
        operatorOpenId: 'ou_sample_cgw1',
        value: ack.value,
      })
    ).json()) as any;
    expect(late.toast.type).toBe('warning');
    expect(JSON.stringify(late.card.data)).toContain('此卡片已过期');
  });

  it('refuses someone who may not act, changing nothing', async () => {
    const card = await dispatched(h, '锦华路88号路灯坏了好几天');
    const ack = cardActions(card.card).find((a) => a.label === '报到')!;
    const res = (await (
      await h.click({
        messageId: card.message_id,
        chatId: 'oc_sample_cgw',
        operatorOpenId: 'ou_sample_liang',
        value: ack.value,
      })
    ).json()) as any;
    expect(res.toast.type).toBe('warning');
    const a = await h.t.db
      .selectFrom('assignments')
      .select('state')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(a.state).toBe('dispatched');
  });

  it('classifies a rate-limited delivery for retry, and the retry goes through', async () => {
    await h.deliver();
    await h.say({
      chatId: 'oc_sample_chenhui',
      senderOpenId: larkIds.openId(),
      text: '东光社区5号楼下垃圾堆成山了',
    });
    await h.events.idle();
    const sentBefore = h.fake.sent.length;
    h.fake.failNext(1, 'rate_limit');
    const e = await drainOutbox(h.ctx, h.senders).catch((x) => x);
    expect(e).toBeInstanceOf(SendError);
    expect(e.kind).toBe('rate_limited');
    expect(await drainOutbox(h.ctx, h.senders)).toBe(2);
    expect(h.fake.sent.length - sentBefore).toBe(2);
  });
});

describe('Lark card callbacks that outrun the budget', () => {
  let h: LarkHarness;
  beforeAll(async () => {
    // No time at all: every action answers at once and finishes in the background.
    h = await larkHarness({ cardBudgetMs: 0 });
  });
  afterAll(() => h?.close());

  it('answers with a toast now and patches the card through the outbox when done', async () => {
    await h.say({
      chatId: 'oc_sample_chenhui',
      senderOpenId: larkIds.openId(),
      text: '晨辉路12号路灯不亮了',
    });
    await h.deliver();
    const triage = h.cardsIn('oc_sample_jinhualu').at(-1)!;
    const call = cardActions(triage.card).find((a) => a.label === '按建议呼叫')!;
    const res = await h.click({
      messageId: triage.message_id,
      chatId: 'oc_sample_jinhualu',
      operatorOpenId: 'ou_sample_liang',
      value: call.value,
    });
    expect(await res.json()).toEqual({ toast: { type: 'info', content: '正在办理，稍后更新卡片' } });
    await h.events.idle();
    const row = await h.t.db
      .selectFrom('outbox')
      .selectAll()
      .where('kind', '=', 'card_update')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ platform: 'lark', chat_id: 'oc_sample_jinhualu', state: 'pending' });
    expect(row.payload).toMatchObject({ platformMessageId: triage.message_id, message: { kind: 'triage' } });
    expect(row.idempotency_key).toMatch(/^lark:card_update:/);
    await deliverOutboxRow(h.ctx, h.senders, row);
    expect(h.fake.patched).toHaveLength(1);
    expect(h.fake.patched[0].message_id).toBe(triage.message_id);
    expect(JSON.stringify(h.fake.patched[0].content)).toMatch(/梁益莉 于 .* 办理：呼叫/);
  });
});
