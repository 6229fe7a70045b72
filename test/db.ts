// A fresh, migrated database for one test file: a new database on the real PostgreSQL
// (DATABASE_URL), else a new in-memory PGlite loaded from the run's migrated snapshot.
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { type District, loadDistrict } from '../config/district.ts';
import { connectPostgres, type DbHandle, startEmbedded } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { syncDistrict } from '../db/sync.ts';
import { scratchDatabase } from './scratch-db.ts';

export interface TestDb extends DbHandle {
  url: string;
  district: District;
}

export async function freshDb(opts: { district?: District; sync?: boolean } = {}): Promise<TestDb> {
  const district = opts.district ?? loadDistrict();
  let handle: DbHandle;
  let url: string;
  let drop = async () => {};
  const base = process.env.DATABASE_URL;
  if (base) {
    const scratch = await scratchDatabase(base, `huying_t_${process.pid}`);
    url = scratch.url;
    handle = await connectPostgres(url);
    await migrateToLatest(handle.db);
    drop = scratch.drop;
  } else {
    const snapshot = inject('pgliteSnapshot');
    const blob = snapshot ? new Blob([readFileSync(snapshot)]) : undefined;
    const embedded = await startEmbedded(null, { snapshot: blob });
    if (!blob) await migrateToLatest(embedded.db);
    handle = embedded;
    url = embedded.url;
  }
  if (opts.sync !== false) await syncDistrict(handle.db, district);
  return {
    ...handle,
    url,
    district,
    async close() {
      await handle.close();
      await drop();
    },
  };
}

/** How many rows a table holds. */
export async function rowCount(
  db: DbHandle['db'],
  table: 'calls' | 'outbox' | 'inbound_events',
): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
