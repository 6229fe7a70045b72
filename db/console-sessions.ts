// The console's login links and sessions: secrets are random, given to the person once and kept
// here only as SHA-256 digests; a link opens one session, once, before it expires; a session
// lasts until it expires or is revoked.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './connect.ts';
import type { ConsoleSession } from './schema.ts';

/** A fresh secret for a link or a session (256 bits, URL-safe). */
export const newSecret = () => randomBytes(32).toString('base64url');
export const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');

export async function createLink(
  db: Db,
  o: { personId: string; platform: string; now: Date; ttlMs: number },
): Promise<{ secret: string; expiresAt: Date }> {
  const secret = newSecret();
  const expiresAt = new Date(o.now.getTime() + o.ttlMs);
  await db
    .insertInto('console_links')
    .values({
      token_hash: digest(secret),
      person_id: o.personId,
      platform: o.platform,
      created_at: o.now,
      expires_at: expiresAt,
    })
    .execute();
  return { secret, expiresAt };
}

/**
 * Uses a link: at most once, before it expires (one statement, so two presses race safely). The
 * person and the link's id, or why not: unknown, used or expired.
 */
export async function useLink(
  db: Db,
  secret: string,
  now: Date,
): Promise<{ personId: string; linkId: string } | { refused: 'unknown' | 'used' | 'expired' }> {
  const used = await db
    .updateTable('console_links')
    .set({ used_at: now })
    .where('token_hash', '=', digest(secret))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['id', 'person_id'])
    .executeTakeFirst();
  if (used) return { personId: String(used.person_id), linkId: used.id };
  const row = await db
    .selectFrom('console_links')
    .select(['used_at'])
    .where('token_hash', '=', digest(secret))
    .executeTakeFirst();
  return { refused: !row ? 'unknown' : row.used_at ? 'used' : 'expired' };
}

export async function createSession(
  db: Db,
  o: { personId: string; linkId: string | null; now: Date; ttlMs: number; userAgent?: string | null },
): Promise<{ secret: string; expiresAt: Date }> {
  const secret = newSecret();
  const expiresAt = new Date(o.now.getTime() + o.ttlMs);
  await db
    .insertInto('console_sessions')
    .values({
      token_hash: digest(secret),
      person_id: o.personId,
      link_id: o.linkId,
      created_at: o.now,
      expires_at: expiresAt,
      last_seen_at: o.now,
      user_agent: o.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { secret, expiresAt };
}

/** The live session behind a cookie's secret (not expired, not revoked), seen now. */
export async function liveSession(db: Db, secret: string, now: Date): Promise<ConsoleSession | undefined> {
  const s = await db
    .selectFrom('console_sessions')
    .selectAll()
    .where('token_hash', '=', digest(secret))
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  // "last seen" at most once a minute: a page's every request need not write
  if (s && now.getTime() - new Date(s.last_seen_at).getTime() > 60_000)
    await db.updateTable('console_sessions').set({ last_seen_at: now }).where('id', '=', s.id).execute();
  return s;
}

/** A person's sessions, newest first (live and ended), for the page that lists them. */
export function sessionsOf(db: Db, personId: string, limit = 50): Promise<ConsoleSession[]> {
  return db
    .selectFrom('console_sessions')
    .selectAll()
    .where('person_id', '=', personId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Revokes one of a person's sessions (or all of them); how many were live. */
export async function revokeSessions(
  db: Db,
  personId: string,
  now: Date,
  sessionId?: string,
): Promise<number> {
  let q = db
    .updateTable('console_sessions')
    .set({ revoked_at: now })
    .where('person_id', '=', personId)
    .where('revoked_at', 'is', null);
  if (sessionId) q = q.where('id', '=', sessionId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
