// The callback URL against requests made as WeCom makes them (@wecom/crypto): the URL check,
// signatures, staleness, the receive id, malformed bodies, duplicates; and the sender's routes,
// fallbacks and WeCom's refusals classified by whose fault they are.
import { encrypt, getSignature } from '@wecom/crypto';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import type { Ctx } from '../../handlers/context.ts';
import { SendError } from '../../jobs/platform.ts';
import { freshDb, rowCount, type TestDb } from '../../test/db.ts';
import {
  type FakeWecom,
  messageCallback,
  signedCallback,
  startFakeWecom,
  urlCheck,
} from '../../test/fakes/wecom-api.ts';
import { GROUPS, USERS, wecomDistrict } from '../../test/harness/wecom.ts';
import { createRouter } from '../router.ts';
import { createWecomEvents, type WecomEvents } from './events.ts';
import { WecomSender } from './sender.ts';
import { wecomWebhook } from './webhook.ts';

describe('the WeCom callback URL', () => {
  let t: TestDb;
  let fake: FakeWecom;
  let events: WecomEvents;
  let app: Hono;

  beforeAll(async () => {
    fake = await startFakeWecom();
    t = await freshDb({ district: wecomDistrict().district });
    const ctx: Ctx = { db: t.db, district: t.district, clock: systemClock, log: silentLogger };
    events = createWecomEvents({ ctx, router: createRouter(ctx), botName: '呼应', exclusive: t.embedded });
    app = new Hono().route(
      '/wh',
      wecomWebhook({ token: fake.token, aesKey: fake.aesKey, botId: fake.botId, events, log: silentLogger }),
    );
  });
  afterAll(async () => {
    await events?.idle();
    await fake?.close();
    await t?.close();
  });

  const post = (req: { query: string; body: string }) =>
    app.request(`/wh?${req.query}`, {
      method: 'POST',
      body: req.body,
      headers: { 'Content-Type': 'application/json' },
    });
  const report = () =>
    messageCallback(fake, { chatId: GROUPS.community, userId: USERS.resident, text: '晨辉路3号井盖松动' });

  it('answers the URL check with the decrypted echostr, as it is', async () => {
    const res = await app.request(`/wh?${urlCheck(fake, '1616140317555161061')}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('1616140317555161061');
    const forged = urlCheck({ token: 'someoneelse', aesKey: fake.aesKey }, 'x');
    expect((await app.request(`/wh?${forged}`)).status).toBe(401);
  });

  it('records a signed callback once, answering empty at once', async () => {
    const before = await rowCount(t.db, 'inbound_events');
    const cb = report();
    const res = await post(signedCallback(fake, cb));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect((await post(signedCallback(fake, cb))).status).toBe(200);
    await events.idle();
    expect(await rowCount(t.db, 'inbound_events')).toBe(before + 1);
  });

  it('refuses forgeries, stale and malformed requests, and changes nothing', async () => {
    const before = await rowCount(t.db, 'inbound_events');
    const refused = async (req: { query: string; body: string }, status: number, error: string) => {
      const res = await post(req);
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ error });
    };
    await refused(signedCallback(fake, report(), { signWith: 'forged' }), 401, 'bad_signature');
    await refused(
      signedCallback(fake, report(), { timestamp: Math.floor(Date.now() / 1000) - 3600 }),
      401,
      'stale',
    );
    await refused({ query: '', body: JSON.stringify({ encrypt: 'abc' }) }, 401, 'missing_signature');
    await refused({ ...signedCallback(fake, report()), body: '{' }, 400, 'malformed');
    // encrypted with another key: the signature holds, the plaintext does not
    const other = signedCallback({ token: fake.token, aesKey: 'a'.repeat(43) }, report());
    await refused(other, 400, 'bad_encryption');
    // encrypted for another receiver (an app's corpid): not ours
    const ciphertext = encrypt(fake.aesKey, JSON.stringify(report()), 'wwcorp');
    const ts = String(Math.floor(Date.now() / 1000));
    await refused(
      {
        query: new URLSearchParams({
          msg_signature: getSignature(fake.token, ts, '1', ciphertext),
          timestamp: ts,
          nonce: '1',
        }).toString(),
        body: JSON.stringify({ encrypt: ciphertext }),
      },
      400,
      'bad_encryption',
    );
    await refused(signedCallback(fake, { ...report(), from: {} }), 400, 'malformed_event');
    await refused(signedCallback(fake, { ...report(), aibotid: 'another-bot' }), 401, 'wrong_bot');
    expect(await rowCount(t.db, 'inbound_events')).toBe(before);
  });
});

describe('the WeCom sender', () => {
  let fake: FakeWecom;
  let sender: WecomSender;
  beforeAll(async () => {
    fake = await startFakeWecom();
    const key = fake.addGroup(GROUPS.street);
    sender = new WecomSender({
      apiBase: fake.url,
      botName: '呼应',
      webhooks: { [GROUPS.street]: key },
      log: silentLogger,
    });
  });
  afterAll(() => fake?.close());

  const message = (n: number) => ({
    kind: 'notice',
    title: `通知 ${n}`,
    tone: 'info' as const,
    text: '请处理',
    buttons: [{ label: '报到', command: 'report-in JJ-20261201-0001' }],
  });
  const out = (n: number, replyTo: string | null = null) => ({
    chatId: GROUPS.street,
    message: message(n),
    replyTo,
    idempotencyKey: `k${n}`,
    mentions: [{ personId: '1', name: '梁益莉', platformUserId: USERS.staff }],
  });

  it('answers by response_url with a card, once; then by the group webhook with the words', async () => {
    const url = fake.responseUrl(GROUPS.street, 'cb1');
    const first = await sender.send(out(1, url));
    expect(fake.sent.at(-1)).toMatchObject({ via: 'response_url', msgtype: 'template_card' });
    expect(first.messageId).toBe(fake.sent.at(-1)!.card.task_id);
    // a retry of the same row sends nothing again
    expect(await sender.send(out(1, url))).toEqual(first);
    expect(fake.sent).toHaveLength(1);
    await sender.send(out(2, url));
    expect(fake.sent.at(-1)).toMatchObject({ via: 'webhook', msgtype: 'text', mentioned: [USERS.staff] });
    expect(fake.sent.at(-1)!.content).toContain('回复「@呼应 report-in 0001」');
  });

  it("classifies WeCom's refusals: too fast, WeCom's trouble, no webhook for the chat", async () => {
    const kindOf = (p: Promise<unknown>) =>
      p.then(
        () => 'sent',
        (e) => (e instanceof SendError ? e.kind : 'thrown'),
      );
    fake.failNext(1, 'rate_limit');
    expect(await kindOf(sender.send(out(3)))).toBe('rate_limited');
    fake.failNext(1, 'busy');
    expect(await kindOf(sender.send(out(4)))).toBe('retry');
    fake.failNext(1, 'bad_request');
    expect(await kindOf(sender.send(out(5)))).toBe('permanent');
    expect(await kindOf(sender.send({ ...out(6), chatId: 'wrUnknown' }))).toBe('permanent');
    expect(await kindOf(sender.send(out(7)))).toBe('sent');
  });
});
