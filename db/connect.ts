// The database connection: PostgreSQL through `pg`, or the embedded PGlite served on a
// loopback port by pglite-socket, so both paths run the same `pg` code.
import { mkdirSync } from 'node:fs';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../config/log.ts';
import type { Database } from './schema.ts';

// bigint ids stay strings (no precision loss); numeric stays a string; int8 counts too.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export type Db = Kysely<Database>;

export interface DbHandle {
  db: Db;
  /** where it is, for messages: host:port/database, never credentials */
  where: string;
  embedded: boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DatabaseUnreachableError extends Error {
  readonly code = 'database_unreachable';
  constructor(
    readonly where: string,
    cause: unknown,
  ) {
    super(`cannot reach the database at ${where}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'DatabaseUnreachableError';
  }
}

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

function handleFor(
  pool: pg.Pool,
  where: string,
  embedded: boolean,
  extraClose?: () => Promise<void>,
): DbHandle {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    where,
    embedded,
    async ping() {
      const client = await pool.connect();
      try {
        await client.query('select 1');
      } finally {
        client.release();
      }
    },
    async close() {
      await db.destroy();
      await extraClose?.();
    },
  };
}

/** Connects to PostgreSQL and checks it answers. */
export async function connectPostgres(url: string, opts: { max?: number } = {}): Promise<DbHandle> {
  const where = describeUrl(url);
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {}); // idle client errors surface on the next query; don't crash the process
  const handle = handleFor(pool, where, false);
  try {
    await handle.ping();
  } catch (e) {
    await pool.end().catch(() => {});
    throw new DatabaseUnreachableError(where, e);
  }
  return handle;
}

/**
 * Starts PGlite (in `dataDir`, or in memory when null) behind a loopback Postgres socket
 * and connects a normal pg pool to it.
 */
export async function startEmbedded(
  dataDir: string | null,
  opts: { log?: Logger; snapshot?: Blob } = {},
): Promise<DbHandle & { url: string; snapshot(): Promise<Blob> }> {
  const { log } = opts;
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({
    dataDir: dataDir ? `${dataDir}/pglite` : undefined,
    loadDataDir: opts.snapshot,
  });
  const port = await freePort();
  // PGlite runs one query at a time; more connections just wait their turn at the socket.
  const server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port, maxConnections: 16 });
  await server.start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // One connection: PGlite executes one query at a time anyway, and with several
  // connections pglite-socket was seen to hand a query's result to another connection.
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  log?.info({ dataDir: dataDir ?? '(memory)', port }, 'embedded database started');
  const handle = handleFor(pool, `embedded PGlite (${dataDir ?? 'memory'})`, true, async () => {
    await server.stop();
    await pglite.close();
  });
  return { ...handle, url, snapshot: async () => (await pglite.dumpDataDir('none')) as Blob };
}

async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
