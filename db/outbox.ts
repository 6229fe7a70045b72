// The outbox, in one place: the rows written (messages, card updates, webhook pushes), which row
// of a chat may go now (priority, then age, never ahead of an older row of the same call), claims
// and their leases (renewed while held), the batches merged under a flood, and the outcome of a
// send. What waits where: outbox-lines.ts.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, NewOutboxRow, OutboxRow } from './schema.ts';

/** A row's place in its chat's line: urgent rows go ahead of routine ones. */
export const PRIORITY = { routine: 0, urgent: 1 } as const;

/** The database or a transaction. */
type Q = Kysely<Database>;

// --- writing ----------------------------------------------------------------------------------

/**
 * Writes rows in one statement, in the order given; rows whose idempotency key is already
 * written are left out (a bulletin queued twice, a card update retried). Returns how many were
 * written.
 */
export async function queueRows(db: Q, rows: NewOutboxRow[]): Promise<number> {
  if (!rows.length) return 0;
  const r = await db
    .insertInto('outbox')
    .values(rows)
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0);
}

/** Whether any row's idempotency key starts with `prefix` (what was queued once per period). */
export async function queuedWithPrefix(db: Q, prefix: string): Promise<boolean> {
  const row = await db
    .selectFrom('outbox')
    .select('id')
    .where('idempotency_key', 'like', `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

// --- reading -----------------------------------------------------------------------------------

/** Which of these calls have a row still waiting in one of these chats: `platform|chat|call`. */
export async function waitingCalls(
  db: Q,
  chats: { platform: string; chatId: string }[],
  callIds: string[],
): Promise<Set<string>> {
  if (!chats.length || !callIds.length) return new Set();
  const r = await sql<{ platform: string; chat_id: string; call_id: string }>`
    select distinct o.platform, o.chat_id, o.call_id from outbox o
      join unnest(${chats.map((c) => c.platform)}::text[], ${chats.map((c) => c.chatId)}::text[]) as l(platform, chat_id)
        on o.platform = l.platform and o.chat_id = l.chat_id
    where o.state = 'pending' and o.call_id = any(${callIds}::bigint[])`.execute(db);
  return new Set(r.rows.map((x) => `${x.platform}|${x.chat_id}|${x.call_id}`));
}

/** Which of these rows still wait to be sent. */
export async function stillPending(db: Q, ids: string[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const rows = await db
    .selectFrom('outbox')
    .select('id')
    .where('id', 'in', ids)
    .where('state', '=', 'pending')
    .execute();
  return new Set(rows.map((r) => String(r.id)));
}

/** The newest row's id ('0' when none): rows written after it have greater ids. */
export async function newestRowId(db: Q): Promise<string> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return String(row?.id ?? '0');
}

/** Whether a row to `platform` written after `after` still waits to be sent. */
export async function pendingAfter(db: Q, platform: string, after: string): Promise<boolean> {
  const row = await db
    .selectFrom('outbox')
    .select('id')
    .where('platform', '=', platform)
    .where('state', '=', 'pending')
    .where('id', '>', after)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

/** Whether a row to one of these platforms waits that may go at `now` (not merged, not held). */
export async function dueRows(db: Q, platforms: string[], now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('outbox')
    .select('id')
    .where('state', '=', 'pending')
    .where('platform', 'in', platforms.length ? platforms : ['-'])
    .where('available_at', '<=', now)
    .where(notMember('outbox') as RawBuilder<boolean>)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

/** Pending chat rows (no webhooks) to these platforms, oldest first. */
export function pendingMessages(db: Q, platforms: string[], limit: number): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('state', '=', 'pending')
    .where('kind', '!=', 'webhook')
    .where('platform', 'in', platforms.length ? platforms : ['-'])
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** An older pending push of the same subscriber and call, which `row` must wait for. */
export async function olderPush(db: Q, row: OutboxRow): Promise<string | undefined> {
  const older = await db
    .selectFrom('outbox')
    .select('id')
    .where('kind', '=', 'webhook')
    .where('chat_id', '=', row.chat_id)
    .where('call_id', row.call_id === null ? 'is' : '=', row.call_id)
    .where('state', '=', 'pending')
    .where('id', '<', row.id)
    .limit(1)
    .executeTakeFirst();
  return older?.id;
}

/** When each platform last sent (webhooks: each subscriber). */
export function lastSent(db: Q) {
  return db
    .selectFrom('outbox')
    .select((eb) => [
      'platform',
      sql<string | null>`case when platform = 'webhook' then chat_id end`.as('target'),
      eb.fn.max('sent_at').as('last'),
    ])
    .where('state', '=', 'sent')
    .groupBy(['platform', sql`case when platform = 'webhook' then chat_id end`])
    .execute();
}

/** What places a row in a line. */
export type LineRow = Pick<OutboxRow, 'id' | 'platform' | 'chat_id' | 'kind' | 'call_id' | 'priority'>;

const LINE_COLUMNS = ['id', 'platform', 'chat_id', 'kind', 'call_id', 'priority'] as const;

/** Members of a merged batch wait with their head: this keeps every other reader off them. */
const HELD_BY_BATCH = new Date('9999-12-31T00:00:00Z');

/**
 * The older pending rows of `r`'s line that it must wait for. A line is a chat (for webhooks, a
 * subscriber and a call). In a chat a row waits for every older row at least as urgent as itself
 * and every older row of its own call: routine rows keep their order, an urgent row passes
 * routine rows of other calls.
 */
const blockers = (r: string): RawBuilder<unknown> =>
  sql.raw(`select o.id from outbox o where o.state = 'pending' and o.id < ${r}.id
    and o.platform = ${r}.platform and o.chat_id = ${r}.chat_id
    and o.merged_into is distinct from ${r}.id
    and (case when ${r}.kind = 'webhook'
      then o.kind = 'webhook' and o.call_id is not distinct from ${r}.call_id
      else o.priority >= ${r}.priority or o.call_id = ${r}.call_id end)`);

/** Not a member waiting in another row's batch. */
const notMember = (r: string) => sql.raw(`(${r}.merged_into is null or ${r}.merged_into = ${r}.id)`);

export type ClaimedRow = OutboxRow & {
  /** the claim before this one had already settled what goes with this row (null: first claim) */
  decided: boolean;
};

/**
 * Takes a row until `until`, in one statement: only while it is pending, due (not held by
 * another worker, not waiting for a retry) and free to go in its line. The first claim of a row
 * also settles that it goes alone unless members join it now (mergeInto), so a retry after a
 * send that reached the platform never changes what that send carried.
 */
export async function claimRow(
  db: Q,
  id: string,
  o: { owner: string; until: Date; now: Date },
): Promise<ClaimedRow | undefined> {
  return (await claimOrRead(db, id, o)).claimed;
}

/**
 * claimRow, and when the row cannot be claimed, the row as it stood (undefined: no such row), in
 * the same statement: a send job that finds its row already sent, merged or held learns why
 * without asking again.
 */
export async function claimOrRead(
  db: Q,
  id: string,
  o: { owner: string; until: Date; now: Date },
): Promise<{ claimed?: ClaimedRow; row?: OutboxRow }> {
  const r = await sql<OutboxRow & { decided_before: string | null; claimed: boolean }>`
    with prev as (select * from outbox where id = ${id}),
    taken as (
      update outbox set available_at = ${o.until}, lease_owner = ${o.owner},
        merged_into = coalesce(outbox.merged_into, outbox.id)
      from prev
      where outbox.id = prev.id and outbox.state = 'pending' and outbox.available_at <= ${o.now}
        and ${notMember('outbox')} and not exists (${blockers('outbox')})
      returning outbox.*, prev.merged_into as decided_before)
    select taken.*, true as claimed from taken
    union all
    select prev.*, null, false from prev where not exists (select 1 from taken)`.execute(db);
  const row = r.rows[0];
  if (!row) return {};
  const { decided_before, claimed, ...rest } = row;
  return claimed ? { claimed: { ...rest, decided: decided_before !== null } } : { row: rest as OutboxRow };
}

/** An older row the given one waits for, if any. */
export async function blockedBy(db: Q, r: LineRow): Promise<string | undefined> {
  const res = await sql<{ id: string }>`
    with r as (select ${r.id}::bigint as id, ${r.platform}::text as platform, ${r.chat_id}::text as chat_id,
      ${r.kind}::text as kind, ${r.call_id}::bigint as call_id, ${r.priority}::smallint as priority)
    select b.id from r, lateral (${blockers('r')} order by o.id limit 1) b`.execute(db);
  return res.rows[0]?.id;
}

/** How many rows wait in a chat's line, counting at most `max`. */
export async function lineLength(db: Q, r: Pick<OutboxRow, 'platform' | 'chat_id'>, max: number) {
  const res = await sql<{ n: string }>`select count(*) as n from (select 1 from outbox
    where state = 'pending' and platform = ${r.platform} and chat_id = ${r.chat_id} limit ${max}) x`.execute(
    db,
  );
  return Number(res.rows[0]?.n ?? 0);
}

/**
 * Messages in `head`'s chat that could travel with it: pending, due, in no batch, not waiting for
 * an older row of their own call (other than the head). Under a flood: routine rows after it.
 * With `coalesce`: rows of these message kinds written within `withinMs` of it, before or after,
 * urgent or not (timer messages falling due together). Each with only what says whether it merges
 * (its message's kind, call, pictures, privacy, urgency and @-mentions) and how many calls it
 * names (`calls`: a row written already merged names several): the rows that do are read whole
 * once, as they join (joinBatch).
 */
export async function mergeCandidates(
  db: Q,
  head: OutboxRow,
  o: { limit: number; now: Date; coalesce?: { kinds: string[]; withinMs: number } },
) {
  let q = db
    .selectFrom('outbox as c')
    .select([
      'c.id',
      sql<{
        message: Record<string, unknown>;
      }>`jsonb_build_object('message', jsonb_strip_nulls(jsonb_build_object(
        'kind', c.payload->'message'->'kind', 'callNo', c.payload->'message'->'callNo',
        'images', c.payload->'message'->'images', 'private', c.payload->'message'->'private',
        'urgent', c.payload->'message'->'urgent', 'mentions', c.payload->'message'->'mentions')))`.as(
        'payload',
      ),
      sql<number>`coalesce(jsonb_array_length(c.payload->'calls'), 1)`.as('calls'),
    ])
    .where('c.state', '=', 'pending')
    .where('c.platform', '=', head.platform)
    .where('c.chat_id', '=', head.chat_id)
    .where('c.kind', '=', 'message')
    .where('c.merged_into', 'is', null)
    .where('c.available_at', '<=', o.now)
    .where(
      sql<boolean>`not exists (select 1 from outbox o where o.state = 'pending' and o.platform = c.platform
        and o.chat_id = c.chat_id and o.call_id = c.call_id and o.id < c.id and o.id <> ${head.id})`,
    );
  if (o.coalesce) {
    const at = new Date(head.created_at).getTime();
    q = q
      .where('c.id', '<>', head.id)
      .where('c.created_at', '>=', new Date(at - o.coalesce.withinMs))
      .where('c.created_at', '<=', new Date(at + o.coalesce.withinMs))
      .where(sql<string>`c.payload->'message'->>'kind'`, 'in', o.coalesce.kinds);
  } else q = q.where('c.priority', '=', PRIORITY.routine).where('c.id', '>', head.id);
  return q.orderBy('c.id').limit(o.limit).execute();
}

/** Makes rows members of head's batch; returns those that joined, oldest first. */
export async function joinBatch(db: Q, head: OutboxRow, ids: string[]): Promise<OutboxRow[]> {
  if (!ids.length) return [];
  const rows = await db
    .updateTable('outbox')
    .set({ merged_into: head.id, available_at: HELD_BY_BATCH, lease_owner: null })
    .where('id', 'in', ids)
    .where('state', '=', 'pending')
    .where('merged_into', 'is', null)
    .returningAll()
    .execute();
  return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
}

/** The members of head's batch still waiting, oldest first. */
export function batchMembers(db: Q, headId: string): Promise<OutboxRow[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('merged_into', '=', headId)
    .where('id', '<>', headId)
    .where('state', '=', 'pending')
    .orderBy('id')
    .execute();
}

/** Extends the leases of the claims a worker holds; rows taken over by another are left alone. */
export async function renewClaims(db: Q, ids: string[], o: { owner: string; until: Date }) {
  if (!ids.length) return 0;
  const r = await db
    .updateTable('outbox')
    .set({ available_at: o.until })
    .where('id', 'in', ids)
    .where('lease_owner', '=', o.owner)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Gives a claim back unused (the platform was not ready after all). */
export async function releaseClaim(db: Q, id: string, now: Date) {
  await db
    .updateTable('outbox')
    .set({ available_at: now, lease_owner: null })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/**
 * Frees every claim (and every retry wait). Only safe where no other process can hold one: the
 * in-process driver, where this process is the only worker. Batch members stay with their head.
 */
export async function releaseAllClaims(db: Q, now: Date): Promise<number> {
  const r = await db
    .updateTable('outbox')
    .set({ available_at: now, lease_owner: null })
    .where('state', '=', 'pending')
    .where('available_at', '>', now)
    .where(notMember('outbox') as RawBuilder<boolean>)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A failed attempt that will be retried at `at`. */
export async function scheduleRetry(db: Q, id: string, o: { attempts: number; reason: string; at: Date }) {
  await db
    .updateTable('outbox')
    .set({ attempts: o.attempts, last_error: o.reason, available_at: o.at, lease_owner: null })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/** A row that will never go; its batch's members go on their own. */
export async function markFailed(db: Q, id: string, o: { attempts: number; reason: string; now: Date }) {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('outbox')
      .set({ state: 'failed', attempts: o.attempts, last_error: o.reason, lease_owner: null })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .execute();
    await trx
      .updateTable('outbox')
      .set({ merged_into: null, available_at: o.now })
      .where('merged_into', '=', id)
      .where('id', '<>', id)
      .where('state', '=', 'pending')
      .execute();
  });
}

/** What a sent chat message is remembered by (to find a pressed card, to update one). */
export interface SentRecord {
  outboxId: string;
  callId: string | null;
  cardKind: string | null;
  assignmentId: string | null;
}

/**
 * Rows delivered as one platform message (a batch: its head and members), in one statement:
 * each marked sent with the message's id, and each chat message remembered. Rows already sent
 * (by a worker that took over a lapsed claim) are left as they are and not remembered twice.
 */
export async function markSent(
  db: Q,
  ids: string[],
  o: { at: Date; platformMessageId: string | null; remember?: SentRecord[] },
): Promise<string[]> {
  // one statement (the update and the insert as parts of it, so both or neither): a coalesced
  // message marks its dozens of rows with one round trip instead of four
  const remember = o.platformMessageId ? (o.remember ?? []) : [];
  const r = await sql<{ id: string }>`
    with done as (
      update outbox set state = 'sent', sent_at = ${o.at}, platform_message_id = ${o.platformMessageId},
             attempts = attempts + 1, lease_owner = null
      where id = any(${ids}::bigint[]) and state = 'pending'
      returning id, platform, chat_id),
    kept as (
      insert into sent_messages (outbox_id, platform, chat_id, platform_message_id, call_id, card_kind,
                                 assignment_id, created_at)
      select k.outbox_id, d.platform, d.chat_id, ${o.platformMessageId}::text, k.call_id, k.card_kind,
             k.assignment_id, ${o.at}::timestamptz
      from unnest(${remember.map((x) => x.outboxId)}::bigint[], ${remember.map((x) => x.callId)}::bigint[],
                  ${remember.map((x) => x.cardKind)}::text[], ${remember.map((x) => x.assignmentId)}::bigint[])
             with ordinality as k(outbox_id, call_id, card_kind, assignment_id, ord)
      join done d on d.id = k.outbox_id
      order by k.ord)
    select id from done`.execute(db);
  return r.rows.map((x) => String(x.id));
}

// --- the relay's questions -------------------------------------------------------------------

/** Pending rows written after `after` (ids only grow), oldest first. */
export function rowsAfter(db: Q, after: string, limit: number): Promise<LineRow[]> {
  return db
    .selectFrom('outbox')
    .select(LINE_COLUMNS)
    .where('state', '=', 'pending')
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The oldest due row of each priority of every line: the rows that may be able to go now. */
export function lineHeads(db: Q, now: Date): Promise<Pick<OutboxRow, 'id' | 'platform'>[]> {
  return db
    .selectFrom('outbox')
    .select(['id', 'platform'])
    .where(
      'id',
      'in',
      db
        .selectFrom('outbox')
        .select((eb) => eb.fn.min<string>('id').as('id'))
        .where('state', '=', 'pending')
        .where(notMember('outbox') as RawBuilder<boolean>)
        .groupBy(['platform', 'chat_id', sql`case when kind = 'webhook' then call_id end`, 'priority']),
    )
    .where('available_at', '<=', now)
    .execute();
}

/** After a row went (or failed): the oldest pending row of each priority of its line. */
export function nextInLine(db: Q, r: LineRow): Promise<Pick<OutboxRow, 'id' | 'platform'>[]> {
  let q = db
    .selectFrom('outbox')
    .select(['id', 'platform', 'priority'])
    .distinctOn('priority')
    .where('state', '=', 'pending')
    .where('platform', '=', r.platform)
    .where('chat_id', '=', r.chat_id)
    .where(notMember('outbox') as RawBuilder<boolean>);
  if (r.kind === 'webhook')
    q = q.where('kind', '=', 'webhook').where('call_id', r.call_id === null ? 'is' : '=', r.call_id);
  return q.orderBy('priority', 'desc').orderBy('id').execute();
}
