// The server's own memory (`npm run bench -- footprint`): `huying serve --role all` in a child
// process, its resident set read from /proc while it is idle, while signed Lark reports are
// posted to it by a load generator in this (another) process, and while it works through what it
// accepted and sends it (the outbox to a fake Lark Open API). On PostgreSQL + Redis when
// DATABASE_URL and REDIS_URL are set, on the embedded database (PGlite in the server's process)
// otherwise. The baseline: the same Node.js binary, idle, with nothing of ours loaded.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { larkEvent, larkIds, signedRequest } from '../fakes/lark-events.ts';
import { startFakeLark } from '../fakes/lark-open-api.ts';
import { killAll, startHuying } from '../processes.ts';
import { redisEnv } from '../queues.ts';
import { scratchDatabase } from '../scratch-db.ts';
import type { BenchSection } from './run.ts';

const KEY = 'bench-encrypt-key-0123456789abcdef';
const TOKEN = 'bench-verification-token';
const IDLE_SECONDS = Number(process.env.BENCH_FOOTPRINT_IDLE ?? 10);
const LOAD_SECONDS = Number(process.env.BENCH_FOOTPRINT_SECONDS ?? 20);
const RATE = Number(process.env.BENCH_FOOTPRINT_RATE ?? 200);
/** reminders falling due at one instant in the burst phase (0 leaves it out) */
const BURST = Number(process.env.BENCH_FOOTPRINT_BURST ?? 10_000);
/** how long after the server's start they fall due: its start and recovery come first */
const BURST_LEAD_MS = 30_000;

