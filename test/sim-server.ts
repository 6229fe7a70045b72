// Test-only: the real server with the simulator on, the way `HUYING_CLOCK=manual npm start` runs
// it, keeping its data where test/server-storage.ts says.

import { loadServiceEnv } from '../bot/adapters.ts';
import { type Server, startServer } from '../bot/server.ts';
import { SimScript } from '../bot/sim/demo.ts';
import type { Clock } from '../config/clock.ts';
import { silentLogger } from '../config/log.ts';
import { serverStorage } from './server-storage.ts';

export interface SimServer {
  server: Server;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** JSON from the server: method, path (with /sim), optional body */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** the simulator's script, driven through this server's HTTP API */
  script(): Promise<SimScript>;
  close(): Promise<void>;
}

export async function startSimServer(
  o: {
    /** the app's clock: manual unless 'system' */
    clock?: Clock | 'system';
    /** with REDIS_URL set, use it (BullMQ); the manual clock drives only the in-process queue */
    redis?: boolean;
    /** more of the service's variables */
    env?: Record<string, string>;
  } = {},
): Promise<SimServer> {
  // Redis only when asked for: the manual clock drives only the in-process queue
  const storage = await serverStorage({ redis: !!o.redis && !!process.env.DATABASE_URL });
  const env = loadServiceEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ...storage.env,
    HUYING_SIM: 'on',
    ...(o.clock === 'system' ? {} : { HUYING_CLOCK: 'manual' }),
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
    ...o.env,
  });
  const clock = o.clock && o.clock !== 'system' ? o.clock : undefined;
  const server = await startServer(env, { log: silentLogger, clock });
  const url = `http://127.0.0.1:${server.port}`;
  const api: SimServer['api'] = async (method, path, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  return {
    server,
    url,
    api,
    script: () => SimScript.start((method, path, body) => api(method, `/sim${path}`, body)),
    async close() {
      await server.stop();
      await storage.close();
    },
  };
}
