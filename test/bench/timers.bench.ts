// Timers at volume on BullMQ: 10,000 reminders due within one minute, fired (row lock, checks,
// timeline event, outbox row) and sent through the queue to a fake platform; lateness and
// throughput beside a bare BullMQ baseline measured in the same run: the same number of
// delayed jobs, the same due instants, a no-op processor at the same concurrency. To look into one
// case: BENCH_TIMER_CASES=burst (or spread), BENCH_NO_BASELINE=1, BENCH_LEAD_MS, and the workers'
// concurrency with BENCH_TIMER_WORKERS / BENCH_SEND_WORKERS.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import { systemClock } from '../../config/clock.ts';
import { defaultDistrictPath, parseDistrict } from '../../config/district.ts';
import { silentLogger } from '../../config/log.ts';
import { connectPostgres, type DbHandle, startEmbedded } from '../../db/connect.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { syncDistrict } from '../../db/sync.ts';
import type { Ctx, Effects } from '../../handlers/context.ts';
import { BullMqDriver } from '../../jobs/bullmq.ts';
import { startJobs } from '../../jobs/index.ts';
import { FakePlatform } from '../fakes/platform.ts';
import { scratchDatabase } from '../scratch-db.ts';
import { sampleMemory } from './memory.ts';
import type { BenchSection } from './run.ts';

const COUNT = Number(process.env.BENCH_TIMERS ?? 10_000);
const CHATS = Number(process.env.BENCH_TIMER_CHATS ?? 100);
const TIMER_CONCURRENCY = 8; // the baseline's worker (the timer worker's default since it takes groups)
const LEAD_MS = Number(process.env.BENCH_LEAD_MS ?? 60_000); // seeding and recovery happen before the minute starts

const stats = (lateMs: number[]) => {
  const s = [...lateMs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { medianMs: q(0.5), p99Ms: q(0.99), maxMs: s.at(-1) };
};

/** Due instants: all at the minute's first instant ('burst', like 09:00 sharp) or spread over it. */
const instants = (start: number, spread: boolean) =>
  Array.from({ length: COUNT }, (_, i) => start + (spread ? Math.floor((i * 60_000) / COUNT) : 0));

async function baseline(url: string, spread: boolean) {
  const prefix = `huying-bench-${randomBytes(4).toString('hex')}`;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('baseline', { connection, prefix });
  const due = instants(Date.now() + 5_000, spread);
  const late: number[] = [];
  let last = 0;
  let finished = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const memory = sampleMemory();
  const worker = new Worker(
    'baseline',
    async (job) => {
      const now = Date.now();
      late.push(now - (job.data as { at: number }).at);
      last = Math.max(last, now);
      if (late.length === COUNT) finished();
    },
    { connection, prefix, concurrency: TIMER_CONCURRENCY },
  );
  const now = Date.now();
  for (let i = 0; i < COUNT; i += 1000)
    await queue.addBulk(
      due.slice(i, i + 1000).map((at, j) => ({
        name: 'noop',
        data: { at },
        opts: { jobId: `b${i + j}`, delay: at - now, removeOnComplete: true },
      })),
    );
  await done;
  const mem = memory.stop();
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  return { ...stats(late), perSecond: Math.round(COUNT / ((last - due[0]) / 1000)), memory: mem };
}

async function database(): Promise<{ handle: DbHandle; where: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base)
    return {
      handle: await startEmbedded(null),
      where: 'embedded PGlite (no DATABASE_URL)',
      drop: async () => {},
    };
  const scratch = await scratchDatabase(base, 'huying_bench_timers');
  return {
    handle: await connectPostgres(scratch.url, { max: 20 }),
    where: scratch.where,
    drop: scratch.drop,
  };
}

/** The sample district plus CHATS departments, each with a chat on the bench platform. */
function benchDistrict() {
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8'));
  const codes = Array.from({ length: CHATS }, (_, i) => `bd${String(i).padStart(3, '0')}`);
  doc.departments.push(...codes.map((code, i) => ({ code, name: `测试部门${i}` })));
  return { district: parseDistrict(doc, 'bench district'), codes };
}

