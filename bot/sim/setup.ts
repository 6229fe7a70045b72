// The simulator's world: one chat per unit and a persona for every role in every unit,
// created idempotently at start from the district file.
import type { District, UnitKind } from '../../config/district.ts';
import type { Db } from '../../db/connect.ts';
import { ROLE_NAMES } from '../../handlers/people.ts';

const CHAT_ROLE: Record<UnitKind, 'community' | 'street' | 'department' | 'office' | 'leader'> = {
  community: 'community',
  street: 'street',
  department: 'department',
  office: 'office',
  leaders: 'leader',
};
const CHAT_SUFFIX: Record<UnitKind, string> = {
  community: '居民群',
  street: '工作群',
  department: '工作群',
  office: '工作群',
  leaders: '群',
};

export const simChatId = (unit: string) => `sim-${unit}`;

export interface Persona {
  id: string;
  name: string;
  role: string;
  roleName: string;
  unit: string;
  unitName: string;
  chats: string[];
}

export async function setupSimulator(db: Db, d: District): Promise<void> {
  for (const u of d.units.values()) {
    await db
      .insertInto('chat_bindings')
      .values({
        platform: 'sim',
        chat_id: simChatId(u.code),
        unit_code: u.code,
        role: CHAT_ROLE[u.kind],
        title: `${u.name}${CHAT_SUFFIX[u.kind]}`,
      })
      .onConflict((oc) => oc.columns(['platform', 'chat_id']).doNothing())
      .execute();
  }
  // Someone to play every role: the file's people, plus a resident per community, staff per
  // street and a liaison per department where the file names none.
  const wanted: { name: string; unit: string; role: string }[] = [];
  for (const u of d.units.values()) {
    if (u.kind === 'community') wanted.push({ name: `${u.name}居民·张阿姨`, unit: u.code, role: 'resident' });
    if (u.kind === 'street') wanted.push({ name: `${u.name}干部`, unit: u.code, role: 'street_staff' });
    if (u.kind === 'department') wanted.push({ name: `${u.name}联络员`, unit: u.code, role: 'liaison' });
  }
  const people = await db
    .selectFrom('people')
    .select(['id', 'name', 'unit_code', 'role', 'from_config'])
    .execute();
  for (const w of wanted) {
    const has = people.some(
      (p) => p.unit_code === w.unit && p.role === w.role && (p.from_config || p.name === w.name),
    );
    if (!has)
      await db
        .insertInto('people')
        .values({ name: w.name, unit_code: w.unit, role: w.role, phone: null })
        .execute();
  }
  const all = await db
    .selectFrom('people')
    .select(['id', 'name'])
    .where((eb) =>
      eb.or([
        eb('from_config', '=', true),
        eb(
          'name',
          'in',
          wanted.map((w) => w.name),
        ),
      ]),
    )
    .execute();
  for (const p of all)
    await db
      .insertInto('person_identities')
      .values({ platform: 'sim', platform_user_id: `sim-p${p.id}`, person_id: p.id, display_name: p.name })
      .onConflict((oc) => oc.columns(['platform', 'platform_user_id']).doNothing())
      .execute();
}

export async function personas(db: Db, d: District): Promise<Persona[]> {
  const rows = await db
    .selectFrom('person_identities as i')
    .innerJoin('people as p', 'p.id', 'i.person_id')
    .select(['i.platform_user_id as id', 'p.name', 'p.role', 'p.unit_code'])
    .where('i.platform', '=', 'sim')
    .orderBy('p.id')
    .execute();
  return rows.map((r) => {
    const unit = d.units.get(r.unit_code);
    // street staff also sit in their communities' chats, as they do in real life
    const extra =
      r.role === 'street_staff'
        ? [...d.units.values()].filter((u) => u.parent === r.unit_code).map((u) => simChatId(u.code))
        : [];
    return {
      id: r.id,
      name: r.name,
      role: r.role,
      roleName: ROLE_NAMES[r.role as keyof typeof ROLE_NAMES] ?? r.role,
      unit: r.unit_code,
      unitName: unit?.name ?? r.unit_code,
      chats: [simChatId(r.unit_code), ...extra],
    };
  });
}
