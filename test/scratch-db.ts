// A new, empty database on the PostgreSQL of `base` (a DATABASE_URL), for one test file or one
// benchmark run, and a way to drop it afterwards. No vitest here: the benchmarks use it too.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface ScratchDatabase {
  url: string;
  /** `PostgreSQL <host:port>`, for reports */
  where: string;
  drop(): Promise<void>;
}

async function admin(base: string, statement: string) {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function scratchDatabase(base: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(base, `create database ${name}`);
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    where: `PostgreSQL ${u.host}`,
    drop: () => admin(base, `drop database if exists ${name} with (force)`),
  };
}
