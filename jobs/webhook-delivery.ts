// Outgoing webhooks: delivers one outbox row of kind 'webhook' to its subscriber, signed
// with the subscriber's secret; classifies failures for the send worker's retry policy.
// The send worker marks the row sent or failed; this module only delivers.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { olderPush } from '../db/outbox.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import { addDuration, parseDuration } from '../handlers/worktime.ts';
import { SendError } from './platform.ts';

export const WEBHOOK_TIMEOUT_MS = 10_000;
/** How old a signed timestamp may be before a subscriber should refuse it (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>` */
export function signWebhook(secret: string, timestamp: string | number, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/**
 * For subscribers (and tests): true when `header` is the signature of this exact body and
 * timestamp, and the timestamp is within `toleranceSeconds` of now (pass Infinity to skip).
 */
export function verifyHuyingSignature(
  secret: string,
  timestamp: string | number | null | undefined,
  rawBody: string,
  header: string | null | undefined,
  opts: { toleranceSeconds?: number; nowMs?: number } = {},
): boolean {
  const ts = String(timestamp ?? '');
  if (!/^\d{1,12}$/.test(ts) || !header) return false;
  const tolerance = opts.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs((opts.nowMs ?? Date.now()) / 1000 - Number(ts)) > tolerance) return false;
  const want = Buffer.from(signWebhook(secret, ts, rawBody));
  const given = Buffer.from(header.trim());
  return want.length === given.length && timingSafeEqual(want, given);
}

const fail = (kind: SendError['kind'], message: string, status?: number, retryAfterMs?: number) =>
  new SendError(kind, message, { platform: 'webhook', status, code: status, retryAfterMs });

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), 3600_000);
}

/** Throws 'retry' while an older row of the same subscriber and call is still pending. */
async function assertFirstOfCall(ctx: Ctx, row: OutboxRow) {
  const older = await olderPush(ctx.db, row);
  if (older) throw fail('retry', `waiting for an earlier event of this call (outbox ${older})`);
}

export interface DeliveryOptions {
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export async function deliverWebhookRow(
  ctx: Ctx,
  row: OutboxRow,
  opts: DeliveryOptions = {},
): Promise<{ messageId: string }> {
  if (row.kind !== 'webhook') throw fail('permanent', `outbox ${row.id} is a ${row.kind}, not a webhook`);
  const subscriber = ctx.district.webhooks.find((s) => s.name === row.chat_id);
  if (!subscriber)
    throw fail('permanent', `no webhook subscriber named "${row.chat_id}" in the district file`);
  // Measured on the app's clock, the one created_at was written with; durations as plain time.
  const giveUpAt = addDuration(new Date(row.created_at), parseDuration(subscriber.give_up_after), {
    wallClock: true,
  });
  if (ctx.clock.now() >= giveUpAt)
    throw fail(
      'permanent',
      `gave up after ${subscriber.give_up_after} (queued ${new Date(row.created_at).toISOString()}; last error: ${row.last_error ?? 'none'})`,
    );
  await assertFirstOfCall(ctx, row);

  // Serialised once: this exact string is signed and sent.
  const body = typeof row.payload === 'string' ? row.payload : JSON.stringify(row.payload);
  const event = String((row.payload as Record<string, unknown>)?.event ?? '');
  const timestamp = String(Math.floor(Date.now() / 1000));
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(subscriber.url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        'User-Agent': 'Huying-Webhook/1',
        'X-Huying-Event': event,
        'X-Huying-Delivery': row.idempotency_key,
        'X-Huying-Timestamp': timestamp,
        'X-Huying-Signature': signWebhook(subscriber.secret, timestamp, body),
      },
    });
  } catch (e) {
    const err = e as Error;
    const timedOut = err?.name === 'TimeoutError' || err?.name === 'AbortError';
    throw fail(
      'retry',
      timedOut
        ? `no answer within ${timeoutMs / 1000} s`
        : `cannot reach the subscriber: ${(err?.cause as Error)?.message ?? err?.message ?? String(e)}`,
    );
  }
  const status = res.status;
  const snippet = (await res.text().catch(() => '')).slice(0, 200);
  const said = snippet ? `: ${snippet}` : '';
  const where = { outbox: row.id, subscriber: subscriber.name, callId: row.call_id, event, status };
  if (status >= 200 && status < 300) {
    ctx.log.debug(where, 'webhook delivered');
    return { messageId: res.headers.get('x-request-id') ?? row.idempotency_key };
  }
  if (status >= 500) throw fail('retry', `subscriber answered ${status}${said}`, status);
  if (status === 429)
    throw fail(
      'rate_limited',
      `subscriber answered 429${said}`,
      status,
      retryAfter(res.headers.get('retry-after')),
    );
  if (status === 408) throw fail('retry', `subscriber answered 408${said}`, status);
  if (status === 410)
    throw fail('permanent', `subscriber answered 410 Gone: it no longer takes this webhook${said}`, status);
  if (status >= 300 && status < 400)
    throw fail(
      'permanent',
      `subscriber answered ${status} (redirects are not followed; fix the url)`,
      status,
    );
  throw fail('permanent', `subscriber refused the delivery with ${status}${said}`, status);
}
