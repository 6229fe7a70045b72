// Puts the parts together for a role: the handler context, the router, each platform's
// adapter (routes in, a sender out), the job workers, and the APIs.
import type { Hono } from 'hono';
import { type Env, simulatorEnabled } from '../config/env.ts';
import type { Ctx, Effects } from '../handlers/context.ts';
import type { PlatformSender } from '../jobs/platform.ts';
import type { AppEnv } from './app.ts';
import { createRouter, type Router } from './router.ts';
import type { Runtime } from './runtime.ts';
import type { Role } from './server.ts';

export interface Services {
  runtime: Runtime;
  ctx: Ctx;
  router: Router;
  role: Role;
  /** platform name → sender; adapters register theirs at start */
  senders: Map<string, PlatformSender>;
  /** called after each commit that wrote outbox rows or changed deadlines */
  effects: { listeners: ((e: Effects) => void)[] };
  /** things to stop at shutdown, in reverse order */
  stoppers: (() => Promise<void>)[];
}

export interface Wiring {
  services: Services;
  stop(): Promise<void>;
}

export function createServices(runtime: Runtime, role: Role): Services {
  const effects: Services['effects'] = { listeners: [] };
  const ctx: Ctx = {
    db: runtime.database.db,
    district: runtime.district,
    clock: runtime.clock,
    log: runtime.log,
    afterCommit: (e) => {
      for (const l of effects.listeners) l(e);
    },
  };
  return { runtime, ctx, router: createRouter(ctx), role, senders: new Map(), effects, stoppers: [] };
}

/** Messages go only to chats on platforms that are switched on. */
export function enabledPlatforms(env: Env): string[] {
  return [
    ...(simulatorEnabled(env) ? ['sim'] : []),
    ...(env.LARK_APP_ID ? ['lark'] : []),
    ...(env.WECHATY_PUPPET ? ['wechat'] : []),
  ];
}

export async function wire(app: Hono<AppEnv>, runtime: Runtime, role: Role): Promise<Wiring> {
  const services = createServices(runtime, role);
  services.ctx.platforms = enabledPlatforms(runtime.env);
  const web = role !== 'worker';
  const worker = role !== 'web';

  // --- platform adapters (each mounts its routes and registers its sender) ---
  // WeChat: one session, in the process that runs the send worker; wechaty loads only when configured.
  if (runtime.env.WECHATY_PUPPET)
    await (await import('./wechat/index.ts')).mountWechat(app, services, { worker });
  if (simulatorEnabled(runtime.env))
    await (await import('./sim/index.ts')).mountSimulator(app, services, { web });
  if (runtime.env.LARK_APP_ID)
    await (await import('./lark/adapter.ts')).mountLark(app, services, { web, worker });
  // --- APIs ---
  if (web) (await import('./api/reports.ts')).mountReportsApi(app, services);
  if (web) {
    (await import('./open311/index.ts')).mountOpen311(app, services);
    (await import('./api/calls.ts')).mountCallsApi(app, services);
    (await import('./sheet.ts')).mountSheet(app, services);
  }
  // --- jobs ---
  await (await import('../jobs/index.ts')).startJobs(services);
  await (await import('./admin/queues.ts')).mountQueueAdmin(app, services);

  startInboxSweep(services, runtime.env.HUYING_INBOX_SWEEP_MS);

  return {
    services,
    async stop() {
      for (const s of services.stoppers.reverse()) await s();
    },
  };
}

/** How often a process looks for recorded events nobody is working on. */
const INBOX_SWEEP_MS = 5_000;

/**
 * Continuous replay: an event that was accepted (answered) but never processed — the process
 * died in between, or its work failed for now — is taken on by whichever running process finds
 * it first once its claim has run out, whatever the backlog's size.
 */
function startInboxSweep(services: Services, everyMs = INBOX_SWEEP_MS) {
  const { ctx, router } = services;
  let busy: Promise<unknown> | null = null;
  const sweep = () => {
    if (busy) return;
    busy = router
      .replay()
      .then((n) => {
        if (n) ctx.log.info({ replayed: n }, 'took on events no process was working on');
      })
      .catch((err) => ctx.log.warn({ err }, 'inbox sweep failed; the next one retries'))
      .finally(() => {
        busy = null;
      });
  };
  sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  services.stoppers.push(async () => {
    clearInterval(timer);
    await busy;
  });
}
