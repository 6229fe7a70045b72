// Mounts adapters and APIs on the app and starts the workers a role needs.
import type { Hono } from 'hono';
import type { AppEnv } from './app.ts';
import type { Runtime } from './runtime.ts';
import type { Role } from './server.ts';

export interface Wiring {
  stop(): Promise<void>;
}

export async function wire(_app: Hono<AppEnv>, _runtime: Runtime, _role: Role): Promise<Wiring> {
  return { async stop() {} };
}
