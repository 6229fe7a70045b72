// A deployment under load, for the flood benchmark and its CI version and for the kill test: a
// web process and worker processes on PostgreSQL + Redis (test/processes.ts), the fake Lark
// Open API, and signed Lark reports posted by a load generator in its own process; optionally
// one worker killed (-9) mid-send. Measures what the messages waited and checks that every
// outbox row reached the fake API exactly once. No vitest here.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { loadDistrict } from '../../config/district.ts';
import { connectPostgres, type Db } from '../../db/connect.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { syncDistrict } from '../../db/sync.ts';
import { type FakeLark, startFakeLark } from '../fakes/lark-open-api.ts';
import { checkEveryRowOnce } from '../outbox-check.ts';
import { type HuyingProcess, startHuying, startRedisServer } from '../processes.ts';
import { queuePrefix } from '../queues.ts';
import { scratchDatabase } from '../scratch-db.ts';
import type { LoadSettings, Posted } from './flood-load.ts';

export const COMMUNITY = 'oc_sample_chenhui';
const KEY = 'flood-encrypt-key-0123456789abcdef';
const TOKEN = 'flood-verification-token';
const LOAD = fileURLToPath(new URL('./flood-load.ts', import.meta.url));

export interface ScenarioOptions {
  seconds: number;
  ratePerSecond: number;
  /** an emergency report every this many seconds (0: none) */
  emergencyEverySeconds: number;
  /** how long the fake Lark takes to answer a send */
  larkLatencyMs: number;
  workers?: number;
  /** kill -9 the first worker this many seconds into the load, while it holds a row mid-send */
  killWorkerAt?: number;
  /** give up waiting for the outbox to drain after this long (default 5 min) */
  drainTimeoutMs?: number;
  /**
   * A crash mid-stream: the web process (which answers Lark and does the work after the answer)
   * killed -9, or a private Redis killed -9 (its data gone), and started again `downS` later.
   */
  crash?: { target: 'web' | 'redis'; atS: number; downS: number };
  log?: (line: string) => void;
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const secs = (ms: number | null | undefined) => (ms == null ? null : Math.round(ms / 100) / 10);
const stats = (ms: number[]) => ({
  count: ms.length,
  p50s: secs(quantile(ms, 0.5)),
  p99s: secs(quantile(ms, 0.99)),
  maxs: secs(ms.length ? Math.max(...ms) : null),
});

export interface ScenarioResult {
  reports: { posted: number; answered2xx: number; calls: number; emergencies: number };
  /** per emergency: seconds from its report to its call (intake), to its receipt and to its
   * dispatch request; and how long those two waited in their lines (written to sent) */
  emergencies: {
    no: string;
    intakeS: number | null;
    receiptS: number | null;
    dispatchRequestS: number | null;
    lineS: number | null;
  }[];
  /** for each emergency: routine rows of its chats written before it and sent after it */
  overtaken: { no: string; community: number; street: number }[];
  /** routine rows in the flooded chats: seconds from written to sent */
  routineWait: ReturnType<typeof stats>;
  /** routine reports: seconds from the report to the first message naming its call */
  routineReceipt: ReturnType<typeof stats>;
  merged: { rows: number; messages: number; largest: number };
  outbox: { rows: number; sent: number; failed: number; pending: number };
  /** seconds after the load until nothing waited (inbound events and outbox) */
  drainedS: number | null;
  kill?: { atS: number; heldRows: number; resumeS: number | null };
  crash?: {
    target: 'web' | 'redis';
    /** reports answered 2xx that became no call, or more than one */
    lost: number;
    doubled: number;
    /** seconds from the restart until every accepted report had been worked on */
    recoveredS: number | null;
  };
  /** sends the fake API answered from its uuid memory (a resend after a lost answer) */
  deduplicatedResends: number;
  /** every broken promise: a row lost, sent twice, failed, left pending */
  problems: string[];
}

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const base = process.env.DATABASE_URL;
  const redis = process.env.REDIS_URL;
  if (!base || !redis) throw new Error('the scenario needs DATABASE_URL and REDIS_URL');
  const log = o.log ?? (() => {});
  const fake = await startFakeLark({ latencyMs: o.larkLatencyMs });
  const privateRedis = o.crash?.target === 'redis' ? await startRedisServer() : undefined;
  const scratch = await scratchDatabase(base, 'huying_flood');
  const { db, close } = await connectPostgres(scratch.url);
  const processes: HuyingProcess[] = [];
  try {
    await migrateToLatest(db);
    await syncDistrict(db, loadDistrict());
    const env = {
      DATABASE_URL: scratch.url,
      REDIS_URL: privateRedis?.url ?? redis,
      HUYING_QUEUE_PREFIX: queuePrefix(),
      LARK_APP_ID: fake.appId,
      LARK_APP_SECRET: fake.appSecret,
      LARK_DOMAIN: fake.url,
      LARK_ENCRYPT_KEY: KEY,
      LARK_VERIFICATION_TOKEN: TOKEN,
      NODE_ENV: 'production',
    };
    const web = await startHuying({ role: 'web', env });
    processes.push(web);
    const workers = await Promise.all(
      Array.from({ length: o.workers ?? 2 }, () => startHuying({ role: 'worker', env })),
    );
    processes.push(...workers);
    log(`deployment up: web ${web.url}, ${workers.length} workers`);

    const settings: LoadSettings = {
      url: web.url!,
      chatId: COMMUNITY,
      botOpenId: fake.botOpenId,
      encryptKey: KEY,
      token: TOKEN,
      seconds: o.seconds,
      ratePerSecond: o.ratePerSecond,
      emergencyEverySeconds: o.emergencyEverySeconds,
    };
    const load = spawn(process.execPath, ['--import', 'tsx', LOAD], {
      env: { PATH: process.env.PATH ?? '', FLOOD_LOAD: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const posted: Posted[] = [];
    let loadEnd = 0;
    const loadDone = new Promise<void>((resolve, reject) => {
      createInterface({ input: load.stdout! }).on('line', (line) => {
        const m = JSON.parse(line) as { posted?: Posted; done?: { end: number } };
        if (m.posted) posted.push(m.posted);
        if (m.done) loadEnd = m.done.end;
      });
      load.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`load generator exited ${code}`)),
      );
    });

    let kill: ScenarioResult['kill'];
    let killedAt = 0;
    let held: { id: string }[] = [];
    if (o.killWorkerAt !== undefined) {
      await new Promise((r) => setTimeout(r, o.killWorkerAt! * 1000));
      const victim = workers[0];
      // mid-send: it holds a claim and the fake API is answering a send
      const until = Date.now() + 15_000;
      for (;;) {
        held = await db
          .selectFrom('outbox')
          .select('id')
          .where('state', '=', 'pending')
          .where('lease_owner', 'like', `%:${victim.pid}:%`)
          .where('available_at', '>', new Date())
          .execute();
        if ((held.length && fake.inFlight > 0) || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      killedAt = Date.now();
      await victim.kill();
      log(`first worker killed (-9) holding ${held.length} rows`);
    }
    let restartedAt = 0;
    if (o.crash) {
      await new Promise((r) => setTimeout(r, o.crash!.atS * 1000));
      const down = o.crash.target === 'web' ? web : privateRedis!;
      await down.kill();
      log(`${o.crash.target} killed (-9)`);
      await new Promise((r) => setTimeout(r, o.crash!.downS * 1000));
      await down.restart();
      restartedAt = Date.now();
      log(`${o.crash.target} started again`);
    }
    await loadDone;
    log(`load done: ${posted.length} posted`);

    // drained: every accepted event processed and every outbox row sent
    const drainUntil = Date.now() + (o.drainTimeoutMs ?? 300_000);
    let drainedAt: number | null = null;
    let eventsDoneAt: number | null = null;
    for (;;) {
      const waiting = await sql<{
        events: string;
        rows: string;
      }>`select (select count(*) from inbound_events where state = 'received') as events,
        (select count(*) from outbox where state = 'pending') as rows`.execute(db);
      if (Number(waiting.rows[0].events) === 0) eventsDoneAt ??= Date.now();
      if (Number(waiting.rows[0].events) + Number(waiting.rows[0].rows) === 0) {
        drainedAt = Date.now();
        break;
      }
      if (Date.now() > drainUntil) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    log(`drained: ${drainedAt ? `${(drainedAt - loadEnd) / 1000} s after the load` : 'no'}`);
    if (killedAt) {
      const rows = held.length
        ? await db
            .selectFrom('outbox')
            .select(['sent_at'])
            .where(
              'id',
              'in',
              held.map((h) => h.id),
            )
            .execute()
        : [];
      const sentAt = rows.map((r) => (r.sent_at ? new Date(r.sent_at).getTime() : null));
      kill = {
        atS: o.killWorkerAt!,
        heldRows: held.length,
        resumeS: sentAt.some((t) => t === null)
          ? null
          : secs(Math.max(0, ...sentAt.map((t) => t! - killedAt))),
      };
    }
    const result = await measure(db, fake, posted, { loadEnd, drainedAt, kill, killed: !!(kill || o.crash) });
    if (o.crash) {
      const answered = posted.filter((p) => p.status >= 200 && p.status < 300).map((p) => p.messageId);
      const made = await db
        .selectFrom('calls')
        .select(['source_message_id', (eb) => eb.fn.countAll<string>().as('n')])
        .groupBy('source_message_id')
        .execute();
      const count = new Map(made.map((m) => [m.source_message_id, Number(m.n)]));
      result.crash = {
        target: o.crash.target,
        lost: answered.filter((m) => !count.get(m)).length,
        doubled: answered.filter((m) => (count.get(m) ?? 0) > 1).length,
        recoveredS: eventsDoneAt ? secs(eventsDoneAt - restartedAt) : null,
      };
    }
    return result;
  } finally {
    await Promise.all(processes.map((p) => p.stop().catch(() => p.kill())));
    await fake.close();
    await privateRedis?.kill();
    await close();
    await scratch.drop();
  }
}

async function measure(
  db: Db,
  fake: FakeLark,
  posted: Posted[],
  o: { loadEnd: number; drainedAt: number | null; kill: ScenarioResult['kill']; killed: boolean },
): Promise<ScenarioResult> {
  const problems = await checkEveryRowOnce(db, fake, { privateRepeats: o.killed });
  const calls = await db
    .selectFrom('calls')
    .select(['id', 'no', 'emergency', 'source_message_id', 'created_at'])
    .execute();
  const postedAt = new Map(posted.map((p) => [p.messageId, p.at]));
  const firstNaming = (no: string, test: (title: string) => boolean) =>
    fake.sent.find((s) => {
      const c = JSON.stringify(s.content);
      return (
        c.includes(no) &&
        test((s.content as { header?: { title?: { content?: string } } }).header?.title?.content ?? '')
      );
    })?.at;

  const rows = await db
    .selectFrom('outbox')
    .select([
      'id',
      'chat_id',
      'call_id',
      'priority',
      'state',
      'created_at',
      'sent_at',
      'merged_into',
      'platform_message_id',
    ])
    .execute();
  const waited = (r: (typeof rows)[number]) =>
    r.sent_at ? new Date(r.sent_at).getTime() - new Date(r.created_at).getTime() : null;
  const emergencies = calls
    .filter((c) => c.emergency)
    .map((c) => {
      const at = postedAt.get(c.source_message_id ?? '') ?? 0;
      const receipt = firstNaming(c.no, (t) => t.startsWith('紧急情况已上报'));
      const request = firstNaming(c.no, (t) => t.includes('请区领导派单'));
      const lines = rows.filter((r) => r.call_id === c.id && r.priority > 0).map(waited);
      return {
        no: c.no,
        intakeS: at ? secs(new Date(c.created_at).getTime() - at) : null,
        receiptS: receipt ? secs(receipt - at) : null,
        dispatchRequestS: request ? secs(request - at) : null,
        lineS: lines.some((x) => x === null) ? null : secs(Math.max(0, ...(lines as number[]))),
      };
    });
  const routineReceipt = calls
    .filter((c) => !c.emergency)
    .map((c) => {
      const at = postedAt.get(c.source_message_id ?? '');
      const receipt = firstNaming(c.no, (t) => t.startsWith('已收到'));
      return at && receipt ? receipt - at : null;
    })
    .filter((x): x is number => x !== null);

  const flooded = new Set([COMMUNITY, 'oc_sample_jinhualu']);
  const routineWait = rows
    .filter((r) => r.priority === 0 && flooded.has(r.chat_id) && r.sent_at)
    .map((r) => waited(r)!);
  const overtaken = calls
    .filter((c) => c.emergency)
    .map((c) => {
      const count = (chat: string) => {
        const mine = rows.find((r) => r.call_id === c.id && r.chat_id === chat && r.priority > 0);
        if (!mine?.sent_at) return 0;
        return rows.filter(
          (r) =>
            r.chat_id === chat &&
            r.priority === 0 &&
            BigInt(r.id) < BigInt(mine.id) &&
            r.sent_at &&
            new Date(r.sent_at).getTime() > new Date(mine.sent_at!).getTime(),
        ).length;
      };
      return { no: c.no, community: count(COMMUNITY), street: count('oc_sample_jinhualu') };
    });
  const members = rows.filter((r) => r.merged_into && r.merged_into !== r.id);
  const batches = new Map<string, number>();
  for (const m of members) batches.set(m.merged_into!, (batches.get(m.merged_into!) ?? 1) + 1);
  const state = (s: string) => rows.filter((r) => r.state === s).length;
  if (state('failed')) problems.push(`${state('failed')} rows failed`);
  let resends = 0;
  for (const n of fake.uuidRequests.values()) resends += n - 1;
  return {
    reports: {
      posted: posted.length,
      answered2xx: posted.filter((p) => p.status >= 200 && p.status < 300).length,
      calls: calls.length,
      emergencies: calls.filter((c) => c.emergency).length,
    },
    emergencies,
    overtaken,
    routineWait: stats(routineWait),
    routineReceipt: stats(routineReceipt),
    merged: { rows: members.length, messages: batches.size, largest: Math.max(0, ...batches.values()) },
    outbox: { rows: rows.length, sent: state('sent'), failed: state('failed'), pending: state('pending') },
    drainedS: o.drainedAt ? secs(o.drainedAt - o.loadEnd) : null,
    ...(o.kill ? { kill: o.kill } : {}),
    deduplicatedResends: resends,
    problems,
  };
}
