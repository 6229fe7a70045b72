// A storm in one community chat: 15 signed Lark reports a second for 10 minutes, an emergency
// every minute, one web and two worker processes on PostgreSQL + Redis, the fake Lark Open API,
// the load generator in its own process; the first worker killed (-9) mid-send half-way. Every
// emergency's receipt and dispatch request within 5 s of its report; the routine backlog's p99
// wait under 60 s; the line empty within a minute of the load; sending resumed within 15 s of
// the kill; every row sent once.
import type { BenchSection } from './run.ts';
import { runScenario } from './scenario.ts';

const SECONDS = Number(process.env.BENCH_FLOOD_SECONDS ?? 600);
const RATE = Number(process.env.BENCH_FLOOD_RATE ?? 15);
const EMERGENCY_EVERY = Number(process.env.BENCH_FLOOD_EMERGENCY_EVERY ?? 60);
/** what a send to Lark takes (the fake answers after this) */
const LARK_MS = Number(process.env.BENCH_FLOOD_LARK_MS ?? 100);

async function run(): Promise<Record<string, unknown>> {
  if (!process.env.DATABASE_URL || !process.env.REDIS_URL)
    return { skipped: 'needs DATABASE_URL and REDIS_URL (a deployment of separate processes)' };
  const r = await runScenario({
    seconds: SECONDS,
    ratePerSecond: RATE,
    emergencyEverySeconds: EMERGENCY_EVERY,
    larkLatencyMs: LARK_MS,
    killWorkerAt: SECONDS / 2,
    drainTimeoutMs: 10 * 60_000,
    log: (line) => console.log(`  ${line}`),
  });
  const worst = (k: 'receiptS' | 'dispatchRequestS') =>
    r.emergencies.reduce((m, e) => Math.max(m, e[k] ?? Number.POSITIVE_INFINITY), 0);
  return {
    load: {
      seconds: SECONDS,
      reportsPerSecond: RATE,
      emergencyEverySeconds: EMERGENCY_EVERY,
      larkMs: LARK_MS,
    },
    ...r,
    targets: {
      emergencyReceiptWithin5s: worst('receiptS') <= 5,
      emergencyDispatchRequestWithin5s: worst('dispatchRequestS') <= 5,
      routineP99Under60s: (r.routineWait.p99s ?? Number.POSITIVE_INFINITY) < 60,
      drainedWithin60s: r.drainedS !== null && r.drainedS <= 60,
      resumedWithin15s: !!r.kill && r.kill.resumeS !== null && r.kill.resumeS <= 15,
      everyRowOnce: r.problems.length === 0,
    },
  };
}

const section: BenchSection = { name: 'flood', run };
export default section;
