// Starts the HTTP server and the workers for a role, and shuts down gracefully on SIGTERM:
// stop taking requests, finish jobs in hand, close pools.
import { serve } from '@hono/node-server';
import type { Clock } from '../config/clock.ts';
import type { Env } from '../config/env.ts';
import type { Logger } from '../config/log.ts';
import { createApp } from './app.ts';
import { createRuntime, type Runtime } from './runtime.ts';
import type { Role, Services } from './services.ts';

export interface Server {
  runtime: Runtime;
  /** what the role runs (the router, the context), for benchmarks and tests */
  services: Services;
  port: number;
  stop(): Promise<void>;
}

export async function startServer(
  env: Env,
  opts: { role?: Role; log?: Logger; clock?: Clock } = {},
): Promise<Server> {
  const role = opts.role ?? 'all';
  const startedAt = new Date();
  const runtime = await createRuntime(env, { log: opts.log, clock: opts.clock });
  const { log } = runtime;
  const app = createApp({
    log,
    checks: [
      { name: 'database', check: () => runtime.database.ping() },
      { name: 'queue', check: () => runtime.queues.ping() },
    ],
  });
  const wiring = await (await import('./wiring.ts')).wire(app, runtime, role);
  (await import('./status.ts')).mountStatus(app, wiring.services, startedAt);
  let port = 0;
  const http = role === 'worker' && env.PORT === 0 ? null : await listen(app.fetch, env.PORT, env.HOST);
  if (http) port = http.port;
  log.info({ role, port, database: runtime.database.where, queue: runtime.queues.kind }, 'huying started');
  return {
    runtime,
    services: wiring.services,
    port,
    async stop() {
      log.info('shutting down');
      await http?.close();
      await wiring.stop();
      await runtime.close();
      log.info('stopped');
    },
  };
}

function listen(fetch: (req: Request) => Response | Promise<Response>, port: number, hostname: string) {
  return new Promise<{ port: number; close(): Promise<void> }>((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, (info) =>
      resolve({
        port: info.port,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            // idle keep-alive sockets would hold close() open
            (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          }),
      }),
    );
    server.once('error', reject);
  });
}
