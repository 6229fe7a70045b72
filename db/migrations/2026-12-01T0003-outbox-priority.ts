// The outbox under stress: a row's priority in its chat's line (emergencies ahead), the batch a
// row was merged into under a flood, the worker holding its claim (so only it renews the lease),
// an index for "the next row of this chat", and the episodes of lines that stayed long (so the
// office is warned once per episode, whichever worker notices).
// Frozen: a migration never imports the app and is never edited after it ships.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('outbox')
    .addColumn('priority', 'smallint', (c) => c.notNull().defaultTo(0))
    .addColumn('merged_into', 'bigint')
    .addColumn('lease_owner', 'text')
    .execute();
  await sql`create index outbox_line_idx on outbox (platform, chat_id, priority, id) where state = 'pending'`.execute(
    db,
  );
  await sql`create index outbox_merged_idx on outbox (merged_into) where state = 'pending' and merged_into is not null`.execute(
    db,
  );
  await db.schema
    .createTable('outbox_lines')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('long_since', 'timestamptz', (c) => c.notNull())
    .addColumn('warned_at', 'timestamptz')
    .addPrimaryKeyConstraint('outbox_lines_pk', ['platform', 'chat_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('outbox_lines').ifExists().execute();
  await sql`drop index if exists outbox_merged_idx`.execute(db);
  await sql`drop index if exists outbox_line_idx`.execute(db);
  await db.schema
    .alterTable('outbox')
    .dropColumn('lease_owner')
    .dropColumn('merged_into')
    .dropColumn('priority')
    .execute();
}
