// The send worker: one job per outbox row. It waits its turn in its line, claims the row for a
// short lease that the worker renews while it holds it (so two workers never send it twice, and
// a dead worker's rows are taken over within seconds), merges routine messages behind it under
// a flood, respects the platform's rate limits, hands the message to its platform (or to
// webhook delivery), and records the outcome: sent, retried with backoff, or failed.
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Logger } from '../config/log.ts';
import {
  batchMembers,
  blockedBy,
  type ClaimedRow,
  claimOrRead,
  joinBatch,
  type LineRow,
  lineLength,
  markFailed,
  markSent,
  mergeCandidates,
  releaseClaim,
  scheduleRetry,
} from '../db/outbox.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import { COALESCED, COALESCED_KINDS, callsOf, MERGE_LIMIT, mergeKey, mergeLimit } from '../handlers/flood.ts';
import type { Message } from '../handlers/messages.ts';
import { deliverBatch } from './deliver.ts';
import { type PlatformSender, SendError } from './platform.ts';
import type { Job } from './queue.ts';
import { outboxNow, type SendJobData } from './relay.ts';

/** sends per second: per app (platform) and per chat */
export type RateLimits = Record<string, { app: number; chat: number }>;

/**
 * Webhook pushes, and any platform the caller gave no limits for; each chat platform's own come
 * from its adapter (startJobs' limits).
 */
export const DEFAULT_LIMITS: RateLimits = {
  webhook: { app: 50, chat: 10 },
  default: { app: 50, chat: 5 },
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
  /** delivers a webhook row (jobs/webhook-delivery.ts's deliverWebhookRow; tests hand in others) */
  webhook: WebhookDelivery;
  /** queues the next rows of a line once this one is sent or failed */
  handOn(row: LineRow): Promise<void>;
  /** how long a claim holds a row unless renewed: a worker that dies mid-send frees it after this */
  leaseMs: number;
  /** this worker, on the rows it claims (only it renews their leases) */
  owner: string;
  /** the queue's backoff, to keep the row's retry time in step with the job's */
  backoff(attemptsMade: number): number;
  /** rows this worker is sending now: their claims are renewed while held (the claim guards
   * across workers; this guards a demo clock running so far ahead that a lease is already over) */
  inFlight: Set<string>;
  /** the line length in a platform's chat above which routine messages merge (none: never) */
  mergeAbove?(platform: string): number | undefined;
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
    const { claimed, row } = await claimOrRead(ctx.db, outboxId, {
      owner: deps.owner,
      until: new Date(Date.now() + deps.leaseMs),
      now: outboxNow(ctx),
    });
    if (claimed) {
      if (senderReady(deps.senders, claimed.platform)) return await deliverClaimed(deps, claimed, job);
      await releaseClaim(ctx.db, claimed.id, outboxNow(ctx));
      return 'not_ready';
    }
    // Not ours to send now; why (the same statement read the row as it stood).
    if (!row) return 'done';
    // Already sent or failed: a duplicate job, or one whose worker died before handing on. A row
    // that went in another's message needs none: the message's own row handed on (its jobs and
    // the sweep do it again if that worker died), and a line's dozens of coalesced reminders
    // would each queue its next rows again.
    if (row.state !== 'pending') {
      if (!row.merged_into || row.merged_into === row.id) await deps.handOn(row);
      return 'done';
    }
    if (!senderReady(deps.senders, row.platform)) return 'not_ready';
    // An older row of its line goes first and hands on to this one when it is done.
    if (await blockedBy(ctx.db, row)) return 'blocked';
    return 'busy'; // another worker holds it, it travels in another row's batch, or it waits for its retry
  } finally {
    deps.inFlight.delete(outboxId);
  }
}

/**
 * What goes with a claimed row: the members settled by an earlier claim; on its first claim, the
 * timer messages of its chat that fell due within a few seconds of it (the district file's
 * escalation.coalesce_seconds), and under a flood (its chat's line longer than it can send in a
 * few seconds) the routine messages after it that merge with it (handlers/flood.ts says which).
 */
async function batchOf(deps: SendDeps, head: ClaimedRow): Promise<OutboxRow[]> {
  const { ctx } = deps;
  if (head.kind !== 'message') return [head];
  if (head.decided) return [head, ...(await batchMembers(ctx.db, head.id))];
  const key = mergeKey((head.payload as { message: Message }).message);
  if (!key) return [head];
  const sameKey = (c: { payload: unknown }) => mergeKey((c.payload as { message: Message }).message) === key;
  let same: { id: string }[];
  if (key === COALESCED) {
    const withinMs = ctx.district.escalation.coalesce_seconds * 1000;
    if (!withinMs) return [head];
    // the limit counts calls: rows written already merged name several
    let room = mergeLimit(key) - callsOf(head.payload, head.call_id).length;
    if (room <= 0) return [head];
    const coalesce = { kinds: COALESCED_KINDS, withinMs };
    const candidates = await mergeCandidates(ctx.db, head, { limit: room, now: outboxNow(ctx), coalesce });
    same = candidates.filter(sameKey).filter((c) => {
      if (Number(c.calls) > room) return false;
      room -= Number(c.calls);
      return true;
    });
  } else {
    const above = deps.mergeAbove?.(head.platform);
    if (above === undefined) return [head];
    if ((await lineLength(ctx.db, head, above + 1)) <= above) return [head];
    const candidates = await mergeCandidates(ctx.db, head, { limit: 3 * MERGE_LIMIT, now: outboxNow(ctx) });
    same = candidates.filter(sameKey).slice(0, mergeLimit(key) - 1);
  }
  const members = await joinBatch(
    ctx.db,
    head,
    same.map((c) => c.id),
  );
  if (members.length)
    deps.log.info(
      { outbox: head.id, chatId: head.chat_id, merged: members.length + 1, kind: key },
      key === COALESCED
        ? 'timer messages due together sent as one'
        : 'flood: routine messages merged into one',
    );
  return [head, ...members];
}

async function deliverClaimed(deps: SendDeps, claimed: ClaimedRow, job: Job): Promise<SendOutcome> {
  const { ctx, log } = deps;
  const row: OutboxRow = claimed;
  const chat = row.kind === 'webhook' ? `${row.chat_id}|${row.call_id ?? ''}` : row.chat_id;
  try {
    const batch = await batchOf(deps, claimed);
    await deps.limiters.take(row.platform, chat);
    if (row.kind === 'webhook') {
      const messageId = ((await deps.webhook(ctx, row)) as { messageId?: string })?.messageId;
      await markSent(ctx.db, [row.id], { at: ctx.clock.now(), platformMessageId: messageId ?? null });
    } else if ((await deliverBatch(ctx, deps.senders, batch)) === 'not_ready') {
      await releaseClaim(ctx.db, row.id, outboxNow(ctx));
      return 'not_ready';
    }
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
      // the rows merged into it go on their own
      await markFailed(ctx.db, row.id, { attempts, reason: why, now: outboxNow(ctx) });
      log.error({ ...where, reason: why }, 'outbox row failed for good');
      // the chat's next message must not wait for one that will never go
      await deps.handOn(row);
      return 'failed';
    }
    const delay = deps.backoff(job.attemptsMade + 1);
    await scheduleRetry(ctx.db, row.id, { attempts, reason, at: new Date(Date.now() + delay) });
    log.warn({ ...where, reason, delay }, 'send failed; will retry');
    // The job has no retries left (its row still has): the sweep queues a fresh job.
    if (job.isFinalAttempt) return 'retry';
    throw err;
  }
}
