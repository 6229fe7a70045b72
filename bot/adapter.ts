// The contract every chat platform meets (Lark, WeChat, the simulator, and those to come): its
// name, the variables that switch it on, how it mounts on the app (routes in, a sender out, what
// to stop), its rate limits. One folder under bot/ per platform, one line in bot/adapters.ts: the
// mechanism, the jobs, the storage and the configuration never name a platform.
import type { Hono } from 'hono';
import type { z } from 'zod';
import type { Env } from '../config/env.ts';
import type { AppEnv } from './app.ts';
import type { Services } from './services.ts';

export interface AdapterSetup {
  app: Hono<AppEnv>;
  services: Services;
  roles: { web: boolean; worker: boolean };
  /** whether a real platform (not a sandbox) is configured beside this one */
  realPlatformConfigured: boolean;
}

export interface Adapter {
  /** the platform's name in chat bindings, identities and outbox rows */
  platform: string;
  /** what people call it: 飞书 */
  label: string;
  /** the environment variables it reads; validated with the rest at start */
  env: z.ZodRawShape;
  /** what is wrong with them beyond their shapes (a secret missing beside its id) */
  check?(env: Env, o: { realPlatformConfigured: boolean }): string[];
  /** whether the environment switches it on */
  configured(env: Env, o: { realPlatformConfigured: boolean }): boolean;
  /** a sandbox stands apart from the real platforms (the simulator); a real one is where people are */
  sandbox?: boolean;
  /** it can show a message in a group chat to one person alone (Lark's ephemeral cards) */
  privateInGroups?: boolean;
  /** sends per second it allows: for the whole app, and into one chat */
  limits: { app: number; chat: number };
  /** mounts its routes (in a web role), registers its sender (where it sends), adds its stoppers */
  mount(setup: AdapterSetup): Promise<void>;
}

/** The adapter's own variables, typed by its schema (loadServiceEnv has validated them). */
export const envOf = <T extends z.ZodRawShape>(env: Env, _shape: T) => env as Env & z.infer<z.ZodObject<T>>;
