// The outbox relay: turns pending outbox rows into jobs on the `send` queue. A nudge after
// each commit queues the rows written since the last look; a sweep queues the rows that may go
// now in every line (a lost nudge, a Redis that lost its data, a restart, a dead worker's
// lapsed claim); a row that was sent or failed hands on to the next ones of its line, which
// keeps lines in order. Which row may go when is db/outbox.ts's.
import type { Logger } from '../config/log.ts';
import { type LineRow, lineHeads, nextInLine, PRIORITY, rowsAfter, stillPending } from '../db/outbox.ts';
import type { Ctx } from '../handlers/context.ts';
import { type Lane, withTimeout } from './lane.ts';
import type { JobOptions, Queue } from './queue.ts';

export type { LineRow as GroupRow } from '../db/outbox.ts';

export const sendJobId = (outboxId: string) => `outbox:${outboxId}`;

export interface SendJobData {
  outboxId: string;
  /** lets a worker whose platform is logged out pass without a query */
  platform?: string;
}

/** A line: a chat, or for webhooks a subscriber and a call. */
export const groupKey = (r: Pick<LineRow, 'kind' | 'platform' | 'chat_id' | 'call_id'>) =>
  r.kind === 'webhook' ? `webhook|${r.chat_id}|${r.call_id ?? ''}` : `${r.platform}|${r.chat_id}`;

/** Outbox times are compared with the later of the wall clock and the app's clock: rows are
 * stamped with the app's clock (a demo's manual clock may run ahead), leases and retries with
 * real time (they wait for a platform, not for the demo). */
export const outboxNow = (ctx: Ctx) => new Date(Math.max(Date.now(), ctx.clock.now().getTime()));

export interface RelayOptions {
  ctx: Ctx;
  queue: Queue;
  log: Logger;
  jobOptions: JobOptions;
  /** a relay that cannot reach the queue gives up after this long (the sweep retries) */
  timeoutMs?: number;
  /** runs the relay's database work (one at a time on embedded PGlite) */
  lane?: Lane;
  /**
   * A sweep's job for a row gets an id of its own once per this many ms: the row's earlier job
   * may be stuck in a dead worker (BullMQ keeps it active until its lock runs out), and a job
   * with the same id would be taken for a duplicate (default 10 s).
   */
  sweepIdMs?: number;
}

export interface Relay {
  /** after a commit: queue what was written (coalesced; never throws) */
  nudge(): void;
  /** queues the rows written since the last look; the number of jobs added */
  relayNew(): Promise<number>;
  /** queues the rows that may go now in every line whose platform can send now */
  sweep(ready: (platform: string) => boolean): Promise<number>;
  /** after a row was sent or failed: queues the next pending rows of its line (outside the
   * lane: it runs inside a send job, which holds it already) */
  handOn(row: LineRow): Promise<void>;
  /** resolves when no nudge is in flight */
  idle(): Promise<void>;
}

const BATCH = 1000;

export function createRelay(o: RelayOptions): Relay {
  const { ctx, queue, log } = o;
  const timeoutMs = o.timeoutMs ?? 5000;
  const sweepIdMs = o.sweepIdMs ?? 10_000;
  const lane: Lane = o.lane ?? ((fn) => fn());
  // Ids only grow, so "written since the last look" is "id above the highest seen". A row
  // whose transaction committed late, under a lower id, is the sweep's (or its line's
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

  // The row of each line this relay last queued (by the relay or a hand-on). While it waits, a
  // newer routine row of its line needs no job of its own: the line's hand-ons reach it (what its
  // send job would find out, a few statements later, as "blocked"). Reminders falling due
  // together are rows from dozens of commits in each of a hundred lines: without this, a job
  // for each line at each commit, most of them merged into another row's message before they
  // run, queued ahead of the lines' next messages.
  const lastQueued = new Map<string, string>();

  async function relayNew(): Promise<number> {
    let added = 0;
    for (;;) {
      const rows = await rowsAfter(ctx.db, watermark, BATCH);
      if (!rows.length) return added;
      // The first row of a line in this batch may go now, and so may an urgent row (it passes
      // routine ones); the rest follow by handOn.
      const seen = new Set<string>();
      const firsts = rows.filter(
        (r) => r.priority > PRIORITY.routine || (!seen.has(groupKey(r)) && !!seen.add(groupKey(r))),
      );
      // A row read here was committed before this look, so a waiting older row's hand-on, which
      // comes after it, sees it.
      const older = firsts.flatMap((r) => {
        const q = r.priority > PRIORITY.routine ? undefined : lastQueued.get(groupKey(r));
        return q && BigInt(q) < BigInt(r.id) ? [q] : [];
      });
      const waiting = await stillPending(ctx.db, older);
      const now = firsts.filter((r) => {
        if (r.priority > PRIORITY.routine) return true;
        const q = lastQueued.get(groupKey(r));
        return !(q && waiting.has(q) && BigInt(q) < BigInt(r.id));
      });
      await add(now.map((r) => job(r)));
      for (const r of now) lastQueued.set(groupKey(r), r.id);
      added += now.length;
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
    const heads = await lineHeads(ctx.db, outboxNow(ctx));
    const due = heads.filter((h) => h.platform === 'webhook' || ready(h.platform));
    const round = Math.floor(Date.now() / sweepIdMs);
    await add(due.map((h) => job(h, `${sendJobId(h.id)}:sweep:${round}`)));
    return due.length;
  }

  async function handOn(row: LineRow) {
    const next = await nextInLine(ctx.db, row);
    // A job id of its own: the next row's first job may still be finishing (it found this
    // row pending), and a job with that id would be taken for a duplicate.
    await add(
      next.map((n) => job({ id: n.id, platform: row.platform }, `${sendJobId(n.id)}:after:${row.id}`)),
    );
    if (next.length) lastQueued.set(groupKey(row), String(next.at(-1)!.id));
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
