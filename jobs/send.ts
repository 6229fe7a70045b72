// The send worker: one job per outbox row. It waits its turn in its chat, claims the row
// (so two workers never send it twice), respects the platform's rate limits, hands the row
// to its platform (or to webhook delivery), and records the outcome: sent, retried with
// backoff, or failed with the reason.
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Logger } from '../config/log.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import { deliverOutboxRow } from './deliver.ts';
import { type PlatformSender, SendError } from './platform.ts';
import type { Job } from './queue.ts';
import { type GroupRow, olderPending, outboxNow, type SendJobData } from './relay.ts';

/** sends per second: per app (platform) and per chat */
export type RateLimits = Record<string, { app: number; chat: number }>;

/** Lark allows 50 sends/s per app and 5/s per chat; the others are configurable. */
export const DEFAULT_LIMITS: RateLimits = {
  lark: { app: 50, chat: 5 },
  wechat: { app: 5, chat: 1 },
  sim: { app: 200, chat: 50 },
  webhook: { app: 50, chat: 10 },
};

export const MAX_SEND_ATTEMPTS = 8;

export interface Limiters {
  /** resolves when this send may go; waits (never fails) while over the limit */
  take(platform: string, chatId: string): Promise<void>;
}

export function createLimiters(limits: RateLimits, redis?: Redis, prefix = 'huying'): Limiters {
  const made = new Map<string, RateLimiterAbstract>();
  const limiter = (key: string, points: number) => {
    let l = made.get(key);
    if (!l) {
      const opts = { keyPrefix: `${prefix}:rl:${key}`, points, duration: 1 };
      // A Redis that is down must not stop sends: the in-process limiter stands in.
      l = redis
        ? new RateLimiterRedis({
            ...opts,
            storeClient: redis,
            rejectIfRedisNotReady: true,
            insuranceLimiter: new RateLimiterMemory(opts),
          })
        : new RateLimiterMemory(opts);
      made.set(key, l);
    }
    return l;
  };
  const wait = async (l: RateLimiterAbstract, key: string) => {
    for (;;) {
      try {
        await l.consume(key);
        return;
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        await new Promise((r) => setTimeout(r, Math.max(5, e.msBeforeNext)));
      }
    }
  };
  return {
    async take(platform, chatId) {
      const lim = limits[platform] ?? limits.default ?? { app: 5, chat: 1 };
      await wait(limiter(`${platform}:app`, lim.app), 'app');
      await wait(limiter(`${platform}:chat`, lim.chat), chatId);
    },
  };
}

export type WebhookDelivery = (ctx: Ctx, row: OutboxRow) => Promise<unknown>;

export interface SendDeps {
  ctx: Ctx;
  log: Logger;
  senders: Map<string, PlatformSender>;
  limiters: Limiters;
  /** jobs/webhook-delivery.ts's deliverWebhookRow, looked up when a webhook row comes */
  webhook(): Promise<WebhookDelivery>;
  /** queues the next row of a chat once this one is sent or failed */
  handOn(row: GroupRow): Promise<void>;
  /** how long a claim holds a row: a worker that dies mid-send frees it after this */
  leaseMs: number;
  /** the queue's backoff, to keep the row's retry time in step with the job's */
  backoff(attemptsMade: number): number;
  /** rows this worker is sending now (the claim guards across workers; this guards a demo
   * clock running so far ahead that a claim's lease is already over) */
  inFlight: Set<string>;
}

export type SendOutcome = 'sent' | 'failed' | 'retry' | 'done' | 'blocked' | 'busy' | 'not_ready';

export function senderReady(senders: Map<string, PlatformSender>, platform: string) {
  return platform === 'webhook' || !!senders.get(platform)?.ready();
}

/**
 * Processes one send job. Throws only to have the queue retry the job later (with its
 * backoff); every outcome that needs no retry returns.
 */
export async function sendOutboxJob(deps: SendDeps, data: SendJobData, job: Job): Promise<SendOutcome> {
  const { ctx } = deps;
  const { outboxId } = data;
  // Logged out (e.g. WeChat): the row waits without using up attempts; the sweep retries.
  if (data.platform && !senderReady(deps.senders, data.platform)) return 'not_ready';
  if (deps.inFlight.has(outboxId)) return 'busy';
  deps.inFlight.add(outboxId);
  try {
    const claimed = await claim(deps, outboxId);
    if (claimed) {
      if (senderReady(deps.senders, claimed.platform)) return await deliverClaimed(deps, claimed, job);
      await release(deps, claimed);
      return 'not_ready';
    }
    // Not ours to send now; find out why (the common case took one statement above).
    const row = await ctx.db.selectFrom('outbox').selectAll().where('id', '=', outboxId).executeTakeFirst();
    if (!row) return 'done';
    // Already sent or failed: a duplicate job, or one whose worker died before handing on.
    if (row.state !== 'pending') {
      await deps.handOn(row);
      return 'done';
    }
    if (!senderReady(deps.senders, row.platform)) return 'not_ready';
    // An older row of its chat goes first and hands on to this one when it is done.
    if (await olderPending(ctx, row)) return 'blocked';
    return 'busy'; // another worker holds it, or it waits for its retry
  } finally {
    deps.inFlight.delete(outboxId);
  }
}

