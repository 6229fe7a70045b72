// A local fake of what WeCom does around a 智能机器人 in API mode, for tests: it makes the
// callbacks WeCom POSTs (JSON, encrypted with the EncodingAESKey and signed with msg_signature by
// Tencent's @wecom/crypto, as WeCom does), hands each a response_url it answers once, within an
// hour; and it is the 消息推送 (group robot) webhook of each group: 20 messages a minute a robot,
// {errcode, errmsg} answers, keys it does not know refused with 93000.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { type Context, Hono } from 'hono';

const hex = (n: number) => randomBytes(n).toString('hex');

export interface WecomSent {
  chatId: string;
  via: 'webhook' | 'response_url';
  msgtype: string;
  /** text or markdown content */
  content?: string;
  mentioned?: string[];
  card?: any;
  /** for response_url answers: the callback it answered */
  answering?: string;
  at: number;
}

export type WecomFailKind = 'rate_limit' | 'busy' | 'bad_request';

// Codes from WeCom's global error list (96213): 45009 "接口调用超过限制", -1 "系统繁忙",
// 93000 "invalid webhook url" (a key WeCom does not know), 40008 "invalid message type".
// The docs give no code for a spent or expired response_url; the fake answers 40078 for it
// (an assumption: callers must treat any refusal there as "the route is gone"); likewise 40081
// for a second card with a task_id already used (101032 forbids it; the code is assumed).
const ERR = {
  rate_limit: { errcode: 45009, errmsg: 'api freq out of limit' },
  busy: { errcode: -1, errmsg: 'system busy' },
  bad_request: { errcode: 40008, errmsg: 'invalid message type' },
  bad_key: { errcode: 93000, errmsg: 'invalid webhook url' },
  spent: { errcode: 40078, errmsg: 'response_url expired or already used' },
  too_long: { errcode: 40058, errmsg: 'content exceed max length' },
};

export interface FakeWecom {
  url: string;
  token: string;
  aesKey: string;
  botId: string;
  sent: WecomSent[];
  /** a group robot for a chat: its webhook key */
  addGroup(chatId: string): string;
  /** WECOM_GROUP_WEBHOOKS for the groups added */
  webhooks(): string;
  /** a fresh response_url for a callback from a chat */
  responseUrl(chatId: string, callbackId: string): string;
  /** the next n sends answer with this error */
  failNext(n: number, kind: WecomFailKind): void;
  close(): Promise<void>;
}

