// Indexes for a district's scale. The duplicate check as two probes (same category in the same
// community, or at the same place, in the last days) over calls still being worked on only, so
// its cost does not grow with the number of open calls; it replaces the check's old index. The
// monthly bulletin: assignments resolved in a month, and those open at its end.
// Frozen: a migration never imports the app and is never edited after it ships.
import { type Kysely, sql } from 'kysely';

/** the call states the duplicate check looks at (a resolved, closed or merged call is no duplicate) */
const WORKING = sql`('reported', 'triaged', 'called', 'dispatched', 'acknowledged', 'in_progress', 'reopened')`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index calls_dup_community_idx on calls (category_code, community_code, created_at desc)
    where state in ${WORKING}`.execute(db);
  await sql`create index calls_dup_location_idx on calls (category_code, street_code, location, created_at desc)
    where state in ${WORKING}`.execute(db);
  await db.schema.dropIndex('calls_dup_idx').execute();
  // the bulletin: assignments resolved in a month, and those open at its end (a span containing it)
  await sql`create index assignments_resolved_idx on assignments (resolved_at)`.execute(db);
  await sql`create index assignments_open_late_idx on assignments
    using gist (tstzrange(dispatched_at, coalesce(resolved_at, 'infinity'), '[]')) where role <> 'self'`.execute(
    db,
  );
  // the scores first given in a month or a year
  await sql`create index scores_created_idx on scores (created_at)`.execute(db);
  await sql`create index scores_assignment_idx on scores (assignment_id, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('scores_assignment_idx').execute();
  await db.schema.dropIndex('scores_created_idx').execute();
  await db.schema.dropIndex('assignments_open_late_idx').execute();
  await db.schema.dropIndex('assignments_resolved_idx').execute();
  await db.schema
    .createIndex('calls_dup_idx')
    .on('calls')
    .columns(['category_code', 'community_code', 'created_at'])
    .execute();
  await db.schema.dropIndex('calls_dup_location_idx').execute();
  await db.schema.dropIndex('calls_dup_community_idx').execute();
}
