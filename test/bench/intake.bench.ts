import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { loadServiceEnv } from '../../bot/adapters.ts';
import { backgroundQueue, DRAIN_MAX, eventDrain } from '../../bot/background.ts';
import type { Inbound } from '../../bot/inbound.ts';
import { type Server, startServer } from '../../bot/server.ts';
import { silentLogger } from '../../config/log.ts';
import type { Db } from '../../db/connect.ts';
import { openLane } from '../../jobs/lane.ts';
import { larkEvent, larkIds, signedRequest } from '../fakes/lark-events.ts';
import { startFakeLark } from '../fakes/lark-open-api.ts';
import { redisEnv } from '../queues.ts';
import { scratchDatabase } from '../scratch-db.ts';
import { sampleMemory } from './memory.ts';
import type { BenchSection } from './run.ts';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
// autocannon ships no types; the programmatic API returns a promise when given no callback.
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
/** calls already open (this week, in the same streets, communities and categories) before the load */
const OPEN_CALLS = Number(process.env.BENCH_OPEN_CALLS ?? 0);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const KEY = 'bench-encrypt-key-0123456789abcdef';
const TOKEN = 'bench-verification-token';

const here = new URL('.', import.meta.url).pathname;
const reports: string[] = readFileSync(join(here, '../fixtures/reports.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => (JSON.parse(l) as { text: string }).text.replace(/^@\S+\s*/, ''));
const chats = ['oc_sample_chenhui', 'oc_sample_jinhualu'];
const stoppers: (() => Promise<void>)[] = [];
const residents = Array.from({ length: 200 }, () => larkIds.openId());

/** A fresh database on the configured PostgreSQL, or an embedded one in a temporary folder. */
async function benchDatabase(): Promise<{
  vars: Record<string, string>;
  where: string;
  drop(): Promise<void>;
}> {
  const base = process.env.DATABASE_URL;
  if (!base) {
    const dir = mkdtempSync(join(tmpdir(), 'huying-bench-'));
    return {
      vars: { HUYING_DATA_DIR: dir },
      where: 'embedded PGlite (no DATABASE_URL)',
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const scratch = await scratchDatabase(base, 'huying_bench');
  return { vars: { DATABASE_URL: scratch.url }, where: scratch.where, drop: scratch.drop };
}

const summary = (r: CannonResult) => ({
  reqPerSec: Math.round(r.requests.average),
  total: r.requests.total,
  p50ms: r.latency.p50,
  p99ms: r.latency.p99,
  maxMs: r.latency.max,
  non2xx: r.non2xx,
  errors: r.errors,
  timeouts: r.timeouts,
});

async function run(): Promise<Record<string, unknown>> {
  const fake = await startFakeLark();
  const database = await benchDatabase();
  const env = loadServiceEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ...database.vars,
    ...redisEnv(),
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.url,
    LARK_ENCRYPT_KEY: KEY,
    LARK_VERIFICATION_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'production',
  });
  // The web role only: no send worker competes for the cores; rows wait in the outbox.
  const server = await startServer(env, { role: 'web', log: silentLogger });
  const db = server.runtime.database.db;

  const baselineApp = new Hono();
  await sql`create table if not exists bench_scratch (id bigserial primary key, body jsonb not null, at timestamptz not null default now())`.execute(
    db,
  );
  baselineApp.post('/baseline', async (c) => {
    const body = await c.req.json();
    await sql`insert into bench_scratch (body) values (${JSON.stringify(body)}::jsonb)`.execute(db);
    return c.json({ ok: true });
  });
  const baselinePort = await new Promise<number>((resolve) => {
    const s = serve({ fetch: baselineApp.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(info.port),
    );
    stoppers.push(() => new Promise<void>((r) => s.close(() => r())));
  });

  const eventBody = () =>
    larkEvent.message({
      chatId: chats[Math.floor(Math.random() * chats.length)],
      senderOpenId: residents[Math.floor(Math.random() * residents.length)],
      text: `@_user_1 ${reports[Math.floor(Math.random() * reports.length)]}`,
      mentions: [{ openId: fake.botOpenId, name: '呼应' }],
      token: TOKEN,
    });
  const cannon = (
    port: number,
    path: string,
    setup: () => { body: string; headers: Record<string, string> },
  ) =>
    autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          path,
          setupRequest: (req: Record<string, unknown>) => {
            const { body, headers } = setup();
            return { ...req, body, headers };
          },
        },
      ],
    });

  try {
    // Same payload kind for both: the event JSON (the baseline skips signing and encryption).
    const baselineMemory = sampleMemory();
    const baseline = await cannon(baselinePort, '/baseline', () => ({
      body: JSON.stringify(eventBody()),
      headers: { 'Content-Type': 'application/json' },
    }));
    const baselineMem = baselineMemory.stop();

    if (OPEN_CALLS) await seedOpenCalls(db, OPEN_CALLS);
    const callsBefore = await count(db, 'calls');
    const loadStart = Date.now();
    const intakeMemory = sampleMemory();
    const intake = await cannon(server.port, '/webhooks/lark', () =>
      signedRequest(eventBody(), { encryptKey: KEY, encrypt: true }),
    );
    const loadEnd = Date.now();
    const backlogAtEnd = await pending(db);
    // Processing runs after the answer: wait for the backlog to drain.
    const giveUp = Date.now() + 10 * 60_000;
    let left = backlogAtEnd;
    while (left > 0 && Date.now() < giveUp) {
      await new Promise((r) => setTimeout(r, 200));
      left = await pending(db);
    }
    const drained = Date.now();
    // the intake's peak covers the answers and the processing after them
    const intakeMem = intakeMemory.stop();
    const accepted = await count(db, 'inbound_events');
    const calls = (await count(db, 'calls')) - callsBefore;
    const failed = Number(
      (await sql<{ n: string }>`select count(*) as n from inbound_events where state = 'failed'`.execute(db))
        .rows[0].n,
    );
    const outbox = await count(db, 'outbox');
    const backlog = await backlogPhase(server, db);
    const i = summary(intake);
    const b = summary(baseline);
    return {
      database: database.where,
      openCallsBefore: OPEN_CALLS,
      queue: server.runtime.queues.kind,
      connections: CONNECTIONS,
      seconds: SECONDS,
      intake: { ...i, eventsPerSec: i.reqPerSec, memory: intakeMem },
      baseline: { ...b, memory: baselineMem },
      ratio: Number((i.reqPerSec / b.reqPerSec).toFixed(3)),
      backlog: {
        acceptedEvents: accepted,
        pendingWhenLoadEnded: backlogAtEnd,
        notDrained: left,
        drainSecondsAfterLoad: Number(((drained - loadEnd) / 1000).toFixed(1)),
        callsCreated: calls,
        failedEvents: failed,
        outboxRows: outbox,
        callsPerSecOverall: Math.round(calls / ((drained - loadStart) / 1000)),
      },
      backlogAlone: backlog,
      note: 'autocannon runs in the same process as the server (shared cores), for the baseline too',
    };
  } finally {
    for (const s of stoppers.reverse()) await s();
    await server.stop();
    await fake.close();
    await database.drop();
  }
}

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 3000);

