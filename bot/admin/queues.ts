// The office's view of the job layer: failed outbox rows with their reasons
// (GET /api/outbox/failed), what waits in each chat's line (GET /api/outbox/backlog) and, on
// BullMQ, the Bull Board dashboard at /admin/queues.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Hono, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { sql } from 'kysely';
import type { Db } from '../../db/connect.ts';
import type { BullMqDriver } from '../../jobs/bullmq.ts';
import { outboxBacklog } from '../../jobs/lines.ts';
import type { AppEnv } from '../app.ts';
import { adminAuth } from '../auth.ts';
import type { Services } from '../wiring.ts';

const BOARD = '/admin/queues';
const COOKIE = 'huying_queues';

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
  if (runtime.queues.kind !== 'bullmq') return;
  const [{ createBullBoard }, { BullMQAdapter }, { HonoAdapter }, { serveStatic }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullMQAdapter'),
    import('@bull-board/hono'),
    import('@hono/node-server/serve-static'),
  ]);
  const driver = runtime.queues as BullMqDriver;
  const board = new HonoAdapter(serveStatic);
  createBullBoard({
    queues: ['send', 'timers', 'schedules'].map((name) => new BullMQAdapter(driver.queue(name).bull)),
    serverAdapter: board as never,
    options: { uiConfig: { boardTitle: '呼应 · 任务队列' } },
  });
  board.setBasePath(BOARD);
  const guard = boardAuth(token);
  app.use(BOARD, guard);
  app.use(`${BOARD}/*`, guard);
  app.route(BOARD, board.registerPlugin());
}
