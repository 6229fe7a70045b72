// The monthly bulletin reads the residents' answers given in the month: by index on their time,
// not by reading every answer ever given.
// Frozen: a migration never imports the app and is never edited after it ships.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index satisfaction_at_idx on satisfaction (at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('satisfaction_at_idx').execute();
}