async function reminders(url: string, spread: boolean) {
  const { district, codes } = benchDistrict();
  const { handle, where, drop } = await database();
  const db = handle.db;
  await migrateToLatest(db);
  await syncDistrict(db, district);
  await db
    .insertInto('chat_bindings')
    .values(
      codes.map((c) => ({
        platform: 'bench',
        chat_id: `bench_${c}`,
        unit_code: c,
        role: 'department' as const,
        title: null,
      })),
    )
    .execute();
  // Emergencies run on wall-clock time: dispatched 3 h before the instant, ack due 1 h after
  // it, so the 75% reminder falls exactly on it.
  const due = instants(Date.now() + LEAD_MS, spread);
  const remindAt = new Map<string, number>();
  /** call number → its reminder's instant (a coalesced message names calls by number) */
  const dueOf = new Map<string, number>();
  for (const [i, at] of due.entries()) dueOf.set(`BENCH-${String(i).padStart(6, '0')}`, at);
  for (let i = 0; i < COUNT; i += 1000) {
    const slice = due.slice(i, i + 1000);
    const calls = await db
      .insertInto('calls')
      .values(
        slice.map((at, j) => ({
          no: `BENCH-${String(i + j).padStart(6, '0')}`,
          text: `压测呼叫 ${i + j}`,
          source: 'bench',
          street_code: 'jinhualu',
          category_code: 'gas_leak',
          tier: 'emergency',
          mode: 'reverse',
          state: 'dispatched',
          created_at: new Date(at - 3 * 3600_000),
          updated_at: new Date(at - 3 * 3600_000),
        })),
      )
      .returning('id')
      .execute();
    const assignments = await db
      .insertInto('assignments')
      .values(
        calls.map((c, j) => ({
          call_id: c.id,
          unit_code: codes[(i + j) % codes.length],
          role: 'lead' as const,
          state: 'dispatched',
          dispatched_at: new Date(slice[j] - 3 * 3600_000),
          ack_due_at: new Date(slice[j] + 3600_000),
          resolve_due_at: new Date(slice[j] + 20 * 3600_000),
        })),
      )
      .returning('id')
      .execute();
    for (const [j, a] of assignments.entries()) remindAt.set(a.id, slice[j]);
  }

  const driver = await BullMqDriver.connect(url, {
    prefix: `huying-bench-${randomBytes(4).toString('hex')}`,
  });
  const bench = new FakePlatform('bench');
  const late: number[] = [];
  let last = 0;
  let messages = 0;
  const allSent = new Promise<void>((resolve) => {
    bench.onAccept = (s) => {
      const m = s.message;
      // reminders due together for one chat arrive as one message listing the calls
      const nos =
        m.kind === 'remind' ? [m.callNo!] : m.kind === 'reminder_list' ? m.fields!.map((f) => f.label) : [];
      if (!nos.length) return;
      messages++;
      for (const no of nos) late.push(s.at - dueOf.get(no)!);
      last = Math.max(last, s.at);
      if (late.length >= COUNT) resolve();
    };
  });
  const effects = { listeners: [] as ((e: Effects) => void)[] };
  const ctx: Ctx = {
    db,
    district,
    clock: systemClock,
    log: silentLogger,
    afterCommit: (e) => {
      for (const l of effects.listeners) l(e);
    },
  };
  const seededMs = Date.now() - (due[0] - LEAD_MS);
  const memory = sampleMemory();
  const started = Date.now();
  const jobs = await startJobs(
    {
      runtime: { queues: driver, database: handle },
      ctx,
      role: 'all',
      senders: new Map([['bench', bench]]),
      effects,
      stoppers: [],
    },
    {
      schedules: false,
      limits: { bench: { app: 1_000_000, chat: 1_000_000 } },
      concurrency: {
        ...(process.env.BENCH_TIMER_WORKERS ? { timers: Number(process.env.BENCH_TIMER_WORKERS) } : {}),
        ...(process.env.BENCH_SEND_WORKERS ? { send: Number(process.env.BENCH_SEND_WORKERS) } : {}),
      },
    },
  );
  const recoveryMs = Date.now() - started;
  const timerJobsAtStart = (await driver.queue('timers').counts()).delayed;
  if (Date.now() > due[0])
    throw new Error('seeding and recovery took longer than the lead time; raise LEAD_MS');
  await allSent;
  const mem = memory.stop();
  // when each reminder was fired (its timeline event), apart from when it reached the platform
  const fired = await db
    .selectFrom('call_events')
    .select(['assignment_id', 'at'])
    .where('kind', '=', 'reminded')
    .execute();
  const fireLate = fired.map((e) => new Date(e.at).getTime() - remindAt.get(String(e.assignment_id))!);
  await jobs.stop();
  for (const name of ['send', 'timers']) await driver.queue(name).bull.obliterate({ force: true });
  await driver.close();
  await handle.close();
  await drop();
  return {
    database: where,
    chats: CHATS,
    timersAtStart: COUNT * 8,
    timerJobsAtStart,
    seedMs: seededMs,
    recoveryMs,
    fired: stats(fireLate),
    sent: stats(late),
    perSecond: Math.round(COUNT / ((last - due[0]) / 1000)),
    messages,
    memory: mem,
  };
}

async function run(): Promise<Record<string, unknown>> {
  const url = process.env.REDIS_URL;
  if (!url) return { skipped: 'needs REDIS_URL: the timer benchmark measures BullMQ on Redis' };
  const out: Record<string, unknown> = {
    count: COUNT,
    note: 'lateness = when the reminder reached the fake platform (or the baseline job ran) minus its due instant; reminders due together for one chat arrive as one message (messages)',
    goals: 'all at one instant p99 < 5 s; spread over the minute p99 < 1 s',
  };
  for (const spread of (process.env.BENCH_TIMER_CASES ?? 'burst,spread')
    .split(',')
    .map((c) => c === 'spread')) {
    const label = spread ? 'spreadOverTheMinute' : 'allAtOneInstant';
    out[label] = {
      baseline: process.env.BENCH_NO_BASELINE ? null : await baseline(url, spread),
      huying: await reminders(url, spread),
    };
  }
  return out;
}

export default { name: 'timers', run } satisfies BenchSection;
