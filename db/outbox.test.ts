// The outbox's line rules on a real database: which row of a chat may go (priority, then age,
// never ahead of an older row of the same call), claims and who may renew them, the batches
// merged under a flood, and what the backlog reports.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../config/clock.ts';
import { silentLogger } from '../config/log.ts';
import type { Ctx } from '../handlers/context.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { sayOnLark } from '../test/world.ts';
import {
  batchMembers,
  blockedBy,
  claimOrRead,
  claimRow,
  joinBatch,
  markFailed,
  markSent,
  mergeCandidates,
  nextInLine,
  PRIORITY,
  renewClaims,
} from './outbox.ts';
import { lineBacklog } from './outbox-lines.ts';
import type { OutboxRow } from './schema.ts';

const CHAT = 'oc_sample_chenhui';
let t: TestDb;
/** three calls (A, B, C) made by real reports; their own outbox rows are cleared for each test */
let calls: string[];

beforeAll(async () => {
  t = await freshDb();
  const ctx: Ctx = { db: t.db, district: t.district, clock: systemClock, log: silentLogger };
  calls = [];
  for (const where of ['晨辉路1号路灯不亮', '晨辉路2号井盖破损', '晨辉路3号垃圾堆积']) {
    const out = await sayOnLark(ctx, 'ou_res_1', CHAT, where);
    expect(out.ok).toBe(true);
    calls.push((out as { callId: string }).callId);
  }
});
afterAll(() => t?.close());
beforeEach(async () => {
  await t.db.deleteFrom('sent_messages').execute();
  await t.db.deleteFrom('outbox_lines').execute();
  await t.db.deleteFrom('outbox').execute();
});

const soon = () => new Date(Date.now() + 60_000);
const now = () => new Date();

