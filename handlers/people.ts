// Who is acting: people known by their platform identities; an unknown sender in a
// community chat becomes a resident of that community.
import type { PersonRole } from '../config/district.ts';
import type { Db } from '../db/connect.ts';
import type { ChatBinding } from '../db/schema.ts';

export interface Actor {
  personId: string | null;
  name: string;
  role: PersonRole | 'system' | 'guest';
  unitCode: string | null;
}

/** Street staff and the street's head act for their street alike (the head is also its last rung). */
export const isStreetStaff = (a: Pick<Actor, 'role'>) =>
  a.role === 'street_staff' || a.role === 'street_head';

export const systemActor: Actor = { personId: null, name: '系统', role: 'system', unitCode: null };

export const ROLE_NAMES: Record<Actor['role'], string> = {
  resident: '居民',
  grid_worker: '网格员',
  street_staff: '街道工作人员',
  street_head: '街道负责人',
  liaison: '部门联络员',
  department_head: '部门负责人',
  office_staff: '呼应办工作人员',
  leader: '区领导',
  admin: '管理员',
  system: '系统',
  guest: '访客',
};

export async function findChat(db: Db, platform: string, chatId: string): Promise<ChatBinding | undefined> {
  return (await findChats(db, [{ platform, id: chatId }])).get(platformKey(platform, chatId));
}

/** A platform's chat or user, as a key of the maps below. */
export const platformKey = (platform: string, id: string) => `${platform}\n${id}`;

/** The chats bound to units among these, by platformKey (one query). */
export async function findChats(
  db: Db,
  keys: { platform: string; id: string }[],
): Promise<Map<string, ChatBinding>> {
  if (!keys.length) return new Map();
  const rows = await db
    .selectFrom('chat_bindings')
    .selectAll()
    .where((eb) =>
      eb(
        eb.refTuple('platform', 'chat_id'),
        'in',
        keys.map((k) => eb.tuple(k.platform, k.id)),
      ),
    )
    .execute();
  return new Map(rows.map((r) => [platformKey(r.platform, r.chat_id), r]));
}

/** The people known behind these platform users, by platformKey (one query). */
export async function knownActors(
  db: Db,
  keys: { platform: string; id: string }[],
): Promise<Map<string, Actor>> {
  if (!keys.length) return new Map();
  const rows = await db
    .selectFrom('person_identities as i')
    .innerJoin('people as p', 'p.id', 'i.person_id')
    .select(['i.platform', 'i.platform_user_id', 'p.id', 'p.name', 'p.role', 'p.unit_code'])
    .where((eb) =>
      eb(
        eb.refTuple('i.platform', 'i.platform_user_id'),
        'in',
        keys.map((k) => eb.tuple(k.platform, k.id)),
      ),
    )
    .execute();
  return new Map(
    rows.map((r) => [
      platformKey(r.platform, r.platform_user_id),
      { personId: r.id, name: r.name, role: r.role as PersonRole, unitCode: r.unit_code },
    ]),
  );
}

export async function actorById(db: Db, personId: string): Promise<Actor | undefined> {
  const p = await db.selectFrom('people').selectAll().where('id', '=', personId).executeTakeFirst();
  return p ? { personId: p.id, name: p.name, role: p.role as PersonRole, unitCode: p.unit_code } : undefined;
}

/**
 * The actor behind a platform user. Unknown users writing in a community chat are
 * registered as residents there; elsewhere they are guests who may only ask.
 */
export async function resolveActor(
  db: Db,
  who: { platform: string; userId: string; displayName?: string },
  chat?: ChatBinding,
): Promise<Actor> {
  const known = (await knownActors(db, [{ platform: who.platform, id: who.userId }])).get(
    platformKey(who.platform, who.userId),
  );
  return known ?? registerActor(db, who, chat);
}

/**
 * Someone not known (already looked up): registered as a resident when writing in a community
 * chat, else a guest who may only ask.
 */
export async function registerActor(
  db: Db,
  who: { platform: string; userId: string; displayName?: string },
  chat?: ChatBinding,
): Promise<Actor> {
  const name = who.displayName?.trim() || '居民';
  if (chat?.role !== 'community') return { personId: null, name, role: 'guest', unitCode: null };
  return db.transaction().execute(async (trx) => {
    const person = await trx
      .insertInto('people')
      .values({ name, unit_code: chat.unit_code, role: 'resident', phone: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const inserted = await trx
      .insertInto('person_identities')
      .values({
        platform: who.platform,
        platform_user_id: who.userId,
        person_id: person.id,
        display_name: name,
      })
      .onConflict((oc) => oc.columns(['platform', 'platform_user_id']).doNothing())
      .returning('person_id')
      .executeTakeFirst();
    // Someone registered the same user a moment ago: use theirs.
    const personId =
      inserted?.person_id ??
      (
        await trx
          .selectFrom('person_identities')
          .select('person_id')
          .where('platform', '=', who.platform)
          .where('platform_user_id', '=', who.userId)
          .executeTakeFirstOrThrow()
      ).person_id;
    return { personId: String(personId), name, role: 'resident' as const, unitCode: chat.unit_code };
  });
}
