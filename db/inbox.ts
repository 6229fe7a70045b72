// The inbox of what people sent (inbound_events): recorded once before the platform is answered,
// then claimed with a lease by whichever process works on it, so that an event a dead process
// accepted is picked up by a running one, and two processes never both work on one event.
import { type ExpressionBuilder, sql } from 'kysely';
import type { Db } from './connect.ts';
import type { Database } from './schema.ts';

export interface InboxKey {
  platform: string;
  eventId: string;
}

export interface InboxEntry extends InboxKey {
  payload: Record<string, unknown>;
}

/**
 * Records an event, claimed by `owner` until `claimUntil`; false when the platform's event id, or
 * its message id (`messageKey`), was seen before.
 */
export async function recordEvent(
  db: Db,
  e: InboxEntry & { messageKey: string | null; receivedAt: Date; owner: string; claimUntil: Date },
): Promise<boolean> {
  const row = await db
    .insertInto('inbound_events')
    .values({
      platform: e.platform,
      event_id: e.eventId,
      message_key: e.messageKey,
      received_at: e.receivedAt,
      payload: JSON.stringify(e.payload),
      claimed_by: e.owner,
      claimed_until: e.claimUntil,
    })
    .onConflict((oc) => oc.doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return !!row;
}

/**
 * Takes the event for `owner` until `until`: only while it waits and is free (never claimed, its
 * claim ran out, or `owner` holds it already). False when another process has it or it is done.
 */
export async function claimEvent(db: Db, k: InboxKey, owner: string, now: Date, until: Date) {
  return (await claimEvents(db, [k], owner, now, until)).get(inboxKey(k)) ?? null;
}

/** An event's key in the maps below. */
export const inboxKey = (k: InboxKey) => `${k.platform}\n${k.eventId}`;

/** Takes these events as claimEvent does, in one statement: the attempts of those taken, by inboxKey. */
export async function claimEvents(
  db: Db,
  keys: InboxKey[],
  owner: string,
  now: Date,
  until: Date,
): Promise<Map<string, { attempts: number }>> {
  if (!keys.length) return new Map();
  const rows = await db
    .updateTable('inbound_events')
    .set((eb) => ({ claimed_by: owner, claimed_until: until, attempts: eb('attempts', '+', 1) }))
    .where((eb) => byKeys(eb, keys))
    .where('state', '=', 'received')
    .where((eb) =>
      eb.or([eb('claimed_by', '=', owner), eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]),
    )
    .returning(['platform', 'event_id', 'attempts'])
    .execute();
  return new Map(
    rows.map((r) => [inboxKey({ platform: r.platform, eventId: r.event_id }), { attempts: r.attempts }]),
  );
}

/** Done: processed, or failed for good with the reason (the payload stays: nothing is lost). */
export async function finishEvent(db: Db, k: InboxKey, at: Date, error?: string) {
  await finishEvents(db, [k], at, error);
}

/** Several events done alike, in one statement. */
export async function finishEvents(db: Db, keys: InboxKey[], at: Date, error?: string) {
  if (!keys.length) return;
  await db
    .updateTable('inbound_events')
    .set({
      state: error ? 'failed' : 'processed',
      processed_at: at,
      error: error ?? null,
      claimed_until: null,
    })
    .where((eb) => byKeys(eb, keys))
    .execute();
}

const byKeys = (eb: ExpressionBuilder<Database, 'inbound_events'>, keys: InboxKey[]) =>
  eb(
    eb.refTuple('platform', 'event_id'),
    'in',
    keys.map((k) => eb.tuple(k.platform, k.eventId)),
  );

/** Failed this time: free again at `retryAt`, for whichever process comes first. */
export async function releaseEvent(db: Db, k: InboxKey, retryAt: Date, error: string) {
  await db
    .updateTable('inbound_events')
    .set({ claimed_by: null, claimed_until: retryAt, error })
    .where('platform', '=', k.platform)
    .where('event_id', '=', k.eventId)
    .where('state', '=', 'received')
    .execute();
}

/** Events waiting and free now, oldest first. */
export async function dueEvents(db: Db, now: Date, limit: number): Promise<InboxEntry[]> {
  const rows = await db
    .selectFrom('inbound_events')
    .select(['platform', 'event_id', 'payload'])
    .where('state', '=', 'received')
    .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
    .orderBy('received_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ platform: r.platform, eventId: r.event_id, payload: r.payload }));
}

/** How many events wait, and since when (for the status page and tests). */
export async function inboxBacklog(db: Db): Promise<{ waiting: number; oldest: Date | null }> {
  const r = await db
    .selectFrom('inbound_events')
    .select([sql<string>`count(*)`.as('n'), sql<Date | null>`min(received_at)`.as('oldest')])
    .where('state', '=', 'received')
    .executeTakeFirstOrThrow();
  return { waiting: Number(r.n), oldest: r.oldest ? new Date(r.oldest) : null };
}
