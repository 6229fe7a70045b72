// The Hono app: health and readiness, request ids, a logger per request and access logs;
// platform adapters and APIs are mounted here by the entry point.
import { type Context, Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from '../config/log.ts';
import { withTimeout } from '../jobs/lane.ts';

export type AppEnv = { Variables: { requestId: string; log: Logger } };

/**
 * Every line written while handling a request carries its id: the request's logger (a child
 * with `requestId`), or `fallback` where a sub-app runs without this app (unit tests).
 */
export function requestLog(c: Context, fallback: Logger): Logger {
  return (c.get('log') as Logger | undefined) ?? fallback;
}

export function requestLogger(log: Logger) {
  return async function requestLoggerMiddleware(c: Context<AppEnv>, next: () => Promise<void>) {
    c.set('log', log.child({ requestId: c.get('requestId') }));
    await next();
  };
}

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export function accessLog(log: Logger) {
  return async function accessLogMiddleware(c: Context<AppEnv>, next: () => Promise<void>) {
    const start = performance.now();
    await next();
    if (c.req.path === '/healthz' || c.req.path === '/readyz') return;
    requestLog(c, log).info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - start),
      },
      'request',
    );
  };
}

export function createApp(opts: { log: Logger; checks: ReadinessCheck[] }): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestId());
  app.use('*', requestLogger(opts.log));
  app.use('*', accessLog(opts.log));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      opts.checks.map(async (ch) => {
        try {
          await withTimeout(ch.check(), 2000, ch.name);
          return { name: ch.name, ok: true as const };
        } catch (e) {
          return { name: ch.name, ok: false as const, reason: (e as Error).message };
        }
      }),
    );
    const failed = results.filter((r) => !r.ok);
    return c.json(
      { status: failed.length ? 'unavailable' : 'ready', checks: results },
      failed.length ? 503 : 200,
    );
  });
  app.onError((err, c) => {
    requestLog(c, opts.log).error({ err, path: c.req.path }, 'unhandled error');
    return c.json({ error: 'internal_error', message: '服务内部错误，请稍后重试' }, 500);
  });
  app.notFound((c) => c.json({ error: 'not_found', message: '没有这个地址' }, 404));
  return app;
}
