// The simulator's world, made idempotently at start from the district file: one chat per
// unit, and someone to play every role in every unit (the file's people plus stand-ins).
import { sql } from 'kysely';
import {
  type ChatRole,
  type District,
  PERSON_ROLES,
  type PersonRole,
  type UnitKind,
  unitCodeOf,
} from '../../config/district.ts';
import type { Db } from '../../db/connect.ts';
import { ROLE_NAMES } from '../../handlers/people.ts';

export const simChatId = (unitCode: string) => `sim-${unitCode}`;
export const simUserId = (personId: string) => `sim-p${personId}`;

const CHAT_ROLE: Record<UnitKind, ChatRole> = {
  community: 'community',
  street: 'street',
  department: 'department',
  office: 'office',
  leaders: 'leader',
};

/** The chat list's groups, in the order the page shows them. */
export const CHAT_GROUPS: { role: ChatRole; label: string }[] = [
  { role: 'community', label: '社区群' },
  { role: 'street', label: '街道群' },
  { role: 'department', label: '部门群' },
  { role: 'office', label: '呼应办' },
  { role: 'leader', label: '区领导' },
];

export function chatTitle(kind: UnitKind, name: string): string {
  if (kind === 'community') return `${name}居民群`;
  if (kind === 'office') return '呼应办工作群';
  if (kind === 'leaders') return '区领导群';
  return `${name}工作群`;
}

const RESIDENT_NAMES = ['张阿姨', '李大爷', '王阿姨', '陈叔叔', '刘奶奶', '赵大哥', '周阿姨', '吴师傅'];

/** Stand-ins where the district file names nobody: a resident in every community, and
 * street staff, a liaison, an office duty officer and a leader where the file has none. */
export function standIns(d: District): { name: string; unit: string; role: PersonRole }[] {
  const has = (unit: string, role: PersonRole) =>
    d.people.some((p) => unitCodeOf(p.unit) === unit && p.role === role);
  const out: { name: string; unit: string; role: PersonRole }[] = [];
  let residents = 0;
  for (const u of d.units.values()) {
    if (u.kind === 'community')
      out.push({
        name: `${u.name}居民·${RESIDENT_NAMES[residents++ % RESIDENT_NAMES.length]}`,
        unit: u.code,
        role: 'resident',
      });
    if (u.kind === 'street' && !has(u.code, 'street_staff'))
      out.push({ name: `${u.name}·王干事`, unit: u.code, role: 'street_staff' });
    if (u.kind === 'street' && !has(u.code, 'street_head'))
      out.push({ name: `${u.name}·李主任`, unit: u.code, role: 'street_head' });
    if (u.kind === 'department' && !has(u.code, 'liaison'))
      out.push({ name: `${u.name}联络员`, unit: u.code, role: 'liaison' });
    if (u.kind === 'office' && !has(u.code, 'office_staff'))
      out.push({ name: '呼应办·值班员', unit: u.code, role: 'office_staff' });
    if (u.kind === 'leaders' && !has(u.code, 'leader'))
      out.push({ name: '区领导·值班领导', unit: u.code, role: 'leader' });
  }
  return out;
}

/** Creates the sim chats, the stand-ins and everyone's sim identity; safe to run at every start. */
export async function setupSimulator(db: Db, d: District): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // web and worker processes may start together: one of them does the work at a time
    await sql`select pg_advisory_xact_lock(hashtext('huying:sim:setup'))`.execute(trx);
    for (const u of d.units.values()) {
      const row = { unit_code: u.code, role: CHAT_ROLE[u.kind], title: chatTitle(u.kind, u.name) };
      await trx
        .insertInto('chat_bindings')
        .values({ platform: 'sim', chat_id: simChatId(u.code), ...row })
        .onConflict((oc) => oc.columns(['platform', 'chat_id']).doUpdateSet(row))
        .execute();
    }
    const ids: string[] = [];
    for (const w of standIns(d)) {
      const found = await trx
        .selectFrom('people')
        .select('id')
        .where('name', '=', w.name)
        .where('unit_code', '=', w.unit)
        .where('role', '=', w.role)
        .where('from_config', '=', false)
        .orderBy('id')
        .executeTakeFirst();
      ids.push(
        found?.id ??
          (
            await trx
              .insertInto('people')
              .values({ name: w.name, unit_code: w.unit, role: w.role, phone: null })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id,
      );
    }
    const configured = await trx
      .selectFrom('people')
      .select(['id', 'name', 'unit_code'])
      .where('from_config', '=', true)
      .execute();
    for (const p of configured)
      if (d.people.some((f) => f.name === p.name && unitCodeOf(f.unit) === p.unit_code)) ids.push(p.id);
    for (const id of ids)
      await trx
        .insertInto('person_identities')
        .values({ platform: 'sim', platform_user_id: simUserId(id), person_id: id, display_name: null })
        .onConflict((oc) => oc.columns(['platform', 'platform_user_id']).doNothing())
        .execute();
  });
}

