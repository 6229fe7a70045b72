// The flood benchmark's CI version (test/bench/flood.bench.ts runs it for 10 minutes): 15 signed
// Lark reports a second into one community chat for 30 s, an emergency every 10 s, one web and
// two worker processes on PostgreSQL + Redis, a fake Lark Open API slow enough that the chats'
// lines grow. Emergencies go ahead of the routine messages waiting in their chats, routine ones
// merge, every row reaches the platform once, and the lines drain.
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../bench/scenario.ts';
import { killAll } from '../processes.ts';

const services = !!process.env.DATABASE_URL && !!process.env.REDIS_URL;

describe.skipIf(!services)('a flood of reports into one chat', () => {
  afterEach(() => killAll());

  it('emergencies ahead, routine messages merged, every row sent once, the line drains', {
    timeout: 240_000,
  }, async () => {
    const r = await runScenario({
      seconds: 30,
      ratePerSecond: 15,
      emergencyEverySeconds: 10,
      larkLatencyMs: 250,
      drainTimeoutMs: 60_000,
    });
    expect(r.problems).toEqual([]);
    expect(r.reports.answered2xx).toBe(r.reports.posted);
    expect(r.reports.calls).toBe(r.reports.posted);
    expect(r.reports.emergencies).toBe(3);
    // each emergency's receipt and dispatch request went out, ahead of routine rows written before it
    for (const e of r.emergencies) {
      expect(e.receiptS).not.toBeNull();
      expect(e.dispatchRequestS).not.toBeNull();
    }
    for (const o of r.overtaken) expect(o.community + o.street).toBeGreaterThan(0);
    expect(r.merged.rows).toBeGreaterThan(0);
    expect(r.outbox).toMatchObject({ pending: 0, failed: 0 });
    expect(r.drainedS).not.toBeNull();
  });
});
