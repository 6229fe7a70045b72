// The office's view of the job layer: failed outbox rows with their reasons
// (GET /api/outbox/failed), what waits in each chat's line (GET /api/outbox/backlog) and, at
// /admin/queues, the Bull Board dashboard in Chinese on BullMQ, or a Chinese page of the
// in-process queues' counts in embedded mode.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { BullMqDriver } from '../../jobs/bullmq.ts';
import { outboxBacklog } from '../../jobs/lines.ts';
import type { QueueCounts, QueueDriver } from '../../jobs/queue.ts';
import type { AppEnv } from '../app.ts';
import { adminAuth } from '../auth.ts';
import type { Services } from '../services.ts';
import { adminHtml, adminPage } from './html.ts';
import { queueTable } from './status-page.ts';

const BOARD = '/admin/queues';
const COOKIE = 'huying_queues';

/** The queues jobs/ uses: sends, timers (reminders, escalation), the repeatable schedules. */
export const QUEUE_NAMES = ['send', 'timers', 'schedules'] as const;

export async function queueCounts(driver: QueueDriver): Promise<Record<string, QueueCounts>> {
  const counts = await Promise.all(QUEUE_NAMES.map((name) => driver.queue(name).counts()));
  return Object.fromEntries(QUEUE_NAMES.map((name, i) => [name, counts[i]!]));
}

/** Embedded mode has no Redis and so no Bull Board: the same counts, on a page of our own. */
export function memoryQueuesPage(counts: Record<string, QueueCounts>): string {
  return adminPage(
    '呼应 · 任务队列（进程内）',
    `<p>当前为内置模式（未设置 <code>REDIS_URL</code>）：任务队列在本进程内存中运行，没有 Bull Board 看板，下表为各队列的任务数，每 10 秒刷新。</p>
${queueTable(counts as unknown as Record<string, Record<string, number>>)}
<p class="muted">进程重启时队列从数据库重新推导：未发送的消息与未触发的提醒不会丢失。生产环境请设置 <code>REDIS_URL</code>，使用 BullMQ，本页即换成 Bull Board 看板。失败的外发消息及原因见 <code>/api/outbox/failed</code>，整体运行状态见 <code>/status</code>。</p>`,
    { refreshSeconds: 10 },
  );
}

export interface FailedRow {
  id: string;
  createdAt: string;
  kind: string;
  platform: string;
  chatId: string;
  callNo: string | null;
  title: string | null;
  attempts: number;
  reason: string | null;
}

/** Failed outbox rows, newest first. */
export async function listFailed(db: Db, limit = 100): Promise<FailedRow[]> {
  const rows = await db
    .selectFrom('outbox as o')
    .leftJoin('calls as c', 'c.id', 'o.call_id')
    .select([
      'o.id',
      'o.created_at',
      'o.kind',
      'o.platform',
      'o.chat_id',
      'o.attempts',
      'o.last_error',
      'c.no',
      sql<string | null>`coalesce(o.payload->'message'->>'title', o.payload->>'event')`.as('title'),
    ])
    .where('o.state', '=', 'failed')
    .orderBy('o.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: new Date(r.created_at).toISOString(),
    kind: r.kind,
    platform: r.platform,
    chatId: r.chat_id,
    callNo: r.no,
    title: r.title,
    attempts: r.attempts,
    reason: r.last_error,
  }));
}

/**
 * The dashboard is a browser page whose scripts call its API without our header, so the
 * first visit (?token= or Authorization) leaves a cookie derived from the token.
 */
function boardAuth(token: string | undefined): MiddlewareHandler {
  const guard = adminAuth(token);
  const proof = token ? createHmac('sha256', token).update('bull-board').digest('hex') : '';
  return async function boardAuthMiddleware(c, next) {
    const cookie = getCookie(c, COOKIE) ?? '';
    if (proof && cookie.length === proof.length && timingSafeEqual(Buffer.from(cookie), Buffer.from(proof)))
      return next();
    return guard(c, async () => {
      setCookie(c, COOKIE, proof, { path: BOARD, httpOnly: true, sameSite: 'Strict' });
      await next();
    });
  };
}

export async function mountQueueAdmin(app: Hono<AppEnv>, services: Services): Promise<void> {
  const { runtime, ctx } = services;
  const token = runtime.env.ADMIN_TOKEN;
  app.get('/api/outbox/failed', adminAuth(token), async (c) => {
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    const failed = await listFailed(ctx.db, limit);
    return c.json({ count: failed.length, failed });
  });
  // each chat's line: how many wait, how many urgent, the oldest wait (jobs/lines.ts)
  app.get('/api/outbox/backlog', adminAuth(token), async (c) => c.json(await outboxBacklog(ctx)));
  if (runtime.queues.kind !== 'bullmq') {
    const driver = runtime.queues;
    const page = async (c: Context) => adminHtml(c, memoryQueuesPage(await queueCounts(driver)));
    app.get(BOARD, adminAuth(token), page);
    app.get(`${BOARD}/`, adminAuth(token), page);
    return;
  }
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { serveStatic }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/hono'),
    import('@hono/node-server/serve-static'),
  ]);
  const driver = runtime.queues as BullMqDriver;
  const board = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(driver.queue(name).bull)),
    serverAdapter: board as never,
    // zh-CN: the board's own Chinese translation (it ships one); a person's choice in the
    // board's settings still wins
    options: { uiConfig: { boardTitle: '呼应 · 任务队列', locale: { lng: 'zh-CN' } } },
  });
  board.setBasePath(BOARD);
  const guard = boardAuth(token);
  app.use(BOARD, guard);
  app.use(`${BOARD}/*`, guard);
  app.route(BOARD, board.registerPlugin());
}
