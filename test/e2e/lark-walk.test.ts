// The whole general call over Lark alone, through the real server and its wiring: report →
// 按建议呼叫 → 报到 → 办结 (text form) → 结案 → score form → archived. Events go to the webhook,
// signed and encrypted; cards go to the fake Open API with the real SDK (drainOutbox between steps).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceEnv } from '../../bot/adapters.ts';
import { createLarkApi } from '../../bot/lark/client.ts';
import { LarkSender } from '../../bot/lark/sender.ts';
import { type Server, startServer } from '../../bot/server.ts';
import { systemClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import type { Ctx } from '../../handlers/context.ts';
import { drainOutbox } from '../../jobs/deliver.ts';
import type { PlatformSender } from '../../jobs/platform.ts';
import { freshDb, type TestDb } from '../db.ts';
import { larkEvent, larkIds, signedRequest } from '../fakes/lark-events.ts';
import { type FakeLark, startFakeLark } from '../fakes/lark-open-api.ts';
import { cardActions } from '../harness/lark.ts';
import { redisEnv } from '../queues.ts';

const KEY = 'walk-encrypt-key-0123456789';
const TOKEN = 'walk-verification-token';
const RESIDENT = 'ou_resident_walk';

function envFor(t: TestDb, fake: FakeLark, extra: Record<string, string> = {}) {
  return loadServiceEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: t.url,
    ...redisEnv(),
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.url,
    LARK_ENCRYPT_KEY: KEY,
    LARK_VERIFICATION_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...extra,
  });
}

