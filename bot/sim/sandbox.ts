// The simulator beside a real platform: a sandbox. It gets a world of its own — an in-memory
// database with the district's org chart and catalog but none of its people or chats, its own
// in-process job layer, its own clock — so it can never see a real call, send to a real chat or
// act as a real person; and it sits behind the admin login.
import type { Hono } from 'hono';
import { ManualClock, systemClock } from '../../config/clock.ts';
import { startEmbedded } from '../../db/connect.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { syncDistrict } from '../../db/sync.ts';
import { startJobs } from '../../jobs/index.ts';
import { MemoryDriver } from '../../jobs/memory.ts';
import type { AppEnv } from '../app.ts';
import type { Runtime } from '../runtime.ts';
import { createServices, type Services, startInboxSweep } from '../services.ts';
import { mountSimulator } from './index.ts';
import { simLogin } from './login.ts';

export async function mountSandbox(
  app: Hono<AppEnv>,
  main: Services,
  limits: { app: number; chat: number },
): Promise<void> {
  const { env } = main.runtime;
  if (!env.ADMIN_TOKEN) throw new Error('the simulator sandbox needs ADMIN_TOKEN'); // loadEnv refuses earlier
  const log = main.runtime.log.child({ sandbox: true });
  const database = await startEmbedded(null, { log });
  await migrateToLatest(database.db);
  // the org chart and the catalog; no people (stand-ins play every role) and no real chats
  const district = { ...main.runtime.district, people: [], chats: [] };
  await syncDistrict(database.db, district);
  // a clock of its own: fast-forwarding the sandbox never moves real reminders
  const clock = env.HUYING_CLOCK === 'manual' ? new ManualClock(main.runtime.clock.now()) : systemClock;
  const queues = new MemoryDriver(clock, (err) => log.error({ err }, 'sandbox queue error'));
  const runtime: Runtime = {
    env,
    district,
    log,
    clock,
    database,
    queues,
    async close() {
      await queues.close();
      await database.close();
    },
  };
  const services = createServices(runtime, 'all');
  services.ctx.platforms = ['sim'];
  await mountSimulator(app, services, { web: true, login: simLogin(env.ADMIN_TOKEN) });
  await startJobs(services, { limits: { sim: limits } });
  startInboxSweep(services, env.HUYING_INBOX_SWEEP_MS);
  main.stoppers.push(async () => {
    for (const s of services.stoppers.reverse()) await s();
    await runtime.close();
  });
  log.warn(
    'the simulator runs as a SANDBOX beside a real chat platform, at /sim behind the admin login: its own in-memory database and stand-in personas; it cannot see or act on real calls or chats',
  );
}
