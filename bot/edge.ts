// What every request meets first, whatever its route: its body capped before it is read (413 past
// the cap, at the size the route legitimately takes: one huge body must not cost the process its
// memory), and a URL carrying NUL refused (PostgreSQL cannot hold it: a lookup would fail, not
// miss).
import type { Context, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';

const KB = 1024;
const MB = 1024 * KB;

/** The cap of the routes under each path (the longest matching prefix wins); others take DEFAULT. */
export const BODY_LIMITS: Record<string, number> = {
  '/webhooks/lark': 1 * MB, // Lark's events and card callbacks (its own check stays too)
  '/open311/v2': 256 * KB, // a service request: a form or JSON, no files
  '/api/surveys': 1 * MB, // the annual survey's CSV
  '/sim/api': 64 * KB,
  '/sim/api/chats': 8 * MB, // a message with up to three photos
};
export const DEFAULT_BODY_LIMIT = 64 * KB;

const tooLarge = (limit: number) => (c: Context) =>
  c.json(
    {
      error: 'too_large',
      message: `请求内容过大（上限 ${limit >= MB ? `${limit / MB} MB` : `${limit / KB} KB`}）`,
    },
    413,
  );

/** One middleware for the whole app: the route's cap, by the declared length or by counting. */
export function bodyCaps(limits = BODY_LIMITS, fallback = DEFAULT_BODY_LIMIT): MiddlewareHandler {
  const prefixes = Object.keys(limits).sort((a, b) => b.length - a.length);
  const counters = new Map<number, MiddlewareHandler>();
  const counter = (limit: number) => {
    const made = counters.get(limit) ?? bodyLimit({ maxSize: limit, onError: tooLarge(limit) });
    counters.set(limit, made);
    return made;
  };
  return async function bodyCapsMiddleware(c: Context, next: Next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'OPTIONS') return next();
    const path = c.req.path;
    const prefix = prefixes.find((p) => path === p || path.startsWith(`${p}/`));
    const limit = prefix ? limits[prefix] : fallback;
    // a declared length is checked at once; only a body without one is counted as it streams
    const length = c.req.header('content-length');
    if (length !== undefined) {
      if (!(Number(length) <= limit)) return tooLarge(limit)(c);
      return next();
    }
    return counter(limit)(c, next);
  };
}

/** A path or query that decodes to NUL names nothing: 400, before any route reads it. */
export function refuseNul(): MiddlewareHandler {
  return async function refuseNulMiddleware(c: Context, next: Next) {
    if (/%00/.test(c.req.url) || c.req.url.includes('\u0000'))
      return c.json({ error: 'bad_request', message: '地址或参数中含有无效字符（NUL）' }, 400);
    return next();
  };
}