/**
 * Takes the row for leaseMs, in one statement: only while it is pending, due (not held by
 * another worker, not waiting for a retry) and the oldest pending row of its group.
 */
function claim(deps: SendDeps, outboxId: string) {
  return deps.ctx.db
    .updateTable('outbox')
    .set({ available_at: new Date(Date.now() + deps.leaseMs) })
    .where('id', '=', outboxId)
    .where('state', '=', 'pending')
    .where('available_at', '<=', outboxNow(deps.ctx))
    .where(
      sql<boolean>`not exists (select 1 from outbox o where o.state = 'pending' and o.id < outbox.id
        and o.platform = outbox.platform and o.chat_id = outbox.chat_id
        and (outbox.kind <> 'webhook' or (o.kind = 'webhook' and o.call_id is not distinct from outbox.call_id)))`,
    )
    .returningAll()
    .executeTakeFirst();
}

async function deliverClaimed(deps: SendDeps, row: OutboxRow, job: Job): Promise<SendOutcome> {
  const { ctx, log } = deps;
  const chat = row.kind === 'webhook' ? `${row.chat_id}|${row.call_id ?? ''}` : row.chat_id;
  try {
    await deps.limiters.take(row.platform, chat);
    let messageId: string | undefined;
    if (row.kind === 'webhook')
      messageId = ((await (await deps.webhook())(ctx, row)) as { messageId?: string })?.messageId;
    else if ((await deliverOutboxRow(ctx, deps.senders, row)) === 'not_ready') {
      await release(deps, row);
      return 'not_ready';
    }
    // deliverOutboxRow records the messages it sends; webhooks (and card updates, should it
    // leave one pending) are recorded here, a no-op for a row already marked
    if (row.kind !== 'message') await markSent(ctx, row, messageId);
    await deps.handOn(row);
    return 'sent';
  } catch (e) {
    const err =
      e instanceof SendError
        ? e
        : new SendError('retry', (e as Error)?.message ?? String(e), { platform: row.platform });
    const attempts = row.attempts + 1;
    const reason = `${err.kind}: ${err.message}${err.details.code !== undefined ? ` (code ${err.details.code})` : ''}`;
    const where = {
      outbox: row.id,
      platform: row.platform,
      chatId: row.chat_id,
      callId: row.call_id,
      attempts,
    };
    if (err.kind === 'permanent' || attempts >= MAX_SEND_ATTEMPTS) {
      const why = err.kind === 'permanent' ? reason : `gave up after ${attempts} attempts: ${reason}`;
      await ctx.db
        .updateTable('outbox')
        .set({ state: 'failed', attempts, last_error: why })
        .where('id', '=', row.id)
        .where('state', '=', 'pending')
        .execute();
      log.error({ ...where, reason: why }, 'outbox row failed for good');
      // the chat's next message must not wait for one that will never go
      await deps.handOn(row);
      return 'failed';
    }
    const delay = deps.backoff(job.attemptsMade + 1);
    await ctx.db
      .updateTable('outbox')
      .set({ attempts, last_error: reason, available_at: new Date(Date.now() + delay) })
      .where('id', '=', row.id)
      .where('state', '=', 'pending')
      .execute();
    log.warn({ ...where, reason, delay }, 'send failed; will retry');
    // The job has no retries left (its row still has): the sweep queues a fresh job.
    if (job.isFinalAttempt) return 'retry';
    throw err;
  }
}

/** A delivered row: sent (with the subscriber's request id for a webhook). */
async function markSent(ctx: Ctx, row: OutboxRow, messageId?: string) {
  await ctx.db
    .updateTable('outbox')
    .set({
      state: 'sent',
      sent_at: ctx.clock.now(),
      attempts: row.attempts + 1,
      platform_message_id: messageId ?? null,
    })
    .where('id', '=', row.id)
    .where('state', '=', 'pending')
    .execute();
}

/** Gives the claim back unused (the platform was not ready after all). */
async function release(deps: SendDeps, row: OutboxRow) {
  await deps.ctx.db
    .updateTable('outbox')
    .set({ available_at: outboxNow(deps.ctx) })
    .where('id', '=', row.id)
    .where('state', '=', 'pending')
    .execute();
}

/** The webhook module is another part's; until it exists, webhook rows retry. */
export function webhookLoader(path = './webhook-delivery.ts'): () => Promise<WebhookDelivery> {
  let found: WebhookDelivery | undefined;
  return async () => {
    if (found) return found;
    let mod: { deliverWebhookRow?: WebhookDelivery };
    try {
      mod = await import(/* @vite-ignore */ new URL(path, import.meta.url).href);
    } catch (e) {
      throw new SendError('retry', `webhook delivery is not available (${(e as Error).message})`, {
        platform: 'webhook',
      });
    }
    if (typeof mod.deliverWebhookRow !== 'function')
      throw new SendError('retry', 'webhook delivery is not available (no deliverWebhookRow)', {
        platform: 'webhook',
      });
    found = mod.deliverWebhookRow;
    return found;
  };
}
