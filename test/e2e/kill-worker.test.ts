// A worker killed with -9 mid-send, the way it happens in production: one web and two worker
// processes on PostgreSQL + Redis, signed Lark reports arriving, the fake Lark Open API answering
// slowly. The other worker takes the dead one's rows over once their short lease lapses, and
// every outbox row reaches the API exactly once (the fake deduplicates on uuid as Lark does).
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../bench/scenario.ts';
import { killAll } from '../processes.ts';

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
    expect(r.kill!.resumeS!).toBeLessThanOrEqual(15);
    expect(r.drainedS).not.toBeNull();
  });
});
