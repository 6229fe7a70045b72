// Personal-data retention: the personal values of timeline events kept beside the append-only
// events (so they can be erased without touching one), when a call's personal data was erased,
// and indexes for the monthly sweep over old messages.
// Frozen: a migration never imports the app and is never edited after it ships.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_personal')
    .addColumn('event_id', 'bigint', (c) => c.primaryKey().references('call_events.id'))
    .addColumn('call_id', 'bigint', (c) => c.notNull().references('calls.id'))
    // a resident's name as the event's actor (the event itself says 居民)
    .addColumn('actor_label', 'text')
    // per payload field, the phone numbers its text held, in order (the text keeps a slot)
    .addColumn('phones', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('erased_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('event_personal_call_idx').on('event_personal').column('call_id').execute();

  await db.schema.alterTable('calls').addColumn('personal_erased_at', 'timestamptz').execute();
  // finished calls not yet erased, by age: what the sweep looks at
  await sql`create index calls_retention_idx on calls (created_at)
    where personal_erased_at is null and state in ('closed','archived','cancelled','merged')`.execute(db);
  // old messages whose texts are still there
  await sql`create index outbox_retention_idx on outbox (created_at)
    where state <> 'pending' and not (payload ? 'erased')`.execute(db);
  await sql`create index inbound_events_retention_idx on inbound_events (received_at)
    where state <> 'received' and not (payload ? 'erased')`.execute(db);
  await sql`create index sim_messages_retention_idx on sim_messages (created_at)
    where not (body ? 'erased')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists sim_messages_retention_idx`.execute(db);
  await sql`drop index if exists inbound_events_retention_idx`.execute(db);
  await sql`drop index if exists outbox_retention_idx`.execute(db);
  await sql`drop index if exists calls_retention_idx`.execute(db);
  await db.schema.alterTable('calls').dropColumn('personal_erased_at').execute();
  await db.schema.dropTable('event_personal').ifExists().execute();
}
