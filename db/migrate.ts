// Applies the dated, frozen migrations in db/migrations.
import { type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { Db } from './connect.ts';
import * as m0001 from './migrations/2026-11-27T0001-initial.ts';
import * as m0002 from './migrations/2026-12-01T0002-inbound-replay.ts';
import * as m0003 from './migrations/2026-12-01T0003-outbox-priority.ts';
import * as m0004 from './migrations/2026-12-01T0004-retention.ts';
import * as m0005 from './migrations/2026-12-01T0005-call-waits.ts';
import * as m0006 from './migrations/2026-12-01T0006-attachments.ts';
import * as m0007 from './migrations/2026-12-01T0007-scale-indexes.ts';
import * as m0008 from './migrations/2026-12-01T0008-console-sessions.ts';
import * as m0009 from './migrations/2026-12-01T0009-report-month-indexes.ts';
import * as m0010 from './migrations/2026-12-03T0010-call-doubt.ts';
import * as m0011 from './migrations/2026-12-03T0011-call-source-message.ts';

// A static list: works the same under tsx, a bundler or compiled output.
const migrations: Record<string, Migration> = {
  '2026-11-27T0001-initial': m0001,
  '2026-12-01T0002-inbound-replay': m0002,
  '2026-12-01T0003-outbox-priority': m0003,
  '2026-12-01T0004-retention': m0004,
  '2026-12-01T0005-call-waits': m0005,
  '2026-12-01T0006-attachments': m0006,
  '2026-12-01T0007-scale-indexes': m0007,
  '2026-12-01T0008-console-sessions': m0008,
  '2026-12-01T0009-report-month-indexes': m0009,
  '2026-12-03T0010-call-doubt': m0010,
  '2026-12-03T0011-call-source-message': m0011,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'huying_migrations',
    migrationLockTableName: 'huying_migrations_lock',
    // Migrations touch separate tables and are written on parallel branches: one that lands
    // with an earlier name than an applied one is still applied.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