const here = new URL('.', import.meta.url).pathname;
const reports: string[] = readFileSync(join(here, '../fixtures/reports.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { text: string }).text.replace(/^@\S+\s*/, ''));
const residents = Array.from({ length: 200 }, () => larkIds.openId());

/** The resident set of a process, MiB (Linux). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/**
 * SQL that opens BURST emergency calls, each dispatched to one of the departments with a Lark
 * chat three hours before `at` and due to report in an hour after it: each one's reminder (75%
 * of the way) falls due at `at`, as in the timers bench.
 */
function burstSql(at: Date): string {
  const t = `'${at.toISOString()}'::timestamptz`;
  return `
    insert into calls (no, text, source, street_code, category_code, tier, mode, state, created_at, updated_at, state_since)
    select 'BURST-' || lpad(i::text, 6, '0'), '压测呼叫 ' || i, 'bench', 'jinhualu', 'gas_leak', 'emergency',
           'reverse', 'dispatched', ${t} - interval '3 hours', ${t} - interval '3 hours', ${t} - interval '3 hours'
    from generate_series(1, ${BURST}) i;
    insert into assignments (call_id, unit_code, role, state, dispatched_at, ack_due_at, resolve_due_at)
    select c.id, d.units[1 + (c.id % array_length(d.units, 1))], 'lead', 'dispatched',
           ${t} - interval '3 hours', ${t} + interval '1 hour', ${t} + interval '20 hours'
    from calls c,
         (select array_agg(unit_code order by unit_code) as units from chat_bindings
          where platform = 'lark' and role = 'department') d
    where c.no like 'BURST-%';`;
}

/** The calls named in what the fake Lark received (a coalesced card names many). */
function burstCallsSent(sent: { content: unknown }[]): number {
  const seen = new Set<string>();
  for (const m of sent) for (const no of JSON.stringify(m.content).match(/BURST-\d{6}/g) ?? []) seen.add(no);
  return seen.size;
}

function sampler(pid: number) {
  const seen: number[] = [];
  const take = () => {
    try {
      seen.push(rssOf(pid));
    } catch {}
  };
  take();
  const t = setInterval(take, 200);
  return {
    stop() {
      clearInterval(t);
      take();
      const sorted = [...seen].sort((a, b) => a - b);
      return {
        startMb: seen[0],
        endMb: seen.at(-1),
        medianMb: sorted[Math.floor(sorted.length / 2)],
        peakMb: sorted.at(-1),
      };
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bareNode(): Promise<number> {
  const c = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 3000)'], { stdio: 'ignore' });
  await sleep(1500);
  const rss = rssOf(c.pid!);
  c.kill('SIGKILL');
  return rss;
}

async function run(): Promise<Record<string, unknown>> {
  const fake = await startFakeLark();
  const base = process.env.DATABASE_URL;
  const scratch = base ? await scratchDatabase(base, 'huying_footprint') : undefined;
  const env: Record<string, string> = {
    ...(scratch ? { DATABASE_URL: scratch.url, ...redisEnv() } : {}),
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.url,
    LARK_ENCRYPT_KEY: KEY,
    LARK_VERIFICATION_TOKEN: TOKEN,
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
  };
  // the embedded database lives in the server's own process, in a folder of its own
  const dataDir = scratch ? undefined : mkdtempSync(join(tmpdir(), 'huying-footprint-'));
  if (dataDir) env.HUYING_DATA_DIR = dataDir;
  // as production runs it: compiled (npm run build), which bin/huying.js then runs
  const build = spawnSync(process.execPath, [join(import.meta.dirname, '../../bin/build.js')], {
    stdio: 'ignore',
  });
  if (build.status !== 0) throw new Error('npm run build failed');
  let server = await startHuying({ role: 'all', env, readyTimeoutMs: 120_000 });
  try {
    const pid = server.pid!;
    const baseline = await bareNode();

    const idle = sampler(pid);
    await sleep(IDLE_SECONDS * 1000);
    const idleMem = idle.stop();

    // the load generator: this process, posting at a steady rate
    const intake = sampler(pid);
    let posted = 0;
    let failed = 0;
    const until = Date.now() + LOAD_SECONDS * 1000;
    const inFlight = new Set<Promise<void>>();
    while (Date.now() < until) {
      const tick = Date.now();
      for (let i = 0; i < RATE / 10; i++) {
        const body = larkEvent.message({
          chatId: i % 2 ? 'oc_sample_chenhui' : 'oc_sample_jinhualu',
          senderOpenId: residents[(posted + i) % residents.length],
          text: `@_user_1 ${reports[(posted + i) % reports.length]}`,
          mentions: [{ openId: fake.botOpenId, name: '呼应' }],
          token: TOKEN,
        });
        const req = signedRequest(body, { encryptKey: KEY, encrypt: true });
        const p = fetch(`${server.url}/webhooks/lark`, {
          method: 'POST',
          body: req.body,
          headers: req.headers,
        })
          .then((r) => {
            if (!r.ok) failed++;
          })
          .catch(() => {
            failed++;
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
      posted += RATE / 10;
      await sleep(Math.max(0, 100 - (Date.now() - tick)));
    }
    await Promise.all(inFlight);
    const intakeMem = intake.stop();

    // the work after the answers and the sends: on PostgreSQL until every accepted event is worked
    // through and every message sent (the database says so); on the embedded database, whose
    // tables live inside the server, until the fake Lark has heard nothing for 15 s
    const after = sampler(pid);
    const started = Date.now();
    let left = { events: -1, outbox: -1 };
    if (scratch) {
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      try {
        const read = async () => {
          const r = await client.query<{ events: string; outbox: string }>(
            `select (select count(*) from inbound_events where state = 'received') as events,
                    (select count(*) from outbox where state = 'pending') as outbox`,
          );
          return { events: Number(r.rows[0].events), outbox: Number(r.rows[0].outbox) };
        };
        for (left = await read(); (left.events || left.outbox) && Date.now() - started < 600_000; ) {
          await sleep(500);
          left = await read();
        }
      } finally {
        await client.end();
      }
    } else {
      let last = fake.sent.length;
      let quietSince = Date.now();
      while (Date.now() - quietSince < 15_000 && Date.now() - started < 600_000) {
        await sleep(500);
        if (fake.sent.length !== last) {
          last = fake.sent.length;
          quietSince = Date.now();
        }
      }
    }
    const afterMem = after.stop();

    // a timer burst: BURST reminders due at one instant, written to the database while the
    // server is down (the embedded database lives in it), queued by its recovery at start
    let burst: Record<string, unknown> | undefined;
    if (BURST) {
      await server.stop();
      const at = new Date(Date.now() + BURST_LEAD_MS);
      if (scratch) {
        const client = new pg.Client({ connectionString: scratch.url });
        await client.connect();
        await client.query(burstSql(at));
        await client.end();
      } else {
        const { PGlite } = await import('@electric-sql/pglite');
        const db = await PGlite.create({ dataDir: `${dataDir}/pglite` });
        await db.exec(burstSql(at));
        await db.close();
      }
      const before = fake.sent.length;
      server = await startHuying({ role: 'all', env, readyTimeoutMs: 120_000 });
      const during = sampler(server.pid!);
      let named = 0;
      while (named < BURST && Date.now() - at.getTime() < 300_000) {
        await sleep(500);
        named = burstCallsSent(fake.sent.slice(before));
      }
      burst = {
        ...during.stop(),
        reminders: BURST,
        remindersSent: named,
        messagesSent: fake.sent.length - before,
        lastSentAfterDueSeconds: Math.round((Date.now() - at.getTime()) / 1000),
        note: 'from the restart (recovery queues every timer) until the fake Lark has heard of every call',
      };
    }
    // beside it: the same server idle, run from the TypeScript sources through tsx
    const sources = await startHuying({
      role: 'all',
      env: { ...env, HUYING_FROM_SOURCES: '1' },
      readyTimeoutMs: 120_000,
    });
    let idleFromSources: ReturnType<ReturnType<typeof sampler>['stop']>;
    try {
      const s = sampler(sources.pid!);
      await sleep(IDLE_SECONDS * 1000);
      idleFromSources = s.stop();
    } finally {
      await sources.stop();
    }
    return {
      backend: scratch ? 'PostgreSQL + Redis' : 'embedded PGlite, in-process queue',
      baselineBareNodeMb: baseline,
      idle: idleMem,
      idleRunFromSources: idleFromSources,
      intake: { ...intakeMem, posted, failed, ratePerSec: RATE, seconds: LOAD_SECONDS },
      processingAndSending: {
        ...afterMem,
        seconds: Math.round((Date.now() - started) / 1000) - (scratch ? 0 : 15),
        messagesSent: fake.sent.length,
        ...(scratch ? { eventsLeft: left.events, outboxRowsLeft: left.outbox } : {}),
      },
      ...(burst ? { timerBurst: burst } : {}),
      note: 'the server in its own process; the load generator in the bench process',
    };
  } finally {
    await server.stop();
    await killAll();
    await fake.close();
    await scratch?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export default { name: 'footprint', run } satisfies BenchSection;
