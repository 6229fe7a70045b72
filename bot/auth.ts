// Bearer-token guard for the office's APIs and dashboards (ADMIN_TOKEN).
import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

export function adminAuth(token: string | undefined): MiddlewareHandler {
  return async function adminAuthMiddleware(c, next) {
    if (!token)
      return c.json({ error: 'admin_disabled', message: '未配置 ADMIN_TOKEN，管理接口未开启' }, 503);
    const header = c.req.header('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : (c.req.query('token') ?? '');
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b))
      return c.json({ error: 'unauthorized', message: '需要管理员令牌（Authorization: Bearer …）' }, 401);
    await next();
  };
}
