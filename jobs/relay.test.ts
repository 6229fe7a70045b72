// The relay's jobs for a chat's line on a real database: the first row of a line gets a job; a
// newer routine row of a line whose queued row still waits gets none (the line's hand-ons reach
// it), an urgent row always does, and once the queued row went, the next new row gets its own.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../config/clock.ts';
import { silentLogger } from '../config/log.ts';
import { markSent, PRIORITY } from '../db/outbox.ts';
import type { Ctx } from '../handlers/context.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import type { Queue } from './queue.ts';
import { createRelay, type SendJobData } from './relay.ts';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(() => t?.close());

async function put(chat: string, o: { urgent?: boolean } = {}) {
  const row = await t.db
    .insertInto('outbox')
    .values({
      created_at: new Date(),
      kind: 'message',
      platform: 'lark',
      chat_id: chat,
      call_id: null,
      payload: JSON.stringify({ message: { kind: 'remind', title: 't', tone: 'info' } }),
      idempotency_key: randomUUID(),
      available_at: new Date(),
      priority: o.urgent ? PRIORITY.urgent : PRIORITY.routine,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return String(row.id);
}

describe('the relay', () => {
  it('queues a line once while its queued row waits, an urgent row always, and the next row once it went', async () => {
    const ctx: Ctx = { db: t.db, district: t.district, clock: systemClock, log: silentLogger };
    const queued: string[] = [];
    const queue = {
      async addBulk(jobs: { data: SendJobData }[]) {
        queued.push(...jobs.map((j) => j.data.outboxId));
      },
    } as unknown as Queue;
    const relay = createRelay({ ctx, queue, log: silentLogger, jobOptions: {} });
    await relay.relayNew(); // past whatever earlier tests left

    const a1 = await put('oc_a');
    const b1 = await put('oc_b');
    expect(await relay.relayNew()).toBe(2);
    expect(queued).toEqual([a1, b1]);
    // later commits: a1 and b1 still wait, their lines' hand-ons will reach these
    await put('oc_a');
    await put('oc_b');
    const urgent = await put('oc_a', { urgent: true });
    expect(await relay.relayNew()).toBe(1);
    expect(queued.at(-1)).toBe(urgent);
    // a1 and the urgent row went (another worker handed on): a new row of the line is queued
    await markSent(t.db, [a1, urgent], { at: new Date(), platformMessageId: null });
    const a3 = await put('oc_a');
    await put('oc_b');
    expect(await relay.relayNew()).toBe(1);
    expect(queued.at(-1)).toBe(a3);
  });
});
