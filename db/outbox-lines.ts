// What waits in the outbox's lines, for the office: each chat's waiting count, urgent count and
// oldest row, and the episodes of lines that stayed long (so the office is warned once each).
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';

/** The database or a transaction. */
type Q = Kysely<Database>;

export interface Line {
  platform: string;
  chatId: string;
  /** the unit the chat belongs to, when it is a bound chat */
  unit: string | null;
  title: string | null;
  waiting: number;
  urgent: number;
  oldestAt: Date;
  /** since when the line has been long, if it is (see jobs/lines.ts) */
  longSince: Date | null;
  warnedAt: Date | null;
}

/** Every line with rows waiting: how many, how many urgent, since when; longest first. */
export async function lineBacklog(db: Q): Promise<Line[]> {
  const rows = await db
    .selectFrom('outbox as o')
    .leftJoin('chat_bindings as b', (j) =>
      j.onRef('b.platform', '=', 'o.platform').onRef('b.chat_id', '=', 'o.chat_id'),
    )
    .leftJoin('outbox_lines as l', (j) =>
      j.onRef('l.platform', '=', 'o.platform').onRef('l.chat_id', '=', 'o.chat_id'),
    )
    .select((eb) => [
      'o.platform',
      'o.chat_id',
      eb.fn.max('b.unit_code').as('unit'),
      eb.fn.max('b.title').as('title'),
      eb.fn.countAll<string>().as('waiting'),
      sql<string>`count(*) filter (where o.priority > 0)`.as('urgent'),
      eb.fn.min('o.created_at').as('oldest_at'),
      eb.fn.max('l.long_since').as('long_since'),
      eb.fn.max('l.warned_at').as('warned_at'),
    ])
    .where('o.state', '=', 'pending')
    .groupBy(['o.platform', 'o.chat_id'])
    .orderBy(sql`count(*)`, 'desc')
    .orderBy('o.chat_id')
    .execute();
  return rows.map((r) => ({
    platform: r.platform,
    chatId: r.chat_id,
    unit: (r.unit as string | null) ?? null,
    title: (r.title as string | null) ?? null,
    waiting: Number(r.waiting),
    urgent: Number(r.urgent),
    oldestAt: new Date(r.oldest_at as Date),
    longSince: r.long_since ? new Date(r.long_since as Date) : null,
    warnedAt: r.warned_at ? new Date(r.warned_at as Date) : null,
  }));
}

type LineKey = { platform: string; chatId: string };

/** `(platform, chat_id) in (…)` for a list of lines (not empty). */
const inLines = (lines: LineKey[]) =>
  sql<boolean>`(platform, chat_id) in (${sql.join(lines.map((l) => sql`(${l.platform}, ${l.chatId})`))})`;

/** Long lines start (or go on with) an episode; lines that got short end theirs. */
export async function recordLongLines(db: Q, o: { long: LineKey[]; ongoing: LineKey[]; now: Date }) {
  if (o.long.length)
    await db
      .insertInto('outbox_lines')
      .values(o.long.map((l) => ({ platform: l.platform, chat_id: l.chatId, long_since: o.now })))
      .onConflict((oc) => oc.columns(['platform', 'chat_id']).doNothing())
      .execute();
  const keep = [...o.long, ...o.ongoing];
  let del = db.deleteFrom('outbox_lines');
  if (keep.length) del = del.where(sql<boolean>`not ${inLines(keep)}`);
  await del.execute();
}

/**
 * The long lines whose episode began before `since` and whose office was not warned yet, now
 * marked warned: in the transaction that writes the warning, so one worker warns, once.
 */
export async function takeWarnings(trx: Q, o: { lines: LineKey[]; since: Date; now: Date }) {
  if (!o.lines.length) return [];
  return trx
    .updateTable('outbox_lines')
    .set({ warned_at: o.now })
    .where('warned_at', 'is', null)
    .where('long_since', '<=', o.since)
    .where(inLines(o.lines))
    .returning(['platform', 'chat_id', 'long_since'])
    .execute();
}
