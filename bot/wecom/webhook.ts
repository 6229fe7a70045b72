// GET and POST /webhooks/wecom: the 智能机器人's callback URL. GET answers WeCom's URL check
// (the decrypted echostr); POST verifies msg_signature over the ciphertext, refuses stale
// timestamps, decrypts, and hands the callback over within WeCom's 5 s: a message is recorded and
// answered empty (its work follows), a card press is answered with the card as it now looks.
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../../config/log.ts';
import { requestLog } from '../app.ts';
import { isStale, open, seal, verifySignature, WecomCryptoError } from './crypto.ts';
import type { WecomEvents } from './events.ts';
import { readCallback, WecomEventError } from './inbound.ts';

export interface WecomWebhookOptions {
  token: string;
  aesKey: string;
  /** the bot's aibotid: callbacks for another are refused */
  botId?: string;
  events: WecomEvents;
  log: Logger;
  /** wall-clock time for the freshness check (the app's clock may be a manual one) */
  now?: () => Date;
  maxAgeSeconds?: number;
}

type Refusal = { status: 400 | 401; error: string; reason: string };

export function wecomWebhook(opts: WecomWebhookOptions): Hono {
  const { token, aesKey, events } = opts;
  const logOf = (c: Context) => requestLog(c, opts.log).child({ platform: 'wecom', route: 'webhook' });
  const now = opts.now ?? (() => new Date());
  const maxAge = opts.maxAgeSeconds ?? 300;
  const app = new Hono();

  const refuse = (c: Context, r: Refusal) => {
    logOf(c).warn({ status: r.status, error: r.error, reason: r.reason }, 'wecom: webhook request refused');
    return c.json({ error: r.error, reason: r.reason }, r.status);
  };

  /** The signed query, checked: a refusal, or the plaintext of the ciphertext. */
  function unseal(c: Context, ciphertext: string): Refusal | { plain: string } {
    const q = {
      msg_signature: c.req.query('msg_signature') ?? '',
      timestamp: c.req.query('timestamp') ?? '',
      nonce: c.req.query('nonce') ?? '',
    };
    if (!q.msg_signature)
      return { status: 401, error: 'missing_signature', reason: 'the request is not signed' };
    if (!verifySignature(token, q, ciphertext))
      return { status: 401, error: 'bad_signature', reason: 'msg_signature does not match' };
    if (isStale(q.timestamp, now(), maxAge))
      return { status: 401, error: 'stale', reason: `the timestamp is more than ${maxAge} s off` };
    try {
      return { plain: open(aesKey, ciphertext) };
    } catch (e) {
      if (e instanceof WecomCryptoError) return { status: 400, error: 'bad_encryption', reason: e.message };
      throw e;
    }
  }

  app.get('/', (c) => {
    // a "+" of the base64 may arrive as a space when the query was not encoded
    const echostr = (c.req.query('echostr') ?? '').replace(/ /g, '+');
    if (!echostr) return refuse(c, { status: 400, error: 'malformed', reason: 'no echostr' });
    const r = unseal(c, echostr);
    if ('status' in r) return refuse(c, r);
    logOf(c).info('wecom: URL verification answered');
    // the plaintext as it is: no quotes, no BOM, no newline
    return c.text(r.plain);
  });

  const MAX = 1024 * 1024;
  app.post(
    '/',
    bodyLimit({
      maxSize: MAX,
      onError: (c) => c.json({ error: 'too_large', reason: 'the body is over 1 MB' }, 413),
    }),
    async (c) => {
      let outer: unknown;
      try {
        outer = JSON.parse(await c.req.text());
      } catch {
        return refuse(c, { status: 400, error: 'malformed', reason: 'the body is not JSON' });
      }
      const ciphertext = (outer as { encrypt?: unknown } | null)?.encrypt;
      if (typeof ciphertext !== 'string' || !ciphertext)
        return refuse(c, { status: 400, error: 'malformed', reason: 'the body has no encrypt field' });
      const r = unseal(c, ciphertext);
      if ('status' in r) return refuse(c, r);
      let payload: unknown;
      try {
        payload = JSON.parse(r.plain);
      } catch {
        return refuse(c, { status: 400, error: 'malformed', reason: 'the decrypted callback is not JSON' });
      }
      const log = requestLog(c, opts.log);
      try {
        const callback = readCallback(payload);
        if (opts.botId && callback.aibotid && callback.aibotid !== opts.botId)
          return refuse(c, { status: 401, error: 'wrong_bot', reason: 'the callback is for another bot' });
        if (callback.msgtype === 'event') {
          if (callback.event?.eventtype !== 'template_card_event') {
            logOf(c).info({ eventtype: callback.event?.eventtype }, 'wecom: event not handled, ignored');
            return c.body(null, 200);
          }
          const update = await events.onCardEvent(callback, log);
          if (!update) return c.body(null, 200);
          return c.json(seal(token, aesKey, JSON.stringify(update), now()));
        }
        // stream refreshes answer replies Huying never streams
        if (callback.msgtype === 'stream') return c.body(null, 200);
        await events.onMessage(callback, log);
        return c.body(null, 200);
      } catch (e) {
        if (e instanceof WecomEventError) return refuse(c, { status: 400, error: e.code, reason: e.message });
        // our side failed (the database, say): WeCom calls a message back again; a press it drops
        logOf(c).error({ err: e }, 'wecom: callback could not be recorded');
        return c.json(
          { error: 'unavailable', reason: 'the callback could not be recorded; retry later' },
          503,
        );
      }
    },
  );
  return app;
}
