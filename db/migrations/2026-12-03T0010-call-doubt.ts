// A report the parser was in doubt about (no alarm, but the learned score leaned toward one): the
// street is asked to triage it within minutes, round the clock, and the wait's ladder is its own.
// Frozen: a migration never imports the app and is never edited after it ships.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('calls')
    .addColumn('in_doubt', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('calls').dropColumn('in_doubt').execute();
}
