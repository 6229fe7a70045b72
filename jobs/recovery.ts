// Recovery from the database alone: at start (and periodically, for a Redis that lost its
// data while we ran) every unfired timer is (re)scheduled and every unsent outbox row is
// queued again. Timers whose instant passed while nothing ran fire once, at once.
import type { Logger } from '../config/log.ts';
import { releaseAllClaims } from '../db/outbox.ts';
import type { Ctx } from '../handlers/context.ts';
import type { Lane } from './lane.ts';
import type { Queue } from './queue.ts';
import { outboxNow, type Relay } from './relay.ts';
import { scheduleTimers } from './timers.ts';

export interface RecoveryParts {
  ctx: Ctx;
  log: Logger;
  timers: Queue;
  relay: Relay;
  ready(platform: string): boolean;
  lane?: Lane;
}

/**
 * Claims held by a process that died are freed. Only safe when no other process can hold
 * one: the in-process driver, where this process is the only worker.
 */
export const releaseLeases = (ctx: Ctx) => releaseAllClaims(ctx.db, outboxNow(ctx));

export async function recover(
  p: RecoveryParts,
  opts: { releaseLeases?: boolean } = {},
): Promise<{ timers: number; rows: number; released: number }> {
  const lane: Lane = p.lane ?? ((fn) => fn());
  const released = opts.releaseLeases ? await lane(() => releaseLeases(p.ctx)) : 0;
  const timers = await lane(() => scheduleTimers(p.ctx, p.timers));
  // The oldest row of each chat is queued; the others follow it in order.
  const rows = await p.relay.sweep(p.ready);
  await p.relay.relayNew();
  p.log.info({ timers, rows, released }, 'recovered timers and outbox from the database');
  return { timers, rows, released };
}

/**
 * A lighter pass for while we run: timers due within the horizon (or overdue and unfired)
 * are queued again; ids make the already-queued ones no-ops.
 */
export async function reconcileTimers(p: RecoveryParts, horizonMs: number): Promise<number> {
  const lane: Lane = p.lane ?? ((fn) => fn());
  return lane(() => scheduleTimers(p.ctx, p.timers, { horizonMs }));
}
