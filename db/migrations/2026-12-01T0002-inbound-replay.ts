// Inbound events: deduplicated on the platform's message id as well as its event id (a platform
// may deliver one message under several event ids), and claimed with a lease while processed,
// so that any running process picks up what a dead one accepted but never processed.
// Frozen: a migration never imports the app and is never edited after it ships.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('inbound_events')
    .addColumn('message_key', 'text')
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('claimed_by', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('inbound_events_message_key')
    .on('inbound_events')
    .columns(['platform', 'message_key'])
    .unique()
    .where(sql.ref('message_key'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('inbound_events_waiting')
    .on('inbound_events')
    .column('received_at')
    .where(sql.ref('state'), '=', 'received')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('inbound_events_waiting').execute();
  await db.schema.dropIndex('inbound_events_message_key').execute();
  await db.schema
    .alterTable('inbound_events')
    .dropColumn('message_key')
    .dropColumn('claimed_until')
    .dropColumn('claimed_by')
    .dropColumn('attempts')
    .execute();
}