async function put(o: { call?: string | null; urgent?: boolean; kind?: string; chat?: string }) {
  return t.db
    .insertInto('outbox')
    .values({
      created_at: now(),
      kind: 'message',
      platform: 'lark',
      chat_id: o.chat ?? CHAT,
      call_id: o.call ?? null,
      payload: JSON.stringify({ message: { kind: o.kind ?? 'draft', title: 't', tone: 'info' } }),
      idempotency_key: randomUUID(),
      available_at: now(),
      priority: o.urgent ? PRIORITY.urgent : PRIORITY.routine,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const claim = (r: OutboxRow, owner = 'w1', until = soon()) =>
  claimRow(t.db, r.id, { owner, until, now: now() });
const sent = (...rows: OutboxRow[]) =>
  markSent(
    t.db,
    rows.map((r) => r.id),
    { at: now(), platformMessageId: null },
  );

describe('a chat line', () => {
  it('keeps routine rows in order and lets an urgent row pass routine rows of other calls only', async () => {
    const [A, B, C] = calls;
    const r1 = await put({ call: A });
    const r2 = await put({ call: B });
    const u3 = await put({ call: C, urgent: true });
    const u4 = await put({ call: A, urgent: true });
    const r5 = await put({ call: null });
    const elsewhere = await put({ call: B, chat: 'oc_sample_jinhualu' });

    expect(await claim(r2)).toBeUndefined(); // waits for r1
    expect(await blockedBy(t.db, r2)).toBe(r1.id);
    expect(await claim(u3)).toMatchObject({ id: u3.id, lease_owner: 'w1', decided: false });
    expect(await claim(r1)).toMatchObject({ id: r1.id });
    // an older row of its own call (r1) and an older urgent row (u3): u4 waits for both
    expect(await claim(u4)).toBeUndefined();
    expect(await claim(r5)).toBeUndefined();
    // another chat's line is its own
    expect(await claim(elsewhere)).toMatchObject({ id: elsewhere.id });

    await sent(r1);
    expect(await claim(u4)).toBeUndefined(); // u3 is still pending
    await sent(u3);
    // r2 is routine and about another call: u4 passes it
    expect((await nextInLine(t.db, r1)).map((r) => r.id)).toEqual([u4.id, r2.id]);
    expect(await claim(u4)).toMatchObject({ id: u4.id });
    expect(await claim(r2)).toMatchObject({ id: r2.id });
    expect(await claim(r5)).toBeUndefined();
  });

  it('says in the same statement why a row cannot be claimed: held, sent, or not there', async () => {
    const r = await put({ call: calls[0] });
    const o = (owner: string) => ({ owner, until: soon(), now: now() });
    expect((await claimOrRead(t.db, r.id, o('w1'))).claimed).toMatchObject({ id: r.id, lease_owner: 'w1' });
    const held = await claimOrRead(t.db, r.id, o('w2'));
    expect(held.claimed).toBeUndefined();
    expect(held.row).toMatchObject({ id: r.id, state: 'pending', lease_owner: 'w1' });
    await sent(r);
    expect((await claimOrRead(t.db, r.id, o('w2'))).row).toMatchObject({ id: r.id, state: 'sent' });
    expect(await claimOrRead(t.db, '999999999', o('w2'))).toEqual({});
  });

  it('lets only the worker holding a claim renew it, and a lapsed claim be taken', async () => {
    const r = await put({ call: calls[0] });
    const first = await claim(r, 'dead', new Date(Date.now() + 100));
    expect(first?.decided).toBe(false);
    expect(await renewClaims(t.db, [r.id], { owner: 'other', until: soon() })).toBe(0);
    expect(await claim(r, 'other')).toBeUndefined(); // held
    expect(await renewClaims(t.db, [r.id], { owner: 'dead', until: new Date(Date.now() + 100) })).toBe(1);
    await new Promise((res) => setTimeout(res, 150));
    // lapsed: another worker takes it, knowing an earlier claim settled it goes alone
    expect(await claim(r, 'other')).toMatchObject({ lease_owner: 'other', decided: true });
    expect(await renewClaims(t.db, [r.id], { owner: 'dead', until: soon() })).toBe(0);
  });

  it('merges routine rows behind a claimed row, never past an older row of their own call', async () => {
    const [A, B, C] = calls;
    const head = await put({ call: A });
    const other = await put({ call: C, kind: 'notice' });
    const b = await put({ call: B });
    const urgent = await put({ call: B, urgent: true });
    const c = await put({ call: C }); // behind `other`, of its own call
    const claimed = (await claim(head))!;
    const candidates = await mergeCandidates(t.db, claimed, { limit: 10, now: now() });
    expect(candidates.map((x) => x.id)).toEqual([other.id, b.id]);
    expect(candidates.map((x) => x.id)).not.toContain(urgent.id);
    expect(candidates.map((x) => x.id)).not.toContain(c.id);

    const members = await joinBatch(t.db, claimed, [b.id]);
    expect(members.map((m) => m.id)).toEqual([b.id]);
    expect((await batchMembers(t.db, head.id)).map((m) => m.id)).toEqual([b.id]);
    expect(await claim(b, 'w2')).toBeUndefined(); // it travels with head
    // a second claim of the head (its worker died) finds the same batch, and adds nothing
    expect(await joinBatch(t.db, claimed, [b.id])).toEqual([]);

    // the merged message failed for good: its members go on their own
    await markFailed(t.db, head.id, { attempts: 1, reason: 'permanent: refused', now: now() });
    const after = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', b.id)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({ state: 'pending', merged_into: null });
    expect(await claim(other)).toMatchObject({ id: other.id });
  });

  it('marks a batch sent with one platform id, remembering each row once', async () => {
    const [A, B] = calls;
    const head = await put({ call: A });
    const member = await put({ call: B });
    const remember = [head, member].map((r) => ({
      outboxId: r.id,
      callId: r.call_id,
      cardKind: 'draft',
      assignmentId: null,
    }));
    const ids = [head.id, member.id];
    expect(await markSent(t.db, ids, { at: now(), platformMessageId: 'om_1', remember })).toHaveLength(2);
    // a worker that took over a lapsed claim and sent again: nothing marked or remembered twice
    expect(await markSent(t.db, ids, { at: now(), platformMessageId: 'om_1', remember })).toEqual([]);
    const rows = await t.db.selectFrom('outbox').selectAll().orderBy('id').execute();
    expect(rows.map((r) => [r.state, r.platform_message_id, r.attempts])).toEqual([
      ['sent', 'om_1', 1],
      ['sent', 'om_1', 1],
    ]);
    const remembered = await t.db.selectFrom('sent_messages').selectAll().execute();
    expect(remembered.map((s) => [s.outbox_id, s.platform_message_id]).sort()).toEqual(
      ids.map((id) => [id, 'om_1']).sort(),
    );
  });

  it('reports each line: how many wait, how many are urgent, since when', async () => {
    const first = await put({ call: calls[0] });
    await put({ call: calls[1], urgent: true });
    await put({ call: calls[2] });
    await put({ call: calls[0], chat: 'oc_sample_office' });
    const lines = await lineBacklog(t.db);
    expect(lines).toEqual([
      expect.objectContaining({
        platform: 'lark',
        chatId: CHAT,
        unit: 'chenhui',
        waiting: 3,
        urgent: 1,
        oldestAt: new Date(first.created_at),
      }),
      expect.objectContaining({ chatId: 'oc_sample_office', unit: 'office', waiting: 1, urgent: 0 }),
    ]);
  });
});
