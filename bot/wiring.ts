// Puts the parts together for a role: the handler context, the router, each platform's
// adapter (routes in, a sender out), the job workers, and the APIs.
import type { Hono } from 'hono';
import { createAdvisor } from '../handlers/intake/advisor.ts';
import {
  ADAPTERS,
  checkDistrictPlatforms,
  enabledPlatforms,
  platformLabels,
  platformLimits,
  privateReplyPlatforms,
  realPlatformConfigured,
} from './adapters.ts';
import type { AppEnv } from './app.ts';
import { bodyCaps, refuseNul } from './edge.ts';
import type { Runtime } from './runtime.ts';
import { createServices, type Role, type Services, startInboxSweep } from './services.ts';

export interface Wiring {
  services: Services;
  stop(): Promise<void>;
}

export async function wire(app: Hono<AppEnv>, runtime: Runtime, role: Role): Promise<Wiring> {
  checkDistrictPlatforms(runtime.district);
  const services = createServices(runtime, role);
  services.ctx.platforms = enabledPlatforms(runtime.env);
  services.ctx.privateReplies = privateReplyPlatforms();
  services.ctx.publicUrl = runtime.env.HUYING_PUBLIC_URL;
  if (runtime.env.HUYING_LLM_URL && runtime.env.HUYING_LLM_MODEL)
    services.ctx.advise = createAdvisor(runtime.district, {
      url: runtime.env.HUYING_LLM_URL,
      model: runtime.env.HUYING_LLM_MODEL,
      apiKey: runtime.env.HUYING_LLM_API_KEY,
      timeoutMs: runtime.env.HUYING_LLM_TIMEOUT_MS,
      log: services.ctx.log,
    });
  const web = role !== 'worker';
  const worker = role !== 'web';
  // before any route: a body is capped before anything reads it, a URL with NUL refused
  app.use('*', refuseNul());
  app.use('*', bodyCaps());

  // --- platform adapters: each mounts its routes (web) and registers its sender (where it sends) ---
  const real = realPlatformConfigured(runtime.env);
  for (const adapter of ADAPTERS)
    if (adapter.configured(runtime.env, { realPlatformConfigured: real }) || adapter.sandbox)
      await adapter.mount({ app, services, roles: { web, worker }, realPlatformConfigured: real });
  // --- APIs ---
  if (web) (await import('./api/reports.ts')).mountReportsApi(app, services);
  if (web) {
    (await import('./open311/index.ts')).mountOpen311(app, services);
    (await import('./api/calls.ts')).mountCallsApi(app, services);
    (await import('./sheet.ts')).mountSheet(app, services);
    (await import('./console/index.ts')).mountConsole(app, services);
  }
  // --- jobs ---
  await (await import('../jobs/index.ts')).startJobs(services, {
    limits: platformLimits(),
    labels: platformLabels(),
  });
  await (await import('./admin/queues.ts')).mountQueueAdmin(app, services);

  startInboxSweep(services, runtime.env.HUYING_INBOX_SWEEP_MS);

  return {
    services,
    async stop() {
      for (const s of services.stoppers.reverse()) await s();
    },
  };
}
