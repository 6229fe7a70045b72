// Mirrors the district file into the tables at start: units, catalog, chat bindings and
// configured people with their platform identities. Idempotent; never deletes history.
import { type District, unitCodeOf } from '../config/district.ts';
import type { Db } from './connect.ts';

export async function syncDistrict(db: Db, d: District): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Parents first, so the foreign key on parent_code holds.
    const units = [...d.units.values()].sort((a, b) => Number(a.parent !== null) - Number(b.parent !== null));
    for (const u of units) {
      await trx
        .insertInto('units')
        .values({ code: u.code, kind: u.kind, name: u.name, parent_code: u.parent, active: true })
        .onConflict((oc) =>
          oc.column('code').doUpdateSet({ kind: u.kind, name: u.name, parent_code: u.parent, active: true }),
        )
        .execute();
    }
    await trx
      .updateTable('units')
      .set({ active: false })
      .where('code', 'not in', [...d.units.keys()])
      .execute();

    for (const c of d.catalog) {
      const row = {
        name: c.name,
        tier: c.tier,
        lead_unit: c.lead ?? null,
        co_units: c.co,
        ack_limit: c.ack ?? null,
        resolve_limit: c.resolve ?? null,
        keywords: [...c.keywords, ...c.synonyms],
        active: true,
      };
      await trx
        .insertInto('catalog_items')
        .values({ code: c.code, ...row })
        .onConflict((oc) => oc.column('code').doUpdateSet(row))
        .execute();
    }
    await trx
      .updateTable('catalog_items')
      .set({ active: false })
      .where(
        'code',
        'not in',
        d.catalog.map((c) => c.code),
      )
      .execute();

    for (const c of d.chats) {
      const chatId = c.chat_id;
      const row = {
        unit_code: unitCodeOf(c.unit),
        role: c.role,
        title: c.room_topic ?? null,
        from_config: true,
      };
      await trx
        .insertInto('chat_bindings')
        .values({ platform: c.platform, chat_id: chatId, ...row })
        .onConflict((oc) => oc.columns(['platform', 'chat_id']).doUpdateSet(row))
        .execute();
    }

    for (const p of d.people) {
      const ids = Object.entries(p.ids);
      // A configured person is found again by any of their identities, else by unit + name.
      let personId: string | undefined;
      for (const [platform, id] of ids) {
        if (!id) continue;
        const hit = await trx
          .selectFrom('person_identities')
          .select('person_id')
          .where('platform', '=', platform)
          .where('platform_user_id', '=', id)
          .executeTakeFirst();
        if (hit) personId = String(hit.person_id);
      }
      personId ??= (
        await trx
          .selectFrom('people')
          .select('id')
          .where('from_config', '=', true)
          .where('name', '=', p.name)
          .where('unit_code', '=', unitCodeOf(p.unit))
          .executeTakeFirst()
      )?.id;
      const row = {
        name: p.name,
        unit_code: unitCodeOf(p.unit),
        role: p.role,
        phone: p.phone ?? null,
        from_config: true,
      };
      if (personId) await trx.updateTable('people').set(row).where('id', '=', personId).execute();
      else
        personId = (await trx.insertInto('people').values(row).returning('id').executeTakeFirstOrThrow()).id;
      for (const [platform, id] of ids) {
        if (!id) continue;
        await trx
          .insertInto('person_identities')
          .values({ platform, platform_user_id: id, person_id: personId, display_name: p.name })
          .onConflict((oc) =>
            oc
              .columns(['platform', 'platform_user_id'])
              .doUpdateSet({ person_id: personId, display_name: p.name }),
          )
          .execute();
      }
    }
  });
}