export async function startFakeWecom(
  o: { token?: string; aesKey?: string; botId?: string; perMinute?: number } = {},
): Promise<FakeWecom> {
  const token = o.token ?? `tk${hex(8)}`;
  // 32 random bytes as WeCom's console shows them: 43 base64 characters without the "="
  const aesKey = o.aesKey ?? randomBytes(32).toString('base64').slice(0, 43);
  const botId = o.botId ?? `aib${hex(8)}`;
  const perMinute = o.perMinute ?? 20;
  const sent: WecomSent[] = [];
  const groups = new Map<string, string>(); // key → chatId
  const hooks = new Map<string, number[]>(); // key → send times
  const urls = new Map<string, { chatId: string; callbackId: string; issued: number; used: boolean }>();
  const fails: WecomFailKind[] = [];
  let base = '';

  const answer = (c: Context, body: object) => c.json(body, 200);
  const injected = () => {
    const k = fails.shift();
    return k ? ERR[k] : undefined;
  };
  const readJson = async (c: Context) => {
    try {
      const v = await c.req.json();
      return v && typeof v === 'object' ? (v as Record<string, any>) : undefined;
    } catch {
      return undefined;
    }
  };
  /** checks a message body as WeCom documents it; an error body, or undefined */
  const invalid = (b: Record<string, any>, route: 'webhook' | 'response_url') => {
    const allowed =
      route === 'webhook' ? ['text', 'markdown', 'image', 'template_card'] : ['markdown', 'template_card'];
    if (!allowed.includes(b.msgtype)) return ERR.bad_request;
    if (
      b.msgtype === 'text' &&
      (typeof b.text?.content !== 'string' || Buffer.byteLength(b.text.content) > 2048)
    )
      return ERR.too_long;
    if (
      b.msgtype === 'markdown' &&
      (typeof b.markdown?.content !== 'string' || Buffer.byteLength(b.markdown.content) > 4096)
    )
      return ERR.too_long;
    if (b.msgtype === 'template_card') {
      const t = b.template_card;
      // a group robot's cards are notices only; a 智能机器人's may have buttons (101032)
      if (route === 'webhook' && !['text_notice', 'news_notice'].includes(t?.card_type))
        return ERR.bad_request;
      if (t?.card_type === 'button_interaction') {
        const buttons = t.button_list;
        if (!Array.isArray(buttons) || !buttons.length || buttons.length > 6) return ERR.bad_request;
        if (!/^[A-Za-z0-9_\-@]{1,128}$/.test(t.task_id ?? '')) return ERR.bad_request;
        if ((t.horizontal_content_list ?? []).length > 6) return ERR.bad_request;
        if (sent.some((s) => s.card?.task_id === t.task_id))
          return { errcode: 40081, errmsg: 'task_id duplicated' };
      }
    }
    return undefined;
  };

  const app = new Hono();
  app.post('/cgi-bin/webhook/send', async (c) => {
    const key = c.req.query('key') ?? '';
    const chatId = groups.get(key);
    if (!chatId) return answer(c, ERR.bad_key);
    const fail = injected();
    if (fail) return answer(c, fail);
    const now = Date.now();
    const recent = (hooks.get(key) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= perMinute) return answer(c, ERR.rate_limit);
    const b = await readJson(c);
    if (!b) return answer(c, { errcode: 40035, errmsg: 'invalid json' });
    const bad = invalid(b, 'webhook');
    if (bad) return answer(c, bad);
    hooks.set(key, [...recent, now]);
    sent.push({
      chatId,
      via: 'webhook',
      msgtype: b.msgtype,
      content: b.text?.content ?? b.markdown?.content,
      mentioned: b.text?.mentioned_list,
      card: b.template_card,
      at: now,
    });
    return answer(c, { errcode: 0, errmsg: 'ok' });
  });
  app.post('/cgi-bin/webhook/upload_media', async (c) => {
    if (!groups.has(c.req.query('key') ?? '')) return answer(c, ERR.bad_key);
    return answer(c, {
      errcode: 0,
      errmsg: 'ok',
      type: c.req.query('type'),
      media_id: hex(16),
      created_at: `${Math.floor(Date.now() / 1000)}`,
    });
  });
  app.post('/cgi-bin/aibot/response', async (c) => {
    const code = c.req.query('response_code') ?? '';
    const r = urls.get(code);
    if (!r || r.used || Date.now() - r.issued > 3600_000) return answer(c, ERR.spent);
    const fail = injected();
    if (fail) return answer(c, fail);
    const b = await readJson(c);
    if (!b) return answer(c, { errcode: 40035, errmsg: 'invalid json' });
    const bad = invalid(b, 'response_url');
    if (bad) return answer(c, bad);
    r.used = true;
    sent.push({
      chatId: r.chatId,
      via: 'response_url',
      msgtype: b.msgtype,
      content: b.markdown?.content,
      card: b.template_card,
      answering: r.callbackId,
      at: Date.now(),
    });
    return answer(c, { errcode: 0, errmsg: 'ok' });
  });
  app.notFound((c) => c.json({ errcode: 404, errmsg: `no such API: ${c.req.path}` }, 404));

  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve({ server: s, port: info.port }),
      );
      s.once('error', reject);
    },
  );
  base = `http://127.0.0.1:${port}`;
  let closed = false;
  return {
    url: base,
    token,
    aesKey,
    botId,
    sent,
    addGroup(chatId) {
      const key = `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}`;
      groups.set(key, chatId);
      return key;
    },
    webhooks: () => [...groups].map(([key, chatId]) => `${chatId}=${key}`).join(','),
    responseUrl(chatId, callbackId) {
      const code = hex(16);
      urls.set(code, { chatId, callbackId, issued: Date.now(), used: false });
      return `${base}/cgi-bin/aibot/response?response_code=${code}`;
    },
    failNext(n, kind) {
      for (let i = 0; i < n; i++) fails.push(kind);
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The callbacks WeCom POSTs to the bot's URL, made the way WeCom makes them.

export interface CallbackOpts {
  chatId: string;
  userId: string;
  /** single chat with the bot; default: group */
  single?: boolean;
  msgid?: string;
}

export const wecomIds = { msgid: () => `CAIQ${hex(12)}`, chatId: () => `wr${hex(12)}` };

/** A text message in a group that @-mentions the bot ("@呼应 …"), as decrypted JSON. */
export function messageCallback(
  fake: FakeWecom,
  o: CallbackOpts & { text: string; botName?: string; mention?: boolean },
) {
  const msgid = o.msgid ?? wecomIds.msgid();
  return {
    msgid,
    aibotid: fake.botId,
    ...(o.single ? {} : { chatid: o.chatId }),
    chattype: o.single ? 'single' : 'group',
    from: { userid: o.userId },
    response_url: fake.responseUrl(o.chatId, msgid),
    msgtype: 'text',
    text: { content: o.mention === false ? o.text : `@${o.botName ?? '呼应'} ${o.text}` },
  };
}

/** A press on a button_interaction card (template_card_event), as decrypted JSON. */
export function cardEventCallback(fake: FakeWecom, o: CallbackOpts & { taskId: string; eventKey: string }) {
  const msgid = o.msgid ?? wecomIds.msgid();
  return {
    msgid,
    create_time: Math.floor(Date.now() / 1000),
    aibotid: fake.botId,
    ...(o.single ? {} : { chatid: o.chatId }),
    chattype: o.single ? 'single' : 'group',
    from: { userid: o.userId },
    response_url: fake.responseUrl(o.chatId, msgid),
    msgtype: 'event',
    event: {
      eventtype: 'template_card_event',
      template_card_event: { card_type: 'button_interaction', event_key: o.eventKey, task_id: o.taskId },
    },
  };
}

/** The request WeCom sends: query (msg_signature, timestamp, nonce) and body {"encrypt": …}. */
export function signedCallback(
  fake: Pick<FakeWecom, 'token' | 'aesKey'>,
  plain: object | string,
  o: { timestamp?: number; nonce?: string; signWith?: string } = {},
) {
  const encrypted = encrypt(fake.aesKey, typeof plain === 'string' ? plain : JSON.stringify(plain), '');
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? String(Math.floor(Math.random() * 1e10));
  const signature = getSignature(o.signWith ?? fake.token, timestamp, nonce, encrypted);
  const query = new URLSearchParams({ msg_signature: signature, timestamp, nonce }).toString();
  return { query, body: JSON.stringify({ encrypt: encrypted }), encrypted };
}

/** WeCom's URL check: GET with an encrypted echostr. */
export function urlCheck(
  fake: Pick<FakeWecom, 'token' | 'aesKey'>,
  echo: string,
  o: { timestamp?: number } = {},
) {
  const echostr = encrypt(fake.aesKey, echo, '');
  const timestamp = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e10));
  const msg_signature = getSignature(fake.token, timestamp, nonce, echostr);
  return new URLSearchParams({ msg_signature, timestamp, nonce, echostr }).toString();
}

/** What the bot answered a callback with, checked and decrypted as WeCom does. */
export function openAnswer(fake: Pick<FakeWecom, 'token' | 'aesKey'>, answer: any): any {
  const expected = getSignature(fake.token, answer.timestamp, answer.nonce, answer.encrypt);
  if (expected !== answer.msgsignature) throw new Error('the answer is not signed with the token');
  const { message, id } = decrypt(fake.aesKey, answer.encrypt);
  if (id !== '') throw new Error(`the answer's receive id is "${id}", not ""`);
  return JSON.parse(message);
}
