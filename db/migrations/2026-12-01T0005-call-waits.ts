// When a call entered its current state: every state that waits on a person has a ladder of
// reminders counted from it. Existing calls take their last update as the start of their wait.
// Frozen: a migration never imports the app and is never edited after it ships.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('calls').addColumn('state_since', 'timestamptz').execute();
  await sql`update calls set state_since = updated_at`.execute(db);
  await db.schema
    .alterTable('calls')
    .alterColumn('state_since', (c) => c.setNotNull())
    .execute();
  await db.schema
    .alterTable('calls')
    .alterColumn('state_since', (c) => c.setDefault(sql`now()`))
    .execute();
  await db.schema
    .createIndex('calls_waiting')
    .on('calls')
    .columns(['state', 'state_since'])
    .where(sql.ref('state'), 'in', sql`('reported', 'triaged', 'called', 'returned', 'resolved')`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('calls_waiting').execute();
  await db.schema.alterTable('calls').dropColumn('state_since').execute();
}