describe('a general call, walked over Lark events alone', () => {
  let t: TestDb;
  let fake: FakeLark;
  let server: Server;
  let ctx: Ctx;
  let senders: Map<string, PlatformSender>;

  beforeAll(async () => {
    t = await freshDb();
    fake = await startFakeLark();
    server = await startServer(envFor(t, fake), { role: 'web', log: silentLogger });
    ctx = { db: t.db, district: t.district, clock: systemClock, log: silentLogger };
    const api = createLarkApi(
      { appId: fake.appId, appSecret: fake.appSecret, domain: fake.url },
      silentLogger,
    );
    senders = new Map([['lark', new LarkSender(api, silentLogger)]]);
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.close();
    await t?.close();
  });

  async function post(envelope: { header: { event_id: string } }) {
    const req = signedRequest(envelope, { encryptKey: KEY, encrypt: true });
    const res = await fetch(`http://127.0.0.1:${server.port}/webhooks/lark`, {
      method: 'POST',
      body: req.body,
      headers: req.headers,
    });
    expect(res.status).toBe(200);
    return res.json() as Promise<any>;
  }

  /** Waits until the server has processed the event, then delivers what it queued. */
  async function settle(eventId: string) {
    for (let i = 0; i < 500; i++) {
      const row = await t.db
        .selectFrom('inbound_events')
        .select(['state', 'error'])
        .where('event_id', '=', eventId)
        .executeTakeFirst();
      if (row && row.state !== 'received') {
        expect(row.error).toBeNull();
        return drainOutbox(ctx, senders);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`event ${eventId} was not processed`);
  }

  const lastCard = (chatId: string) => fake.sent.filter((s) => s.chat_id === chatId).at(-1)!;

  async function press(
    chatId: string,
    operator: string,
    label: string,
    fill?: (names: string[]) => Record<string, string>,
  ) {
    // the latest card in the chat that offers this button
    const card = fake.sent
      .filter((s) => s.chat_id === chatId && cardActions(s.content).some((a) => a.label === label))
      .at(-1);
    expect(card, `a card with ${label} in ${chatId}`).toBeDefined();
    const action = cardActions(card!.content).find((a) => a.label === label);
    const names = [...(action!.value.tpl ?? '').matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const envelope = larkEvent.cardAction({
      operatorOpenId: operator,
      messageId: card!.message_id,
      chatId,
      value: action!.value as unknown as Record<string, unknown>,
      formValue: fill?.(names),
      token: TOKEN,
    });
    const answer = await post(envelope);
    expect(answer.toast, `${label}: ${answer.toast?.content}`).toMatchObject({ type: 'success' });
    expect(answer.card?.type).toBe('raw');
    await settle(envelope.header.event_id);
    return answer;
  }

  const call = () => t.db.selectFrom('calls').selectAll().executeTakeFirstOrThrow();

  it('runs from the report to the archive', async () => {
    const messageId = larkIds.messageId();
    fake.rememberMessage(messageId, 'oc_sample_chenhui');
    const report = larkEvent.message({
      chatId: 'oc_sample_chenhui',
      senderOpenId: RESIDENT,
      text: '@_user_1 晨辉路12号路灯不亮了，晚上很黑',
      mentions: [{ openId: fake.botOpenId, name: '呼应' }],
      messageId,
      token: TOKEN,
    });
    expect(await post(report)).toEqual({});
    // Lark delivers again: the same event changes nothing.
    await post(report);
    expect(await settle(report.header.event_id)).toBe(2);
    expect(lastCard('oc_sample_chenhui')).toMatchObject({ reply_to: messageId });
    expect((lastCard('oc_sample_jinhualu').content as any).header.title.content).toMatch(/^新呼叫待研判/);
    const no = (await call()).no;

    await press('oc_sample_jinhualu', 'ou_sample_liang', '按建议呼叫');
    expect((await call()).state).toBe('dispatched');
    const dispatch = lastCard('oc_sample_cgw');
    expect((dispatch.content as any).header.title.content).toBe(`新呼叫请报到 ${no}`);
    expect(JSON.stringify(dispatch.content)).toContain('<at id=ou_sample_cgw1></at>');

    const ack = await press('oc_sample_cgw', 'ou_sample_cgw1', '报到');
    expect(JSON.stringify(ack.card.data)).toContain('办理：报到');
    expect((await call()).state).toBe('acknowledged');

    await press('oc_sample_cgw', 'ou_sample_cgw1', '办结', ([field]) => ({
      [field]: '已更换灯泡，恢复照明',
    }));
    expect((await call()).state).toBe('resolved');
    expect(JSON.stringify(lastCard('oc_sample_jinhualu').content)).toContain('已更换灯泡，恢复照明');

    await press('oc_sample_jinhualu', 'ou_sample_liang', '结案');
    expect((await call()).state).toBe('closed');
    const scoreCard = fake.sent.filter(
      (s) => s.chat_id === 'oc_sample_jinhualu' && /^逆向评议/.test((s.content as any).header.title.content),
    );
    expect(scoreCard).toHaveLength(1);
    expect(
      fake.sent
        .filter((s) => s.chat_id === 'oc_sample_chenhui')
        .map((s) => (s.content as any).header.title.content),
    ).toContainEqual(expect.stringMatching(/^您反映的问题已办结/));

    await press('oc_sample_jinhualu', 'ou_sample_liang', '提交评分', () => ({
      ack: '20',
      professional: '18',
      ownership: '20',
      cooperation: '19',
      result: '20',
      comment: '处置及时',
    }));
    expect((await call()).state).toBe('archived');
    const score = await t.db.selectFrom('scores').selectAll().executeTakeFirstOrThrow();
    expect(score).toMatchObject({ unit_code: 'cgw', total: 97, comment: '处置及时' });
    const events = await t.db.selectFrom('call_events').select('kind').orderBy('id').execute();
    expect(events.map((e) => e.kind)).toEqual([
      'reported',
      'called',
      'acknowledged',
      'resolved',
      'closed',
      'scored',
      'archived',
    ]);
    const inbound = await t.db.selectFrom('inbound_events').select(['state']).execute();
    expect(inbound).toHaveLength(6);
    expect(new Set(inbound.map((i) => i.state))).toEqual(new Set(['processed']));
  });
});

describe('the Lark webhook in production without an encrypt key', () => {
  let t: TestDb;
  let fake: FakeLark;
  let server: Server;
  beforeAll(async () => {
    t = await freshDb();
    fake = await startFakeLark();
    server = await startServer(envFor(t, fake, { LARK_ENCRYPT_KEY: '', NODE_ENV: 'production' }), {
      role: 'web',
      log: silentLogger,
    });
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.close();
    await t?.close();
  });

  it('stays off and says why', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/webhooks/lark`, {
      method: 'POST',
      body: JSON.stringify(larkEvent.urlVerification({ token: TOKEN })),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      error: 'disabled',
      reason: expect.stringContaining('LARK_ENCRYPT_KEY'),
    });
  });
});
