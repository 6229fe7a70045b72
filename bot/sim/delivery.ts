// Interim delivery of the simulator's outbox rows, so the simulator works whether or not the
// job layer (outbox relay + send worker) runs in this process. It claims a row the same way
// the send worker does (a lease on available_at), so the two never send one row twice; and
// the sender deduplicates on the idempotency key anyway.
//
// - No other effects listener (no job layer here): deliver pending sim rows right after each
//   commit (one microtask later, coalesced).
// - A job layer registered itself: leave the rows to it; only rows still unsent after a grace
//   period (e.g. a web-only process on the in-process queue, where no worker runs) are sent here.
import type { Effects } from '../../handlers/context.ts';
import { deliverOutboxRow } from '../../jobs/deliver.ts';
import type { PlatformSender } from '../../jobs/platform.ts';
import { outboxNow } from '../../jobs/relay.ts';
import type { Services } from '../services.ts';

const GRACE_MS = 1500;
const LEASE_MS = 60_000;
const RETRY_MS = 2000;

export interface SimDelivery {
  /** after a commit wrote outbox rows */
  nudge(): void;
  /** the newest outbox row now: pass it to settle() after the work */
  mark(): Promise<string>;
  /** waits until the sim rows written after `mark` are sent (by the job layer or here) */
  settle(mark: string): Promise<void>;
  stop(): void;
}

export function simDelivery(services: Services, sender: PlatformSender): SimDelivery {
  const { ctx } = services;
  const log = ctx.log.child({ part: 'sim-delivery' });
  const only = new Map([['sim', sender]]);
  let chain: Promise<unknown> = Promise.resolve();
  let queued = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const listener = (e: Effects) => {
    if (e.outbox) delivery.nudge();
  };
  const jobLayerHere = () => services.effects.listeners.some((l) => l !== listener);

  /** Sends every due sim row once, oldest first; one run at a time. */
  function drain(): Promise<unknown> {
    if (queued) return chain;
    queued = true;
    chain = chain.then(async () => {
      queued = false;
      if (stopped) return;
      let sent = 0;
      for (;;) {
        const now = outboxNow(ctx);
        const rows = await ctx.db
          .selectFrom('outbox')
          .selectAll()
          .where('platform', '=', 'sim')
          .where('state', '=', 'pending')
          .where('available_at', '<=', now)
          .orderBy('id')
          .limit(50)
          .execute();
        if (!rows.length) {
          if (sent && jobLayerHere())
            log.info({ rows: sent }, 'sim rows the job layer left unsent were delivered by the simulator');
          return;
        }
        for (const r of rows) {
          const claimed = await ctx.db
            .updateTable('outbox')
            .set({ available_at: new Date(Date.now() + LEASE_MS) })
            .where('id', '=', r.id)
            .where('state', '=', 'pending')
            .where('available_at', '<=', now)
            .returningAll()
            .executeTakeFirst();
          if (!claimed) continue; // the send worker has it
          try {
            await deliverOutboxRow(ctx, only, claimed);
            sent++;
          } catch (err) {
            log.warn({ err, outbox: r.id, callId: r.call_id }, 'sim delivery failed; will retry');
            await ctx.db
              .updateTable('outbox')
              .set({
                attempts: claimed.attempts + 1,
                last_error: (err as Error).message,
                available_at: new Date(Date.now() + RETRY_MS),
              })
              .where('id', '=', r.id)
              .where('state', '=', 'pending')
              .execute();
            return;
          }
        }
      }
    });
    chain = chain.catch((err) => log.warn({ err }, 'sim delivery failed'));
    return chain;
  }

  async function pendingAfter(mark: string) {
    const row = await ctx.db
      .selectFrom('outbox')
      .select('id')
      .where('platform', '=', 'sim')
      .where('state', '=', 'pending')
      .where('id', '>', mark)
      .limit(1)
      .executeTakeFirst();
    return !!row;
  }

  const delivery: SimDelivery = {
    nudge() {
      if (stopped) return;
      if (!jobLayerHere()) {
        queueMicrotask(() => void drain());
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(() => void drain(), GRACE_MS);
      timer.unref();
    },
    async mark() {
      const row = await ctx.db
        .selectFrom('outbox')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      return String(row?.id ?? '0');
    },
    async settle(mark) {
      const until = Date.now() + (jobLayerHere() ? GRACE_MS : 0);
      for (;;) {
        if (!(await pendingAfter(mark))) return;
        if (Date.now() >= until) {
          await drain();
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
      const i = services.effects.listeners.indexOf(listener);
      if (i >= 0) services.effects.listeners.splice(i, 1);
    },
  };
  services.effects.listeners.push(listener);
  return delivery;
}
