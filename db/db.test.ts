import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../test/db.ts';
import { syncDistrict } from './sync.ts';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => t?.close());

async function insertCall() {
  const now = new Date('2026-11-02T02:00:00Z');
  const call = await t.db
    .insertInto('calls')
    .values({
      no: `JJ-20261102-${String(Math.floor(Math.random() * 9999)).padStart(4, '0')}`,
      text: '路灯不亮',
      source: 'sim',
      street_code: 'jinhualu',
      community_code: 'chenhui',
      category_code: 'street_light',
      tier: 'general',
      mode: 'direct',
      state: 'reported',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const ev = await t.db
    .insertInto('call_events')
    .values({
      call_id: call.id,
      at: now,
      kind: 'reported',
      actor_label: '居民',
      payload: JSON.stringify({ a: 1 }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { callId: call.id, eventId: ev.id };
}

describe('database', () => {
  it('syncs the district file into the tables, idempotently', async () => {
    await syncDistrict(t.db, t.district);
    const units = await t.db.selectFrom('units').select(['code', 'kind', 'parent_code']).execute();
    expect(units).toHaveLength(24);
    expect(units.find((u) => u.code === 'chenhui')).toEqual({
      code: 'chenhui',
      kind: 'community',
      parent_code: 'jinhualu',
    });
    const catalog = await t.db
      .selectFrom('catalog_items')
      .selectAll()
      .where('code', '=', 'illegal_build')
      .executeTakeFirstOrThrow();
    expect(catalog.co_units).toEqual(['zjj']);
    expect(catalog.lead_unit).toBe('cgw');
    const people = await t.db.selectFrom('people').select('name').execute();
    expect(people).toHaveLength(5);
    const ids = await t.db
      .selectFrom('person_identities')
      .selectAll()
      .where('platform_user_id', '=', 'ou_sample_liang')
      .execute();
    expect(ids).toHaveLength(1);
    const chat = await t.db
      .selectFrom('chat_bindings')
      .selectAll()
      .where('chat_id', '=', 'topic:东湖社区居民群')
      .executeTakeFirstOrThrow();
    expect(chat).toMatchObject({ platform: 'wechat', unit_code: 'donghu_c', role: 'community' });
  });

  it('keeps the timeline append-only: UPDATE, DELETE and TRUNCATE are refused by the database', async () => {
    const { eventId } = await insertCall();
    await expect(
      sql`update call_events set kind = 'forged' where id = ${eventId}`.execute(t.db),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`delete from call_events where id = ${eventId}`.execute(t.db)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    // cascade: event_personal refers to call_events, so a plain TRUNCATE stops before the trigger
    await expect(sql`truncate call_events cascade`.execute(t.db)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
    const row = await t.db
      .selectFrom('call_events')
      .select('kind')
      .where('id', '=', eventId)
      .executeTakeFirstOrThrow();
    expect(row.kind).toBe('reported');
  });
});
