// Crashes under a stream of signed Lark reports, on PostgreSQL + Redis with child processes, the
// way production runs: the web process killed -9 and started again, then a private Redis killed
// -9 (its data gone) and started again empty. Every report that was answered 2xx becomes exactly
// one call, without a second restart, within a bounded time; every outbox row reaches the fake
// Lark Open API exactly once (counted by uuid, which Lark deduplicates on).
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../bench/scenario.ts';
import { killAll } from '../processes.ts';

const services = !!process.env.DATABASE_URL && !!process.env.REDIS_URL;

describe.skipIf(!services)('crashes lose nothing and send nothing twice', () => {
  afterEach(() => killAll());

  it('the web process killed -9 mid-stream and started again', { timeout: 240_000 }, async () => {
    const r = await runScenario({
      // fast enough that work waits behind the answers when the process dies
      seconds: 10,
      ratePerSecond: 20,
      emergencyEverySeconds: 0,
      larkLatencyMs: 100,
      workers: 1,
      crash: { target: 'web', atS: 5, downS: 2 },
      drainTimeoutMs: 180_000,
    });
    expect(r.problems).toEqual([]);
    expect(r.reports.answered2xx).toBeGreaterThan(20);
    expect(r.reports.answered2xx).toBeLessThan(r.reports.posted); // some posted while it was down
    expect(r.crash).toMatchObject({ lost: 0, doubled: 0 });
    // after the restart (the accepting process's short claim, then a sweep); how long it took is
    // the benchmark's to measure, not a test's
    expect(r.crash!.recoveredS).not.toBeNull();
    expect(r.outbox).toMatchObject({ pending: 0, failed: 0 });
  });

  it('a private Redis killed -9 mid-stream and started again empty', { timeout: 240_000 }, async () => {
    const r = await runScenario({
      seconds: 16,
      ratePerSecond: 4,
      emergencyEverySeconds: 0,
      larkLatencyMs: 100,
      workers: 1,
      crash: { target: 'redis', atS: 6, downS: 3 },
      drainTimeoutMs: 120_000,
    });
    expect(r.problems).toEqual([]);
    expect(r.reports.answered2xx).toBe(r.reports.posted);
    expect(r.crash).toMatchObject({ lost: 0, doubled: 0 });
    expect(r.crash!.recoveredS).not.toBeNull();
    expect(r.outbox).toMatchObject({ pending: 0, failed: 0 });
  });
});
