// The call a chat message made, found by the message: an event worked again after a crash (its
// call written, the process killed before the event was marked done) finds the call it made
// instead of making a second one.
// Frozen: a migration never imports the app and is never edited after it ships.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index calls_source_message_idx on calls (source_message_id) where source_message_id is not null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('calls_source_message_idx').execute();
}
