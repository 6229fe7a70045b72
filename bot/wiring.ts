// Puts the parts together for a role: the handler context, the router, each platform's
// adapter (routes in, a sender out), the job workers, and the APIs.
import type { Hono } from 'hono';
import { simulatorMode } from '../config/env.ts';
import type { AppEnv } from './app.ts';
import { bodyCaps, refuseNul } from './edge.ts';
import type { Runtime } from './runtime.ts';
import { createServices, enabledPlatforms, type Role, type Services, startInboxSweep } from './services.ts';

export interface Wiring {
  services: Services;
  stop(): Promise<void>;
}

export async function wire(app: Hono<AppEnv>, runtime: Runtime, role: Role): Promise<Wiring> {
  const services = createServices(runtime, role);
  services.ctx.platforms = enabledPlatforms(runtime.env);
  const web = role !== 'worker';
  const worker = role !== 'web';
  // before any route: a body is capped before anything reads it, a URL with NUL refused
  app.use('*', refuseNul());
  app.use('*', bodyCaps());

  // --- platform adapters (each mounts its routes and registers its sender) ---
  // WeChat: one session, in the process that runs the send worker; wechaty loads only when configured.
  if (runtime.env.WECHATY_PUPPET)
    await (await import('./wechat/index.ts')).mountWechat(app, services, { worker });
  const sim = simulatorMode(runtime.env);
  if (sim === 'alone') await (await import('./sim/index.ts')).mountSimulator(app, services, { web });
  if (sim === 'sandbox' && web) await (await import('./sim/sandbox.ts')).mountSandbox(app, services);
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
