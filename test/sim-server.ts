// Test-only: the real server with the simulator on, the way `HUYING_CLOCK=manual npm start` runs
// it. On PostgreSQL a fresh test database; without one the embedded default (PGlite in a
// temporary folder, one connection): a pool of connections to the test PGlite's socket mixes up
// concurrent queries (the page's live stream, the send worker and the requests all query at once).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Server, startServer } from '../bot/server.ts';
import type { Clock } from '../config/clock.ts';
import { loadEnv } from '../config/env.ts';
import { silentLogger } from '../config/log.ts';
import { freshDb, type TestDb } from './db.ts';
import { redisEnv } from './queues.ts';

export interface SimServer {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** JSON from the server: method, path (with /sim), optional body */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startSimServer(
  o: {
    /** the app's clock: manual unless 'system' */
    clock?: Clock | 'system';
    /** with REDIS_URL set, use it (BullMQ); the manual clock drives only the in-process queue */
    redis?: boolean;
  } = {},
): Promise<SimServer> {
  let t: TestDb | undefined;
  let dataDir: string | undefined;
  const where: Record<string, string> = {};
  if (process.env.DATABASE_URL) {
    t = await freshDb();
    where.DATABASE_URL = t.url;
    if (o.redis) Object.assign(where, redisEnv());
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'huying-sim-'));
    where.HUYING_DATA_DIR = dataDir;
  }
  const env = loadEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ...where,
    HUYING_SIM: 'on',
    ...(o.clock === 'system' ? {} : { HUYING_CLOCK: 'manual' }),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
  });
  const clock = o.clock && o.clock !== 'system' ? o.clock : undefined;
  const server = await startServer(env, { log: silentLogger, clock });
  const url = `http://127.0.0.1:${server.port}`;
  return {
    server,
    url,
    async api(method, path, body) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as any };
    },
    async close() {
      await server.stop();
      await t?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
