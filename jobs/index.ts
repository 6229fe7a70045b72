// The job layer for a role: the outbox relay (commit → a drain job per chat), the send
// worker, timers from deadlines, recovery at start, and the repeatable schedules.

import type { Services } from '../bot/wiring.ts';
import type { Effects } from '../handlers/context.ts';
import { fireTimer, type TimerSpec } from '../handlers/remind.ts';
import { BullMqDriver } from './bullmq.ts';
import type { Queue } from './queue.ts';
import { startSchedules } from './schedules.ts';
import { createLimiters, drainChat, type SendDeps } from './send.ts';
import { scheduleTimers } from './timers.ts';

export interface Jobs {
  /** queues a drain for every chat with pending rows */
  relay(): Promise<number>;
  stop(): Promise<void>;
}

const SWEEP_MS = 5000;

export async function startJobs(services: Services, opts: { worker: boolean }): Promise<Jobs> {
  const { ctx, runtime } = services;
  const log = ctx.log.child({ part: 'jobs' });
  const queues = runtime.queues;
  if (queues.kind === 'memory' && services.role !== 'all')
    log.warn(
      { role: services.role },
      'the in-process queue only works with --role all; set REDIS_URL to split roles',
    );
  const send = queues.queue('send');
  const timers = queues.queue('timers');

  const drainJob = (platform: string, chatId: string, at?: number) => ({
    name: 'drain',
    data: { platform, chatId },
    opts: at
      ? { jobId: `drain:${platform}:${chatId}:${at}`, delay: Math.max(0, at - Date.now()), attempts: 3 }
      : { jobId: `drain:${platform}:${chatId}`, attempts: 3 },
  });

  async function relay(): Promise<number> {
    const chats = await ctx.db
      .selectFrom('outbox')
      .select(['platform', 'chat_id'])
      .where('state', '=', 'pending')
      .groupBy(['platform', 'chat_id'])
      .execute();
    if (chats.length) await send.addBulk(chats.map((c) => drainJob(c.platform, c.chat_id)));
    return chats.length;
  }

  const onEffects = (e: Effects) => {
    if (e.outbox) relay().catch((err) => log.warn({ err }, 'relay failed; the sweep will retry'));
    if (e.timers.length)
      scheduleTimers(ctx, timers, e.timers).catch((err) =>
        log.warn({ err }, 'timer scheduling failed; recovery at start re-derives them'),
      );
  };
  services.effects.listeners.push(onEffects);

  let sweep: NodeJS.Timeout | undefined;
  let stopSchedules = async () => {};
  if (opts.worker) {
    const deps: SendDeps = {
      ctx,
      senders: services.senders,
      limiters: createLimiters(queues instanceof BullMqDriver ? queues.connection : undefined),
      deliverWebhook: await loadWebhookDelivery(),
    };
    processSend(send, deps);
    timers.process(
      async (job) => {
        const outcome = await fireTimer(ctx, job.data as TimerSpec);
        if (outcome === 'fired') log.info({ timer: (job.data as TimerSpec).id }, 'timer fired');
      },
      { concurrency: 8 },
    );
    // Recovery: everything due or unsent is derived from the database alone, at start and
    // whenever Redis comes back (it may have come back empty).
    const recover = async (why: string) => {
      const [timersScheduled, chats] = await Promise.all([scheduleTimers(ctx, timers), relay()]);
      log.info(
        { why, timersScheduled, chatsWithPending: chats },
        'recovered timers and outbox from the database',
      );
    };
    await recover('start');
    if (queues instanceof BullMqDriver)
      queues.onReconnect(() => {
        recover('redis reconnected').catch((err) => log.error({ err }, 'recovery failed'));
      });
    sweep = setInterval(() => {
      relay().catch((err) => log.warn({ err }, 'outbox sweep failed'));
    }, SWEEP_MS);
    sweep.unref();
    stopSchedules = await startSchedules(services);
  }

  function processSend(q: Queue, deps: SendDeps) {
    q.process(
      async (job) => {
        const { platform, chatId } = job.data as { platform: string; chatId: string };
        const r = await drainChat(deps, platform, chatId);
        if (r.retryAt) await q.addBulk([drainJob(platform, chatId, r.retryAt)]);
      },
      { concurrency: 16 },
    );
  }

  return {
    relay,
    async stop() {
      if (sweep) clearInterval(sweep);
      await stopSchedules();
      const i = services.effects.listeners.indexOf(onEffects);
      if (i >= 0) services.effects.listeners.splice(i, 1);
    },
  };
}

async function loadWebhookDelivery(): Promise<SendDeps['deliverWebhook']> {
  try {
    const mod = (await import(`./webhook-delivery${'.ts'}`)) as {
      deliverWebhookRow?: SendDeps['deliverWebhook'];
    };
    return mod.deliverWebhookRow;
  } catch {
    return undefined;
  }
}
