// The monthly bulletin in the simulator: the card reaches the office chat and its chart is
// served as a real PNG for the page to show inline.
import { Hono } from 'hono';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import { publishMonthlyBulletin } from '../../handlers/reports/bulletin.ts';
import { startJobs } from '../../jobs/index.ts';
import { MemoryDriver } from '../../jobs/memory.ts';
import { freshDb, type TestDb } from '../../test/db.ts';
import { until } from '../../test/queues.ts';
import { loadServiceEnv } from '../adapters.ts';
import type { AppEnv } from '../app.ts';
import type { Runtime } from '../runtime.ts';
import { createServices } from '../services.ts';
import { mountSimulator } from './index.ts';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
afterAll(async () => t?.close());

it('posts the bulletin card with its chart to the office chat', async () => {
  const clock = new ManualClock('2026-12-01T01:00:00Z');
  const runtime = {
    env: loadServiceEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    district: t.district,
    log: silentLogger,
    clock,
    database: t,
    queues: new MemoryDriver(clock, (err) => console.error(err)),
    close: async () => {},
  } satisfies Runtime;
  const services = createServices(runtime, 'all');
  services.ctx.platforms = ['sim'];
  const app = new Hono<AppEnv>();
  await mountSimulator(app, services, { web: true });
  const jobs = await startJobs(services, { schedules: false });
  onTestFinished(() => jobs.stop());
  await publishMonthlyBulletin(services.ctx, '2026-11');
  let card: { images?: { ref: string; alt: string }[]; title: string } | undefined;
  await until(async () => {
    const res = await app.request('/sim/api/chats/sim-office/messages');
    const { messages } = (await res.json()) as { messages: { message?: typeof card }[] };
    card = messages.map((m) => m.message).find((m) => m?.images?.length);
    return !!card;
  }, 'the bulletin card in the office chat');
  expect(card!.title).toContain('2026年11月');
  const img = await app.request(`/sim/api/images/${encodeURIComponent(card!.images![0].ref)}`);
  expect(img.status).toBe(200);
  expect(img.headers.get('content-type')).toBe('image/png');
  const bytes = Buffer.from(await img.arrayBuffer());
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  expect((await app.request('/sim/api/images/chart%3Anothing')).status).toBe(404);
});
