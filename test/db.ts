// A fresh, migrated database for one test file: a new database on the real PostgreSQL
// (DATABASE_URL), else a new in-memory PGlite loaded from the run's migrated snapshot.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { type District, loadDistrict } from '../config/district.ts';
import { connectPostgres, type DbHandle, startEmbedded } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { syncDistrict } from '../db/sync.ts';

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
    const name = `huying_t_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(base);
    u.pathname = `/${name}`;
    url = u.toString();
    handle = await connectPostgres(url);
    await migrateToLatest(handle.db);
    drop = async () => {
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    };
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
