// A worker killed with -9 mid-send, the way it happens in production: one web and two worker
// processes on PostgreSQL + Redis, signed Lark reports arriving, the fake Lark Open API answering
// slowly. The other worker takes the dead one's rows over once their short lease lapses, and
// every outbox row reaches the API exactly once (the fake deduplicates on uuid as Lark does).
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../bench/scenario.ts';
import { freshDb } from '../db.ts';
import { killAll, startHuying } from '../processes.ts';
import { redisEnv } from '../queues.ts';

const services = !!process.env.DATABASE_URL && !!process.env.REDIS_URL;

describe.skipIf(!services)('a worker killed mid-send', () => {
  afterEach(() => killAll());

  it('sending resumes within 15 s and every row reaches the platform once', {
    timeout: 180_000,
  }, async () => {
    const r = await runScenario({
      seconds: 20,
      ratePerSecond: 1,
      emergencyEverySeconds: 0,
      larkLatencyMs: 500,
      killWorkerAt: 6,
      drainTimeoutMs: 90_000,
    });
    expect(r.problems).toEqual([]);
    expect(r.reports.answered2xx).toBe(r.reports.posted);
    expect(r.reports.calls).toBe(r.reports.posted);
    expect(r.outbox).toMatchObject({ pending: 0, failed: 0 });
    expect(r.outbox.sent).toBeGreaterThanOrEqual(2 * r.reports.posted); // a receipt and a triage card each
    expect(r.kill!.heldRows).toBeGreaterThan(0);
    expect(r.kill!.resumeS).not.toBeNull();
    expect(r.drainedS).not.toBeNull();
  });

  it('the harness restarts a killed process on its address', { timeout: 120_000 }, async () => {
    const t = await freshDb();
    try {
      const web = await startHuying({ role: 'web', env: { DATABASE_URL: t.url, ...redisEnv() } });
      const first = web.pid;
      await web.kill();
      expect(web.running).toBe(false);
      expect((await fetch(`${web.url}/healthz`).catch(() => null))?.ok).toBeFalsy();
      await web.restart();
      expect(web.running).toBe(true);
      expect(web.pid).not.toBe(first);
      expect((await fetch(`${web.url}/readyz`)).status).toBe(200);
      await web.stop();
      expect(web.running).toBe(false);
      expect(web.logs.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    } finally {
      await t.close();
    }
  });
});
