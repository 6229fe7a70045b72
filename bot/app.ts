// The Hono app: health and readiness, request ids and access logs; platform adapters and
// APIs are mounted here by the entry point.
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import type { Logger } from '../config/log.ts';

export type AppEnv = { Variables: { requestId: string } };

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export function accessLog(log: Logger) {
  return async function accessLogMiddleware(c: any, next: () => Promise<void>) {
    const start = performance.now();
    await next();
    if (c.req.path === '/healthz' || c.req.path === '/readyz') return;
    log.info(
      {
        requestId: c.get('requestId'),
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
  app.use('*', accessLog(opts.log));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const results = await Promise.all(
      opts.checks.map(async (ch) => {
        try {
          await withTimeout(ch.check(), 2000);
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
    opts.log.error({ err, requestId: c.get('requestId'), path: c.req.path }, 'unhandled error');
    return c.json({ error: 'internal_error', message: '服务内部错误，请稍后重试' }, 500);
  });
  app.notFound((c) => c.json({ error: 'not_found', message: '没有这个地址' }, 404));
  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
