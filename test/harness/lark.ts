// Test-only: the Lark adapter in-process on a fresh database, talking to the fake Open API with the
// real SDK, and helpers to post signed (and encrypted) events to its webhook.
import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { createLarkApi, type LarkApi } from '../../bot/lark/client.ts';
import { createLarkEvents, type LarkEvents } from '../../bot/lark/events.ts';
import { LarkSender } from '../../bot/lark/sender.ts';
import { larkWebhook } from '../../bot/lark/webhook.ts';
import { createRouter, type Router } from '../../bot/router.ts';
import { systemClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import type { Ctx } from '../../handlers/context.ts';
import { generatedImages } from '../../handlers/images.ts';
import { drainOutbox } from '../../jobs/deliver.ts';
import type { PlatformSender } from '../../jobs/platform.ts';
import { freshDb, type TestDb } from '../db.ts';
import {
  type CardActionOpts,
  larkEvent,
  larkIds,
  type MessageOpts,
  signedRequest,
} from '../fakes/lark-events.ts';
import { type FakeLark, startFakeLark } from '../fakes/lark-open-api.ts';

export const ENCRYPT_KEY = 'kB7qM2xV9pL4sT1wQz8r';
export const VERIFICATION_TOKEN = 'v_test_verification_token';

export interface PostOpts {
  encrypt?: boolean;
  timestamp?: string;
  /** sign with this key instead (forgeries) */
  signWith?: string;
  unsigned?: boolean;
}

export interface LarkHarness {
  t: TestDb;
  ctx: Ctx;
  fake: FakeLark;
  api: LarkApi;
  sender: LarkSender;
  senders: Map<string, PlatformSender>;
  router: Router;
  events: LarkEvents;
  app: Hono;
  post(body: object, o?: PostOpts): Promise<Response>;
  /** a user's message in a chat, @-mentioning the bot unless `mention: false` */
  say(
    o: Partial<MessageOpts> & { chatId: string; senderOpenId: string; mention?: boolean },
  ): Promise<Response>;
  /** a click (or form submit) on a card the fake received */
  click(
    o: Partial<CardActionOpts> & { messageId: string; chatId: string; operatorOpenId: string },
  ): Promise<Response>;
  /** waits for background work, then sends every pending outbox row to the fake */
  deliver(): Promise<number>;
  /** the cards the fake received in a chat, in order */
  cardsIn(chatId: string): { message_id: string; card: any }[];
  close(): Promise<void>;
}

export async function larkHarness(
  o: { encryptKey?: string; verificationToken?: string; cardBudgetMs?: number } = {},
): Promise<LarkHarness> {
  const encryptKey = 'encryptKey' in o ? o.encryptKey : ENCRYPT_KEY;
  const verificationToken = 'verificationToken' in o ? o.verificationToken : VERIFICATION_TOKEN;
  const t = await freshDb();
  const fake = await startFakeLark({ appId: `cli_${randomBytes(8).toString('hex')}` });
  const log = silentLogger;
  const ctx: Ctx = { db: t.db, district: t.district, clock: systemClock, log };
  const router = createRouter(ctx);
  const api = createLarkApi({ appId: fake.appId, appSecret: fake.appSecret, domain: fake.url }, log);
  const sender = new LarkSender(api, log, generatedImages(ctx));
  const senders = new Map<string, PlatformSender>([['lark', sender]]);
  const events = createLarkEvents({
    ctx,
    router,
    botOpenId: async () => (await api.botInfo()).openId,
    cardBudgetMs: o.cardBudgetMs,
    exclusive: t.embedded,
  });
  const app = new Hono();
  app.route('/webhooks/lark', larkWebhook({ encryptKey, verificationToken, events, log }));

  const post = async (body: object, p: PostOpts = {}) => {
    const key = p.signWith ?? encryptKey ?? 'unused';
    const req = signedRequest(body, {
      encryptKey: key,
      encrypt: p.encrypt ?? !!encryptKey,
      timestamp: p.timestamp,
    });
    const headers = p.unsigned || !encryptKey ? { 'Content-Type': 'application/json' } : req.headers;
    return app.request('/webhooks/lark', { method: 'POST', body: req.body, headers });
  };

  return {
    t,
    ctx,
    fake,
    api,
    sender,
    senders,
    router,
    events,
    app,
    post,
    say({ mention = true, text = '', ...m }) {
      const messageId = m.messageId ?? larkIds.messageId();
      // Users' messages reach us by webhook; the fake needs to know their chat for replies.
      fake.rememberMessage(messageId, m.chatId);
      return post(
        larkEvent.message({
          ...m,
          messageId,
          text: mention ? `@_user_1 ${text}` : text,
          mentions: mention ? [{ openId: fake.botOpenId, name: '呼应' }, ...(m.mentions ?? [])] : m.mentions,
          token: verificationToken,
        }),
      );
    },
    click(c) {
      return post(larkEvent.cardAction({ ...c, token: verificationToken }));
    },
    async deliver() {
      await events.idle();
      return drainOutbox(ctx, senders);
    },
    cardsIn(chatId) {
      return fake.sent
        .filter((s) => s.chat_id === chatId)
        .map((s) => ({ message_id: s.message_id, card: s.content }));
    },
    async close() {
      await events.idle();
      await fake.close();
      await t.close();
    },
  };
}

/** Every callback button and form submit on a rendered card, with the value it carries. */
export function cardActions(
  card: any,
): { label: string; value: { cmd: string; tpl?: string }; form?: string }[] {
  const found: { label: string; value: { cmd: string; tpl?: string }; form?: string }[] = [];
  const walk = (el: any, form?: string) => {
    if (!el || typeof el !== 'object') return;
    if (el.tag === 'button')
      for (const b of el.behaviors ?? [])
        if (b.type === 'callback') found.push({ label: el.text?.content, value: b.value, form });
    const inForm = el.tag === 'form' ? el.name : form;
    for (const k of ['elements', 'columns']) for (const c of el[k] ?? []) walk(c, inForm);
  };
  for (const el of card?.body?.elements ?? []) walk(el);
  return found;
}
