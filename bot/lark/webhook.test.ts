// The webhook on a real database with the fake Open API: signed, encrypted events become calls and
// cards; duplicates, forgeries, stale, malformed and unknown requests get the right answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { larkEvent, larkIds } from '../../test/fakes/lark-events.ts';
import {
  cardActions,
  ENCRYPT_KEY,
  type LarkHarness,
  larkHarness,
  VERIFICATION_TOKEN,
} from '../../test/harness/lark.ts';

const REPORT = '晨辉路12号路灯不亮了，晚上很黑';
const resident = 'ou_resident_webhook';

async function counts(h: LarkHarness) {
  const n = async (t: 'calls' | 'inbound_events' | 'outbox') =>
    Number(
      (
        await h.t.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { calls: await n('calls'), inbound: await n('inbound_events'), outbox: await n('outbox') };
}

describe('Lark webhook: requests', () => {
  let h: LarkHarness;
  beforeAll(async () => {
    h = await larkHarness();
  });
  afterAll(() => h?.close());

  it('turns a signed, encrypted @-mention into a call: draft reply in the community, triage card to the street', async () => {
    const messageId = larkIds.messageId();
    const started = performance.now();
    const res = await h.say({ chatId: 'oc_sample_chenhui', senderOpenId: resident, text: REPORT, messageId });
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(await h.deliver()).toBe(2);
    const draft = h.fake.sent.find((s) => s.chat_id === 'oc_sample_chenhui')!;
    expect(draft).toMatchObject({ reply_to: messageId, msg_type: 'interactive' });
    expect((draft.content as any).header.title.content).toMatch(/^已收到反映 JJ-\d{8}-\d{4}$/);
    const triage = h.cardsIn('oc_sample_jinhualu')[0].card;
    expect(triage.header.title.content).toMatch(/^新呼叫待研判/);
    expect(cardActions(triage).map((a) => a.label)).toContain('按建议呼叫');
    const call = await h.t.db.selectFrom('calls').selectAll().executeTakeFirstOrThrow();
    expect(call).toMatchObject({
      state: 'reported',
      source_chat_id: 'oc_sample_chenhui',
      source_message_id: messageId,
    });
    expect(call.text).toBe(REPORT);
  });

  it('records a redelivered event once and does nothing more', async () => {
    const before = await counts(h);
    const event = larkEvent.message({
      chatId: 'oc_sample_chenhui',
      senderOpenId: resident,
      text: '@_user_1 金像社区门口积水很深',
      mentions: [{ openId: h.fake.botOpenId }],
    });
    for (let i = 0; i < 3; i++) expect((await h.post(event)).status).toBe(200);
    await h.events.idle();
    // Lark retries much later too, after processing
    expect((await h.post(event)).status).toBe(200);
    await h.deliver();
    const after = await counts(h);
    expect(after.calls - before.calls).toBe(1);
    expect(after.inbound - before.inbound).toBe(1);
    expect(after.outbox - before.outbox).toBe(2);
  });

  it('refuses forged, unsigned and stale requests with 401, and records nothing', async () => {
    const before = await counts(h);
    const event = () =>
      larkEvent.message({
        chatId: 'oc_sample_chenhui',
        senderOpenId: resident,
        text: '@_user_1 伪造',
        mentions: [{ openId: h.fake.botOpenId }],
      });
    const forged = await h.post(event(), { signWith: 'not the key' });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ error: 'bad_signature' });
    const unsigned = await h.post(event(), { unsigned: true });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toMatchObject({ error: 'missing_signature' });
    const old = String(Math.floor(Date.now() / 1000) - 301);
    const stale = await h.post(event(), { timestamp: old });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: 'stale' });
    const future = await h.post(event(), { timestamp: String(Math.floor(Date.now() / 1000) + 400) });
    expect(future.status).toBe(401);
    const wrongToken = await h.post(
      larkEvent.message({
        chatId: 'oc_sample_chenhui',
        senderOpenId: resident,
        text: 'x',
        token: 'other-token',
      }),
    );
    expect(wrongToken.status).toBe(401);
    expect(await wrongToken.json()).toMatchObject({ error: 'bad_token' });
    expect(await counts(h)).toEqual(before);
  });

  it('answers malformed and undecryptable bodies with 400 and a reason', async () => {
    const { signedRequest } = await import('../../test/fakes/lark-events.ts');
    const raw = async (body: string) => {
      // sign exactly these bytes
      const { signLarkRequest } = await import('./crypto.ts');
      const ts = String(Math.floor(Date.now() / 1000));
      return h.app.request('/webhooks/lark', {
        method: 'POST',
        body,
        headers: {
          'X-Lark-Request-Timestamp': ts,
          'X-Lark-Request-Nonce': 'n',
          'X-Lark-Signature': signLarkRequest(ENCRYPT_KEY, body, ts, 'n'),
        },
      });
    };
    const cases: [string, string][] = [
      ['{not json', 'malformed'],
      ['[1,2]', 'malformed'],
      [JSON.stringify({ encrypt: 'bm90IGVuY3J5cHRlZA==' }), 'bad_encryption'],
      [JSON.stringify({ encrypt: 42 }), 'bad_encryption'],
    ];
    for (const [body, error] of cases) {
      const res = await raw(body);
      expect(res.status, body).toBe(400);
      const json = (await res.json()) as { error: string; reason: string };
      expect(json.error, body).toBe(error);
      expect(json.reason.length).toBeGreaterThan(5);
    }
    // Encrypted with another key but signed with ours: cannot be read.
    const wrongKey = signedRequest({ a: 1 }, { encryptKey: 'another key', encrypt: true });
    const res = await raw(wrongKey.body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_encryption' });
    // A message event without what a message needs.
    const broken = larkEvent.message({
      chatId: 'oc_sample_chenhui',
      senderOpenId: resident,
      text: 'x',
    }) as any;
    delete broken.event.message.chat_id;
    const bad = await h.post(broken);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: 'malformed_event',
      reason: expect.stringMatching(/chat_id/),
    });
  });

  it('refuses bodies over 1 MB with 413, by header or by counting', async () => {
    const big = JSON.stringify({ encrypt: 'A'.repeat(1024 * 1024 + 10) });
    const byHeader = await h.app.request('/webhooks/lark', {
      method: 'POST',
      body: big,
      headers: { 'Content-Length': String(big.length) },
    });
    expect(byHeader.status).toBe(413);
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const counted = await h.app.request('/webhooks/lark', {
      method: 'POST',
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(counted.status).toBe(413);
  });

  it('acknowledges unknown events with 200 and ignores them', async () => {
    const before = await counts(h);
    const unknown = larkEvent.message({
      chatId: 'oc_sample_chenhui',
      senderOpenId: resident,
      text: 'x',
    }) as any;
    unknown.header.event_type = 'im.chat.member.bot.added_v1';
    const res = await h.post(unknown);
    expect(res.status).toBe(200);
    const legacy = await h.post({ uuid: 'u', token: VERIFICATION_TOKEN, event: { type: 'message' } });
    expect(legacy.status).toBe(200);
    expect(await counts(h)).toEqual(before);
  });

  it('ignores group messages that do not mention the bot, and chats nobody bound', async () => {
    await h.deliver();
    const before = await counts(h);
    await h.say({
      chatId: 'oc_sample_chenhui',
      senderOpenId: resident,
      text: '今天天气不错',
      mention: false,
    });
    await h.say({ chatId: larkIds.chatId(), senderOpenId: resident, text: '路灯不亮' });
    await h.deliver();
    const after = await counts(h);
    expect(after.calls).toBe(before.calls);
    expect(after.outbox).toBe(before.outbox);
  });

  it('answers URL verification, plain and encrypted, only with the right token', async () => {
    const plain = larkEvent.urlVerification({ challenge: 'ch-1', token: VERIFICATION_TOKEN });
    const ok = await h.post(plain, { encrypt: false, unsigned: true });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ challenge: 'ch-1' });
    const wrong = await h.post(larkEvent.urlVerification({ token: 'nope' }), {
      encrypt: false,
      unsigned: true,
    });
    expect(wrong.status).toBe(401);
    const enc = larkEvent.urlVerificationEncrypted(ENCRYPT_KEY, {
      challenge: 'ch-2',
      token: VERIFICATION_TOKEN,
    });
    const encOk = await h.app.request('/webhooks/lark', { method: 'POST', body: JSON.stringify(enc.body) });
    expect(await encOk.json()).toEqual({ challenge: 'ch-2' });
    const encWrong = larkEvent.urlVerificationEncrypted(ENCRYPT_KEY, { token: 'nope' });
    expect(
      (await h.app.request('/webhooks/lark', { method: 'POST', body: JSON.stringify(encWrong.body) })).status,
    ).toBe(401);
    // signed as well, as Lark may send it
    const signedOk = await h.post(
      larkEvent.urlVerification({ challenge: 'ch-3', token: VERIFICATION_TOKEN }),
    );
    expect(await signedOk.json()).toEqual({ challenge: 'ch-3' });
  });
});

describe('Lark webhook without an encrypt key (development)', () => {
  let h: LarkHarness;
  beforeAll(async () => {
    h = await larkHarness({ encryptKey: undefined });
  });
  afterAll(() => h?.close());

  it('takes plain events, checking the verification token', async () => {
    expect((await h.say({ chatId: 'oc_sample_chenhui', senderOpenId: resident, text: REPORT })).status).toBe(
      200,
    );
    await h.deliver();
    expect(h.fake.sent).toHaveLength(2);
    const wrong = await h.post(
      larkEvent.message({ chatId: 'oc_sample_chenhui', senderOpenId: resident, text: 'x', token: 'bad' }),
    );
    expect(wrong.status).toBe(401);
    // An encrypted body cannot be read without the key.
    const enc = larkEvent.urlVerificationEncrypted(ENCRYPT_KEY, { token: VERIFICATION_TOKEN });
    const res = await h.app.request('/webhooks/lark', { method: 'POST', body: JSON.stringify(enc.body) });
    expect(res.status).toBe(400);
  });
});
