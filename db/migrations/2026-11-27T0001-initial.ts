// The whole model: units, people, chats, catalog, calls, assignments, the append-only
// timeline, scores, satisfaction, surveys, outbox, inbound events, sent messages.
// Frozen: a migration never imports the app and is never edited after it ships.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('units')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('office','leaders','street','community','department')`),
    )
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_code', 'text', (c) => c.references('units.code'))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();

  await db.schema
    .createTable('people')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('unit_code', 'text', (c) => c.notNull().references('units.code'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('phone', 'text')
    .addColumn('from_config', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('person_identities')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('platform_user_id', 'text', (c) => c.notNull())
    .addColumn('person_id', 'bigint', (c) => c.notNull().references('people.id').onDelete('cascade'))
    .addColumn('display_name', 'text')
    .addPrimaryKeyConstraint('person_identities_pk', ['platform', 'platform_user_id'])
    .execute();

  await db.schema
    .createTable('chat_bindings')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('unit_code', 'text', (c) => c.notNull().references('units.code'))
    .addColumn('role', 'text', (c) =>
      c.notNull().check(sql`role in ('community','street','department','office','leader')`),
    )
    .addColumn('title', 'text')
    .addColumn('from_config', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('chat_bindings_pk', ['platform', 'chat_id'])
    .execute();

  await db.schema
    .createTable('catalog_items')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('lead_unit', 'text', (c) => c.references('units.code'))
    .addColumn('co_units', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('ack_limit', 'text')
    .addColumn('resolve_limit', 'text')
    .addColumn('keywords', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();

  await db.schema
    .createTable('call_numbers')
    .addColumn('day', 'text', (c) => c.primaryKey())
    .addColumn('last', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('calls')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('no', 'text', (c) => c.notNull().unique())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('location', 'text')
    .addColumn('latitude', sql`double precision`)
    .addColumn('longitude', sql`double precision`)
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_chat_platform', 'text')
    .addColumn('source_chat_id', 'text')
    .addColumn('source_message_id', 'text')
    .addColumn('reporter_person_id', 'bigint', (c) => c.references('people.id'))
    .addColumn('reporter_name', 'text')
    .addColumn('reporter_contact', 'text')
    .addColumn('street_code', 'text', (c) => c.notNull().references('units.code'))
    .addColumn('community_code', 'text', (c) => c.references('units.code'))
    .addColumn('category_code', 'text', (c) => c.notNull().references('catalog_items.code'))
    .addColumn('tier', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('emergency', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('merged_into_id', 'bigint', (c) => c.references('calls.id'))
    .addColumn('images', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('resolve_due_at', 'timestamptz')
    .addColumn('spot_check', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .addColumn('triaged_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('closed_at', 'timestamptz')
    .addColumn('archived_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('calls_state_idx').on('calls').columns(['state', 'street_code']).execute();
  await db.schema.createIndex('calls_created_idx').on('calls').column('created_at').execute();
  await db.schema
    .createIndex('calls_dup_idx')
    .on('calls')
    .columns(['category_code', 'community_code', 'created_at'])
    .execute();

  await db.schema
    .createTable('assignments')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('call_id', 'bigint', (c) => c.notNull().references('calls.id'))
    .addColumn('unit_code', 'text', (c) => c.notNull().references('units.code'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('lead','co','self')`))
    .addColumn('round', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('dispatched_by_person_id', 'bigint', (c) => c.references('people.id'))
    .addColumn('dispatched_by_unit', 'text', (c) => c.references('units.code'))
    .addColumn('dispatched_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ack_due_at', 'timestamptz')
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('acknowledged_by', 'bigint', (c) => c.references('people.id'))
    .addColumn('resolve_due_at', 'timestamptz')
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'bigint', (c) => c.references('people.id'))
    .addColumn('result_text', 'text')
    .addColumn('result_images', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('returned_at', 'timestamptz')
    .addColumn('return_reason', 'text')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('assignments_call_idx').on('assignments').column('call_id').execute();
  await db.schema
    .createIndex('assignments_unit_idx')
    .on('assignments')
    .columns(['unit_code', 'state'])
    .execute();

  await db.schema
    .createTable('call_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('call_id', 'bigint', (c) => c.notNull().references('calls.id'))
    .addColumn('assignment_id', 'bigint', (c) => c.references('assignments.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_person_id', 'bigint', (c) => c.references('people.id'))
    .addColumn('actor_label', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('call_events_call_idx').on('call_events').columns(['call_id', 'id']).execute();
  // 闭环留痕: the timeline is append-only, enforced by the database itself.
  await sql`
    create function call_events_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'call_events is append-only: % refused', tg_op using errcode = '42501';
    end $$`.execute(db);
  await sql`create trigger call_events_no_update before update or delete on call_events
    for each row execute function call_events_refuse_change()`.execute(db);
  await sql`create trigger call_events_no_truncate before truncate on call_events
    for each statement execute function call_events_refuse_change()`.execute(db);

  await db.schema
    .createTable('scores')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('assignment_id', 'bigint', (c) => c.notNull().references('assignments.id'))
    .addColumn('call_id', 'bigint', (c) => c.notNull().references('calls.id'))
    .addColumn('unit_code', 'text', (c) => c.notNull().references('units.code'))
    .addColumn('street_code', 'text', (c) => c.notNull().references('units.code'))
    .addColumn('scored_by', 'bigint', (c) => c.references('people.id'))
    .addColumn('ack', 'integer', (c) => c.notNull().check(sql`ack between 0 and 20`))
    .addColumn('professional', 'integer', (c) => c.notNull().check(sql`professional between 0 and 20`))
    .addColumn('ownership', 'integer', (c) => c.notNull().check(sql`ownership between 0 and 20`))
    .addColumn('cooperation', 'integer', (c) => c.notNull().check(sql`cooperation between 0 and 20`))
    .addColumn('result', 'integer', (c) => c.notNull().check(sql`result between 0 and 20`))
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('reason', 'text')
    .addColumn('supersedes_id', 'bigint', (c) => c.references('scores.id'))
    .addColumn('current', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`create unique index scores_current_idx on scores (assignment_id) where current`.execute(db);

  await db.schema
    .createTable('satisfaction')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('call_id', 'bigint', (c) => c.notNull().unique().references('calls.id'))
    .addColumn('answer', 'text', (c) => c.notNull().check(sql`answer in ('satisfied','basic','unsatisfied')`))
    .addColumn('person_id', 'bigint', (c) => c.references('people.id'))
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('annual_surveys')
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('unit_code', 'text', (c) => c.notNull().references('units.code'))
    .addColumn('score', sql`numeric(5,2)`, (c) => c.notNull())
    .addColumn('sample_size', 'integer', (c) => c.notNull())
    .addColumn('imported_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('annual_surveys_pk', ['year', 'unit_code'])
    .execute();

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('message','card_update','webhook')`))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'bigint', (c) => c.references('calls.id'))
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) =>
      c.notNull().defaultTo('pending').check(sql`state in ('pending','sent','failed')`),
    )
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('available_at', 'timestamptz', (c) => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .addColumn('platform_message_id', 'text')
    .execute();
  await sql`create index outbox_pending_idx on outbox (id) where state = 'pending'`.execute(db);

  await db.schema
    .createTable('inbound_events')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('received'))
    .addColumn('processed_at', 'timestamptz')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('inbound_events_pk', ['platform', 'event_id'])
    .execute();
  await db.schema
    .createIndex('inbound_events_received_idx')
    .on('inbound_events')
    .column('received_at')
    .execute();

  await db.schema
    .createTable('sent_messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('outbox_id', 'bigint', (c) => c.references('outbox.id'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('platform_message_id', 'text', (c) => c.notNull())
    .addColumn('call_id', 'bigint', (c) => c.references('calls.id'))
    .addColumn('card_kind', 'text')
    .addColumn('assignment_id', 'bigint', (c) => c.references('assignments.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sent_messages_call_idx')
    .on('sent_messages')
    .columns(['call_id', 'card_kind'])
    .execute();
  await db.schema
    .createIndex('sent_messages_platform_idx')
    .on('sent_messages')
    .columns(['platform', 'platform_message_id'])
    .execute();

  // The simulator's chat history (its "platform"), so a page reload shows the conversation.
  await db.schema
    .createTable('sim_messages')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('from_bot', 'boolean', (c) => c.notNull())
    .addColumn('sender', 'text', (c) => c.notNull())
    .addColumn('body', 'jsonb', (c) => c.notNull())
    .addColumn('reply_to', 'bigint')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sim_messages_chat_idx')
    .on('sim_messages')
    .columns(['chat_id', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'sim_messages',
    'sent_messages',
    'inbound_events',
    'outbox',
    'annual_surveys',
    'satisfaction',
    'scores',
    'call_events',
    'assignments',
    'calls',
    'call_numbers',
    'catalog_items',
    'chat_bindings',
    'person_identities',
    'people',
    'units',
  ])
    await db.schema.dropTable(t).ifExists().execute();
  await sql`drop function if exists call_events_refuse_change()`.execute(db);
}