export interface SimChat {
  id: string;
  title: string;
  role: ChatRole;
  /** 社区群 / 街道群 / 部门群 / 呼应办 / 区领导 */
  group: string;
  unit: string;
  unitName: string;
  /** the newest message's id, '0' when empty (for unread counts) */
  lastId: string;
}

export interface Persona {
  /** the persona's sim identity, e.g. "sim-p3": the `from` of the API */
  id: string;
  personId: string;
  name: string;
  /** the role in Chinese, e.g. 街道工作人员 */
  role: string;
  roleCode: string;
  unit: string;
  unitName: string;
  /** the chats this persona sits in, its own unit's first */
  chats: string[];
}

const unitOrder = (d: District) => new Map([...d.units.keys()].map((code, i) => [code, i]));
const groupOrder = (role: ChatRole) => CHAT_GROUPS.findIndex((g) => g.role === role);

export async function listChats(db: Db, d: District): Promise<SimChat[]> {
  const rows = await db
    .selectFrom('chat_bindings')
    .select(['chat_id', 'title', 'role', 'unit_code'])
    .where('platform', '=', 'sim')
    .execute();
  const last = await db
    .selectFrom('sim_messages')
    .select((eb) => ['chat_id', eb.fn.max('id').as('last')])
    .groupBy('chat_id')
    .execute();
  const order = unitOrder(d);
  return rows
    .filter((r) => d.units.has(r.unit_code))
    .map((r) => ({
      id: r.chat_id,
      title: r.title ?? r.chat_id,
      role: r.role,
      group: CHAT_GROUPS[groupOrder(r.role)]?.label ?? r.role,
      unit: r.unit_code,
      unitName: d.units.get(r.unit_code)?.name ?? r.unit_code,
      lastId: String(last.find((l) => l.chat_id === r.chat_id)?.last ?? '0'),
    }))
    .sort(
      (a, b) =>
        groupOrder(a.role) - groupOrder(b.role) || (order.get(a.unit) ?? 0) - (order.get(b.unit) ?? 0),
    );
}

/** Which sim chats a person sits in: residents their community's; street staff their street's
 * and its communities'; everyone else their own unit's. */
export function chatsOf(d: District, unit: string, role: string): string[] {
  const chats = [simChatId(unit)];
  if (role === 'street_staff' || role === 'street_head')
    for (const u of d.units.values()) if (u.parent === unit) chats.push(simChatId(u.code));
  return chats;
}

/** personas listed in the order of the mechanism: residents first, leaders last (admins ahead) */
const ROLE_ORDER: readonly string[] = PERSON_ROLES.filter((r) => r !== 'admin');

export async function listPersonas(db: Db, d: District): Promise<Persona[]> {
  const rows = await db
    .selectFrom('person_identities as i')
    .innerJoin('people as p', 'p.id', 'i.person_id')
    .select(['i.platform_user_id', 'p.id', 'p.name', 'p.role', 'p.unit_code'])
    .where('i.platform', '=', 'sim')
    .orderBy('p.id')
    .execute();
  const order = unitOrder(d);
  const kindOrder = (unit: string) => {
    const kind = d.units.get(unit)?.kind;
    return kind ? groupOrder(CHAT_ROLE[kind]) : 99;
  };
  return rows
    .filter((r) => d.units.has(r.unit_code))
    .sort(
      (a, b) =>
        kindOrder(a.unit_code) - kindOrder(b.unit_code) ||
        (order.get(a.unit_code) ?? 0) - (order.get(b.unit_code) ?? 0) ||
        ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role),
    )
    .map((r) => ({
      id: r.platform_user_id,
      personId: r.id,
      name: r.name,
      role: ROLE_NAMES[r.role as PersonRole] ?? r.role,
      roleCode: r.role,
      unit: r.unit_code,
      unitName: d.units.get(r.unit_code)?.name ?? r.unit_code,
      chats: chatsOf(d, r.unit_code, r.role),
    }));
}
