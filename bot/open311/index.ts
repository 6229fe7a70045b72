// Open311 GeoReport v2 at /open311/v2: discovery, services, service definitions, service
// requests (create, list, one) and their updates (servicerequestupdates, as FixMyStreet reads
// them). XML always, JSON too; the format is the extension. CORS for the configured origins.
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import type { Ctx } from '../../handlers/context.ts';
import { type AppEnv, requestLog } from '../app.ts';
import type { Services } from '../services.ts';
import { createRequest, findClient, readBody } from './create.ts';
import { callByNumber, describeCalls, parseRequestQuery, parseWindow, queryCalls } from './requests.ts';
import {
  badRequest,
  document,
  errorDocument,
  type Format,
  notFound,
  Open311Error,
  splitFormat,
} from './respond.ts';
import { discovery, findService, serviceDefinition, serviceList } from './services.ts';
import { requestUpdates } from './updates.ts';

export const OPEN311_PATH = '/open311/v2';

export interface Open311Options {
  /** the public base URL (HUYING_PUBLIC_URL), for the endpoint in discovery; else the request's origin */
  publicUrl?: string;
}

type Handler = (c: Context, format: Format, name: string) => Promise<Response> | Response;

/**
 * CORS for browser apps on the configured origins: their preflights are answered and their
 * requests carry Access-Control-Allow-Origin; any other origin gets no CORS header at all.
 */
export function open311Cors(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  const withCors = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Content-Type'],
    maxAge: 600,
  });
  return async function open311Cors(c, next) {
    const origin = c.req.header('origin');
    if (origin && allowed.has(origin)) return withCors(c, next);
    // a preflight from elsewhere: answered, with nothing that lets the browser go on
    if (origin && c.req.method === 'OPTIONS') return c.body(null, 204, { Vary: 'Origin' });
    await next();
    c.header('Vary', 'Origin', { append: true });
  };
}

export function open311Routes(ctx: Ctx, opts: Open311Options = {}): Hono {
  const app = new Hono();
  if (ctx.district.open311.cors_origins.length) app.use('*', open311Cors(ctx.district.open311.cors_origins));
  const changeset = new Date().toISOString().slice(0, 19) + 'Z';

  /** Splits "name.fmt", answers client mistakes with the spec's error document. */
  const serve = (param: string, handler: Handler) => async (c: Context) => {
    const file = splitFormat(c.req.param(param) ?? '');
    const format = file?.format ?? 'xml';
    try {
      if (!file)
        throw new Open311Error(
          400,
          'unsupported format: append .xml or .json to the resource（请使用 .xml 或 .json）',
        );
      return await handler(c, file.format, file.name);
    } catch (e) {
      if (e instanceof Open311Error) return errorDocument(c, format, e.status, e.description);
      requestLog(c, ctx.log).error({ err: e, path: c.req.path }, 'open311: request failed');
      return errorDocument(c, format, 500, 'internal error, please retry later（服务内部错误）');
    }
  };

  const requests = async (c: Context, format: Format) => {
    const q = parseRequestQuery((n) => c.req.queries(n) ?? [], ctx.clock.now());
    const calls = await queryCalls(ctx.db, q);
    return document(c, format, 'service_requests', await describeCalls(ctx.db, ctx.district, calls));
  };

  // the client's own requests only: its api_key says who it is
  const updates = async (c: Context, format: Format) => {
    const client = findClient(ctx.district, c.req.query('api_key'), 'servicerequestupdates');
    const window = parseWindow((n) => c.req.queries(n) ?? [], ctx.clock.now());
    const list = await requestUpdates(ctx.db, ctx.district, client.name, window);
    return document(c, format, 'service_request_updates', list);
  };

  app.get(
    '/:file',
    serve('file', (c, format, name) => {
      if (name === 'discovery') {
        const base = (opts.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
        return document(c, format, 'discovery', discovery(ctx.district, `${base}${OPEN311_PATH}`, changeset));
      }
      if (name === 'services') return document(c, format, 'services', serviceList(ctx.district));
      if (name === 'requests') return requests(c, format);
      if (name === 'servicerequestupdates') return updates(c, format);
      throw notFound(`no such resource: ${name}（没有这个资源）`);
    }),
  );
  app.get(
    '/services/:file',
    serve('file', (c, format, code) =>
      document(
        c,
        format,
        'service_definition',
        serviceDefinition(ctx.district, findService(ctx.district, code)),
      ),
    ),
  );
  app.get(
    '/requests/:file',
    serve('file', async (c, format, id) => {
      const call = await callByNumber(ctx.db, id);
      return document(c, format, 'service_requests', await describeCalls(ctx.db, ctx.district, [call]));
    }),
  );
  app.post(
    '/:file',
    serve('file', async (c, format, name) => {
      if (name === 'servicerequestupdates')
        throw badRequest(
          'updates are not accepted from clients: Huying only publishes them; send a new request instead（不接收外部更新）',
        );
      if (name !== 'requests') throw notFound(`no such resource: ${name}（没有这个资源）`);
      const created = await createRequest({ ...ctx, log: requestLog(c, ctx.log) }, await readBody(c));
      return document(c, format, 'service_requests', [
        { service_request_id: created.id, service_notice: created.notice, account_id: null },
      ]);
    }),
  );
  app.all('*', (c) =>
    errorDocument(
      c,
      c.req.path.endsWith('.json') ? 'json' : 'xml',
      404,
      `no such resource: ${c.req.path}（没有这个资源）`,
    ),
  );
  return app;
}

/** Mounts Open311 when the district file names at least one client (open311.clients). */
export function mountOpen311(app: Hono<AppEnv>, services: Services) {
  const { ctx, runtime } = services;
  if (!ctx.district.open311.clients.length) return;
  app.route(OPEN311_PATH, open311Routes(ctx, { publicUrl: runtime.env.HUYING_PUBLIC_URL }));
  ctx.log.info({ path: OPEN311_PATH, clients: ctx.district.open311.clients.length }, 'open311: on');
}
