// The simulator's rows take the same relay and send path as every platform's (the job layer's
// send worker, or another process's); the page's API only waits for them, so an answer to a
// message or a clock step already shows what the bot said because of it.
import { newestRowId, pendingAfter } from '../../db/outbox.ts';
import type { Ctx } from '../../handlers/context.ts';

/** how long an API answer waits for the bot's messages before it answers anyway */
const SETTLE_MS = 10_000;

export interface SimDelivery {
  /** the newest outbox row now: pass it to settle() after the work */
  mark(): Promise<string>;
  /** waits (up to SETTLE_MS) until the sim rows written after `mark` are sent */
  settle(mark: string): Promise<void>;
}

export function simDelivery(ctx: Ctx, platform: string): SimDelivery {
  return {
    mark: () => newestRowId(ctx.db),
    async settle(mark) {
      const until = Date.now() + SETTLE_MS;
      while (await pendingAfter(ctx.db, platform, mark)) {
        if (Date.now() >= until) {
          ctx.log.warn({ after: mark }, 'simulator rows still unsent; is a send worker running?');
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
