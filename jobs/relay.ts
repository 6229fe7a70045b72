// The outbox relay: turns pending outbox rows into jobs on the `send` queue. A nudge after
// each commit queues the rows written since the last look; a sweep queues the oldest
// pending row of every chat (a lost nudge, a Redis that lost its data, a restart); a row
// that was sent or failed hands on to the next one of its chat, which keeps chats in order.
import { sql } from 'kysely';
import type { Logger } from '../config/log.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import type { JobOptions, Queue } from './queue.ts';

/** Rows go out in order within a group: a chat, or for webhooks a subscriber and a call. */
export type GroupRow = Pick<OutboxRow, 'id' | 'platform' | 'chat_id' | 'kind' | 'call_id'>;

export const sendJobId = (outboxId: string) => `outbox:${outboxId}`;

export interface SendJobData {
  outboxId: string;
  /** lets a worker whose platform is logged out pass without a query */
  platform?: string;
}

export const groupKey = (r: GroupRow) =>
  r.kind === 'webhook' ? `webhook|${r.chat_id}|${r.call_id ?? ''}` : `${r.platform}|${r.chat_id}`;

/** Outbox times are compared with the later of the wall clock and the app's clock: rows are
 * stamped with the app's clock (a demo's manual clock may run ahead), leases and retries with
 * real time (they wait for a platform, not for the demo). */
export const outboxNow = (ctx: Ctx) => new Date(Math.max(Date.now(), ctx.clock.now().getTime()));

/** Older pending rows of the same group: while there is one, this row must wait. */
export function olderPending(ctx: Ctx, r: GroupRow) {
  let q = ctx.db
    .selectFrom('outbox')
    .select('id')
    .where('state', '=', 'pending')
    .where('id', '<', r.id)
    .where('platform', '=', r.platform)
    .where('chat_id', '=', r.chat_id);
  if (r.kind === 'webhook')
    q = q.where('kind', '=', 'webhook').where('call_id', r.call_id === null ? 'is' : '=', r.call_id);
  return q.orderBy('id').limit(1).executeTakeFirst();
}

export interface RelayOptions {
  ctx: Ctx;
  queue: Queue;
  log: Logger;
  jobOptions: JobOptions;
  /** a relay that cannot reach the queue gives up after this long (the sweep retries) */
  timeoutMs?: number;
  /** runs the relay's database work (one at a time on embedded PGlite) */
  lane?: Lane;
}

export type Lane = <T>(fn: () => Promise<T>) => Promise<T>;

/** One piece of database work at a time: embedded PGlite mixes up concurrent connections. */
export function exclusiveLane(): Lane {
  let tail: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}

export interface Relay {
  /** after a commit: queue what was written (coalesced; never throws) */
  nudge(): void;
  /** queues the rows written since the last look; the number of jobs added */
  relayNew(): Promise<number>;
  /** queues the oldest due row of every group whose platform can send now */
  sweep(ready: (platform: string) => boolean): Promise<number>;
  /** after a row was sent or failed: queues the next pending row of its group (outside the
   * lane: it runs inside a send job, which holds it already) */
  handOn(row: GroupRow): Promise<void>;
  /** resolves when no nudge is in flight */
  idle(): Promise<void>;
}

const BATCH = 1000;

export function createRelay(o: RelayOptions): Relay {
  const { ctx, queue, log } = o;
  const timeoutMs = o.timeoutMs ?? 5000;
  const lane: Lane = o.lane ?? ((fn) => fn());
  // Ids only grow, so "written since the last look" is "id above the highest seen". A row
  // whose transaction committed late, under a lower id, is the sweep's (or its chat's
  // predecessor's) to hand on.
  let watermark = '0';
  let running: Promise<void> | null = null;
  let again = false;

  const job = (r: { id: string; platform: string }, jobId = sendJobId(r.id)) => ({
    name: 'send',
    data: { outboxId: r.id, platform: r.platform } satisfies SendJobData,
    opts: { ...o.jobOptions, jobId },
  });

  const add = (jobs: ReturnType<typeof job>[]) =>
    jobs.length ? withTimeout(queue.addBulk(jobs), timeoutMs, 'adding send jobs') : Promise.resolve();

  async function relayNew(): Promise<number> {
    let added = 0;
    for (;;) {
      const rows = await ctx.db
        .selectFrom('outbox')
        .select(['id', 'platform', 'chat_id', 'kind', 'call_id'])
        .where('state', '=', 'pending')
        .where('id', '>', watermark)
        .orderBy('id')
        .limit(BATCH)
        .execute();
      if (!rows.length) return added;
      // Only the first row of a group in this batch can go now; the rest follow it by handOn.
      const seen = new Set<string>();
      const firsts = rows.filter((r) => !seen.has(groupKey(r)) && !!seen.add(groupKey(r)));
      await add(firsts.map((r) => job(r)));
      added += firsts.length;
      // never backwards: a slower relay running beside this one may finish later
      if (BigInt(rows.at(-1)!.id) > BigInt(watermark)) watermark = rows.at(-1)!.id;
      if (rows.length < BATCH) return added;
    }
  }

  function nudge() {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await lane(relayNew);
        } catch (err) {
          log.warn({ err }, 'outbox relay failed; the sweep will queue these rows');
        }
      } while (again);
    })().finally(() => {
      running = null;
    });
  }

  async function sweep(ready: (platform: string) => boolean): Promise<number> {
    const heads = await ctx.db
      .selectFrom('outbox')
      .select(['id', 'platform'])
      .where(
        'id',
        'in',
        ctx.db
          .selectFrom('outbox')
          .select((eb) => eb.fn.min<string>('id').as('id'))
          .where('state', '=', 'pending')
          .groupBy(['platform', 'chat_id', sql`case when kind = 'webhook' then call_id end`]),
      )
      .where('available_at', '<=', outboxNow(ctx))
      .execute();
    const due = heads.filter((h) => h.platform === 'webhook' || ready(h.platform));
    await add(due.map((h) => job(h)));
    return due.length;
  }

  async function handOn(row: GroupRow) {
    const next = await olderPending(ctx, { ...row, id: '9223372036854775807' });
    // A job id of its own: the next row's first job may still be finishing (it found this
    // row pending), and a job with that id would be taken for a duplicate.
    if (next)
      await add([job({ id: next.id, platform: row.platform }, `${sendJobId(next.id)}:after:${row.id}`)]);
  }

  return {
    nudge,
    relayNew: () => lane(relayNew),
    sweep: (ready) => lane(() => sweep(ready)),
    handOn,
    idle: async () => {
      while (running) await running;
    },
  };
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
