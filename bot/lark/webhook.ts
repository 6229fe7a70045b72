// POST /webhooks/lark: event subscription and card callbacks. Verifies the signature over the raw
// body, decrypts, answers URL checks, and hands events to the shared handlers within Lark's 3 s.
import { type Context, Hono, type Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../../config/log.ts';
import { requestLog } from '../app.ts';
import { decryptLarkEvent, isStale, LarkCryptoError, verifyLarkSignature } from './crypto.ts';
import type { LarkEvents } from './events.ts';
import { flattenEnvelope, LarkEventError } from './inbound.ts';

export interface LarkWebhookOptions {
  /** LARK_ENCRYPT_KEY: with it every request must be signed (and events arrive encrypted) */
  encryptKey?: string;
  /** LARK_VERIFICATION_TOKEN: checked on URL verification and on every event's header */
  verificationToken?: string;
  events: LarkEvents;
  log: Logger;
  /** wall-clock time for the freshness check (the app's clock may be a manual one) */
  now?: () => Date;
  maxAgeSeconds?: number;
}

type Refusal = { status: 400 | 401; error: string; reason: string };
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** The body as JSON, decrypted when it came as {"encrypt": …}. */
function readPayload(
  raw: string,
  encryptKey: string | undefined,
): { payload: Json; encrypted: boolean } | Refusal {
  let outer: unknown;
  try {
    outer = JSON.parse(raw);
  } catch {
    return { status: 400, error: 'malformed', reason: 'the body is not JSON' };
  }
  if (!isObject(outer)) return { status: 400, error: 'malformed', reason: 'the body is not a JSON object' };
  if (!('encrypt' in outer)) return { payload: outer, encrypted: false };
  if (!encryptKey)
    return {
      status: 400,
      error: 'bad_encryption',
      reason: 'the event is encrypted but no encrypt key is configured',
    };
  let plain: string;
  try {
    plain = decryptLarkEvent(encryptKey, outer.encrypt as string);
  } catch (e) {
    if (e instanceof LarkCryptoError) return { status: 400, error: 'bad_encryption', reason: e.message };
    throw e;
  }
  try {
    const inner = JSON.parse(plain);
    if (isObject(inner)) return { payload: inner, encrypted: true };
  } catch {}
  return { status: 400, error: 'malformed', reason: 'the decrypted event is not a JSON object' };
}

export function larkWebhook(opts: LarkWebhookOptions): Hono {
  const { encryptKey, verificationToken, events } = opts;
  // the request's logger when mounted in the app, so every line about a request carries its id
  const logOf = (c: Context) => requestLog(c, opts.log).child({ platform: 'lark', route: 'webhook' });
  const now = opts.now ?? (() => new Date());
  const maxAge = opts.maxAgeSeconds ?? 300;
  const app = new Hono();

  const refuse = (c: Context, r: Refusal) => {
    logOf(c).warn({ status: r.status, error: r.error, reason: r.reason }, 'lark: webhook request refused');
    return c.json({ error: r.error, reason: r.reason }, r.status);
  };

  // Lark sends Content-Length: checking the header is cheap; only a chunked body (no length)
  // goes through Hono's byte-counting stream, which costs a third of the throughput.
  const MAX = 1024 * 1024;
  const tooLarge = (c: Context) => c.json({ error: 'too_large', reason: 'the body is over 1 MB' }, 413);
  const counted = bodyLimit({ maxSize: MAX, onError: tooLarge });
  const sizeLimit = async (c: Context, next: Next) => {
    const length = c.req.header('content-length');
    if (length === undefined) return counted(c, next);
    if (!(Number(length) <= MAX)) return tooLarge(c);
    await next();
  };

  app.post('/', sizeLimit, async (c) => {
    const raw = await c.req.text();
    const signature = c.req.header('x-lark-signature') ?? '';
    const timestamp = c.req.header('x-lark-request-timestamp') ?? '';
    const nonce = c.req.header('x-lark-request-nonce') ?? '';
    const signed = signature !== '';
    if (encryptKey && signed) {
      if (!verifyLarkSignature({ signature, timestamp, nonce }, encryptKey, raw))
        return refuse(c, {
          status: 401,
          error: 'bad_signature',
          reason: 'the signature does not match the body',
        });
      if (isStale(timestamp, now(), maxAge))
        return refuse(c, {
          status: 401,
          error: 'stale',
          reason: `the request timestamp is more than ${maxAge} s off`,
        });
    }

    const read = readPayload(raw, encryptKey);
    // Unsigned requests are only for Lark's URL check; anything else unsigned is refused unread.
    if (encryptKey && !signed && ('status' in read || read.payload.type !== 'url_verification'))
      return refuse(c, { status: 401, error: 'missing_signature', reason: 'the request is not signed' });
    if ('status' in read) return refuse(c, read);
    const { payload } = read;

    const header = isObject(payload.header) ? payload.header : undefined;
    const token = header ? header.token : payload.token;
    if (verificationToken && token !== verificationToken)
      return refuse(c, {
        status: 401,
        error: 'bad_token',
        reason: 'the verification token does not match',
      });

    if (payload.type === 'url_verification') {
      if (typeof payload.challenge !== 'string')
        return refuse(c, {
          status: 400,
          error: 'malformed',
          reason: 'url_verification without a challenge',
        });
      logOf(c).info('lark: URL verification answered');
      return c.json({ challenge: payload.challenge });
    }

    const eventType = header?.event_type;
    if (!header || typeof eventType !== 'string') {
      logOf(c).info(
        { keys: Object.keys(payload).slice(0, 8) },
        'lark: request without a 2.0 event header ignored',
      );
      return c.json({});
    }
    const event = flattenEnvelope(payload);
    try {
      switch (eventType) {
        case 'im.message.receive_v1':
          await events.onMessage(event, requestLog(c, opts.log));
          return c.json({});
        case 'card.action.trigger':
          return c.json(await events.onCardAction(event, requestLog(c, opts.log)));
        default:
          logOf(c).info({ eventType, eventId: header.event_id }, 'lark: event type not handled, ignored');
          return c.json({});
      }
    } catch (e) {
      if (e instanceof LarkEventError) return refuse(c, { status: 400, error: e.code, reason: e.message });
      // Our side failed (the database, say): 503 makes Lark deliver the event again later.
      logOf(c).error({ err: e, eventType, eventId: header.event_id }, 'lark: event could not be recorded');
      return c.json({ error: 'unavailable', reason: 'the event could not be recorded; retry later' }, 503);
    }
  });
  return app;
}
