// The send worker: drains one chat's pending outbox rows in order (so a chat reads its
// messages in the order they were written), within the platform's rate limits, retrying
// with backoff and keeping permanent failures with their reason.

import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import { deliverOutboxRow } from './deliver.ts';
import { type PlatformSender, SendError } from './platform.ts';

export const MAX_SEND_ATTEMPTS = 8;
const BACKOFF_MS = 1000;

/** Lark allows 50 sends/s per app and 5/s per chat; the others are kept as gentle. */
const LIMITS: Record<string, { app: number; chat: number }> = {
  lark: { app: 50, chat: 5 },
  wechat: { app: 5, chat: 2 },
  webhook: { app: 50, chat: 10 },
  sim: { app: 1000, chat: 1000 },
};

export interface Limiters {
  take(platform: string, chatId: string): Promise<void>;
}

export function createLimiters(redis?: Redis): Limiters {
  const made = new Map<string, RateLimiterAbstract>();
  const limiter = (key: string, points: number) => {
    let l = made.get(key);
    if (!l) {
      const opts = { keyPrefix: `huying-rl-${key}`, points, duration: 1 };
      l = redis ? new RateLimiterRedis({ ...opts, storeClient: redis }) : new RateLimiterMemory(opts);
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
        const ms = (e as { msBeforeNext?: number }).msBeforeNext;
        if (ms === undefined) throw e;
        await new Promise((r) => setTimeout(r, Math.max(10, ms)));
      }
    }
  };
  return {
    async take(platform, chatId) {
      const lim = LIMITS[platform] ?? LIMITS.wechat;
      await wait(limiter(`${platform}-app`, lim.app), 'app');
      await wait(limiter(`${platform}-chat`, lim.chat), chatId);
    },
  };
}

export type DrainResult = { sent: number; retryAt?: number };

export interface SendDeps {
  ctx: Ctx;
  senders: Map<string, PlatformSender>;
  limiters: Limiters;
  deliverWebhook?: (ctx: Ctx, row: OutboxRow) => Promise<{ messageId: string }>;
}

/** Sends this chat's due rows oldest first; stops at the first row that must wait. */
export async function drainChat(deps: SendDeps, platform: string, chatId: string): Promise<DrainResult> {
  const { ctx } = deps;
  let sent = 0;
  for (;;) {
    const row = await ctx.db
      .selectFrom('outbox')
      .selectAll()
      .where('platform', '=', platform)
      .where('chat_id', '=', chatId)
      .where('state', '=', 'pending')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!row) return { sent };
    const now = ctx.clock.now().getTime();
    const due = new Date(row.available_at).getTime();
    // wall time, not the app's clock: retries wait for the platform, not for the demo clock
    if (due > Date.now() && due > now) return { sent, retryAt: due };
    try {
      await deps.limiters.take(platform, chatId);
      const result =
        row.kind === 'webhook'
          ? await (deps.deliverWebhook ?? missingWebhook)(ctx, row).then(async (r) => {
              await markSent(ctx, row, r.messageId);
              return r;
            })
          : await deliverOutboxRow(ctx, deps.senders, row);
      if (result === 'not_ready') return { sent };
      sent++;
    } catch (e) {
      const err =
        e instanceof SendError ? e : new SendError('retry', (e as Error).message ?? String(e), { platform });
      const attempts = row.attempts + 1;
      const reason = `${err.kind}: ${err.message}${err.details.code !== undefined ? ` (code ${err.details.code})` : ''}`;
      if (err.kind === 'permanent' || attempts >= MAX_SEND_ATTEMPTS) {
        await ctx.db
          .updateTable('outbox')
          .set({ state: 'failed', attempts, last_error: reason })
          .where('id', '=', row.id)
          .execute();
        ctx.log.error({ outbox: row.id, platform, chatId, reason }, 'send failed for good');
        continue; // the next row of this chat must not wait for a message that will never go
      }
      const delay = err.details.retryAfterMs ?? BACKOFF_MS * 2 ** (attempts - 1);
      const retryAt = Date.now() + delay;
      await ctx.db
        .updateTable('outbox')
        .set({ attempts, last_error: reason, available_at: new Date(Math.max(retryAt, now)) })
        .where('id', '=', row.id)
        .execute();
      ctx.log.warn({ outbox: row.id, platform, chatId, reason, attempts, delay }, 'send will be retried');
      return { sent, retryAt };
    }
  }
}

async function markSent(ctx: Ctx, row: OutboxRow, messageId: string) {
  await ctx.db
    .updateTable('outbox')
    .set({
      state: 'sent',
      sent_at: ctx.clock.now(),
      platform_message_id: messageId,
      attempts: row.attempts + 1,
    })
    .where('id', '=', row.id)
    .execute();
}

async function missingWebhook(): Promise<never> {
  throw new SendError('retry', 'webhook delivery is not available', { platform: 'webhook' });
}