/**
 * Processing alone: a backlog of accepted reports (as a flood leaves it) turned into calls with
 * nothing else running, by the production drain (up to a hundred at a time, four workers) and, in
 * the same run, one at a time by four workers (the old way); beside it the baseline,
 * the same number of rows inserted a hundred at a time into a bare table.
 */
async function backlogPhase(server: Server, db: Db) {
  const { router } = server.services;
  const inbound = (n: number, run: string): Inbound => ({
    platform: 'lark',
    eventId: `bench-${run}-${n}`,
    messageId: `om_bench_${run}_${n}`,
    chatId: chats[n % chats.length],
    sender: { userId: residents[n % residents.length], name: '居民' },
    text: reports[n % reports.length],
    mentionsBot: true,
    images: [],
    p2p: false,
  });
  const accepted = async (run: string) => {
    const list = Array.from({ length: BACKLOG }, (_, n) => inbound(n, run));
    for (const e of list) await router.accept(e);
    return list;
  };
  const timed = async (run: string, work: (list: Inbound[]) => Promise<void>) => {
    const list = await accepted(run);
    const before = await count(db, 'calls');
    const started = performance.now();
    await work(list);
    const seconds = (performance.now() - started) / 1000;
    const calls = (await count(db, 'calls')) - before;
    return {
      events: list.length,
      calls,
      seconds: Number(seconds.toFixed(2)),
      callsPerSec: Math.round(calls / seconds),
    };
  };
  const logOf = () => silentLogger;
  // the production drain (bot/background.ts) at the width the Lark adapter runs once a flood
  // has passed: four workers, each taking up to a hundred waiting events
  const together = await timed('together', async (list) => {
    const q = backgroundQueue(4, () => {});
    const drain = eventDrain({ router, queue: q, lane: openLane, platform: 'lark', logOf });
    for (const e of list) drain(e, undefined, false);
    await q.idle();
  });
  const oneByOne = await timed('single', async (list) => {
    const q = backgroundQueue(4, () => {});
    for (const e of list) q.push(() => router.process(e));
    await q.idle();
  });
  // baseline: the same number of rows, a hundred to a statement, into a bare table
  const rows = Array.from({ length: BACKLOG }, (_, n) => JSON.stringify(inbound(n, 'bare')));
  const started = performance.now();
  for (let i = 0; i < rows.length; i += DRAIN_MAX)
    await sql`insert into bench_scratch (body) select b::jsonb from unnest(${rows.slice(i, i + DRAIN_MAX)}::text[]) b`.execute(
      db,
    );
  const bareSeconds = (performance.now() - started) / 1000;
  return {
    together,
    oneByOne,
    baseline: { rows: rows.length, rowsPerSec: Math.round(rows.length / bareSeconds) },
    ratio: Number((together.callsPerSec / oneByOne.callsPerSec).toFixed(2)),
  };
}

/** Open calls as the duplicate check meets them: this week's, spread over the district's
 * streets, communities and categories. */
async function seedOpenCalls(db: Db, n: number): Promise<void> {
  await sql`
    insert into calls (no, text, location, source, street_code, community_code, category_code, tier, mode,
                       state, images, state_since, created_at, updated_at)
    select 'BENCH-' || g, '种子呼叫 ' || g, '种子路' || (g % 500) || '号', 'bench', s.street, s.community,
           c.code, 'general', 'direct', 'reported', '{}', now(), now() - (g % 7) * interval '1 day',
           now()
    from generate_series(1, ${n}) g
    join lateral (select code from catalog_items order by code offset (g % 20) limit 1) c on true
    join lateral (select parent_code as street, code as community from units where kind = 'community'
                  order by code offset (g % 7) limit 1) s on true`.execute(db);
}

async function count(db: Db, table: string): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(r.rows[0].n);
}

async function pending(db: Db): Promise<number> {
  const r = await sql<{
    n: string;
  }>`select count(*) as n from inbound_events where state = 'received'`.execute(db);
  return Number(r.rows[0].n);
}

const section: BenchSection = { name: 'intake', run };
export default section;
