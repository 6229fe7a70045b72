// Where a test's server keeps its data: a fresh database on the real PostgreSQL (DATABASE_URL),
// else the embedded default in a temporary folder — never a pool of connections to a test
// PGlite's socket, which mixes up concurrent queries. Queues: the real Redis with a prefix of
// its own when REDIS_URL is set. The test reads the data through the server's own database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshDb } from './db.ts';
import { redisEnv } from './queues.ts';

export interface ServerStorage {
  /** the variables to start the server with */
  env: Record<string, string>;
  /** a temporary folder of the test's (the data dir), removed at close */
  dir: string;
  close(): Promise<void>;
}

export async function serverStorage(o: { redis?: boolean } = {}): Promise<ServerStorage> {
  const dir = mkdtempSync(join(tmpdir(), 'huying-server-'));
  const env: Record<string, string> = { HUYING_DATA_DIR: dir, ...(o.redis === false ? {} : redisEnv()) };
  const t = process.env.DATABASE_URL ? await freshDb() : undefined;
  if (t) env.DATABASE_URL = t.url;
  return {
    env,
    dir,
    async close() {
      await t?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
