// A standing fuzz suite: every public route gets random and mutated bodies, headers, query
// strings and unicode from fast-check. Whatever comes, the answer is never a 5xx and the process
// neither crashes nor leaves a rejection unhandled. Bounded per run (FUZZ_RUNS, default 200 per
// route family); a failure prints fast-check's seed and path (rerun with FUZZ_SEED=<seed>).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { loadServiceEnv } from '../../bot/adapters.ts';
import { type Server, startServer } from '../../bot/server.ts';
import { defaultDistrictPath } from '../../config/district.ts';
import { larkEvent, signedRequest } from '../fakes/lark-events.ts';
import { type FakeLark, startFakeLark } from '../fakes/lark-open-api.ts';
import { TEST_API_KEY } from '../harness/open311.ts';
import { type ServerStorage, serverStorage } from '../server-storage.ts';

const KEY = 'fuzz-encrypt-key-0123456789abcdef';
const TOKEN = 'fuzz-verification-token';
const ADMIN = 'fuzz-admin-token-0123456789abcdef';
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

let storage: ServerStorage;
let fake: FakeLark;
let server: Server;
let base: string;
const errors: string[] = [];
const rejections: unknown[] = [];
const onRejection = (e: unknown) => rejections.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  storage = await serverStorage();
  const file = join(storage.dir, 'district.yaml');
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8'));
  writeFileSync(file, stringify({ ...doc, open311: { clients: [{ name: 'fuzz', api_key: TEST_API_KEY }] } }));
  fake = await startFakeLark();
  const env = loadServiceEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ...storage.env,
    HUYING_CONFIG: file,
    HUYING_SIM: 'on',
    ADMIN_TOKEN: ADMIN,
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.url,
    LARK_ENCRYPT_KEY: KEY,
    LARK_VERIFICATION_TOKEN: TOKEN,
    LOG_LEVEL: 'error',
    NODE_ENV: 'test',
  });
  // the server's error lines are collected: a 4xx must not hide an error the code did not expect
  const { pino } = await import('pino');
  const log = pino({ level: 'error' }, { write: (line: string) => errors.push(line) });
  server = await startServer(env, { log });
  base = `http://127.0.0.1:${server.port}`;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await fake?.close();
  await storage?.close();
  process.off('unhandledRejection', onRejection);
});

// --- what the generators draw from -------------------------------------------------------------

const nasty = fc.constantFrom(
  '',
  '\u0000',
  '\ud800',
  '\udc00x',
  '路灯\u0000不亮',
  '9223372036854775808',
  '99999999999999999999999',
  '-1',
  '0',
  '1e309',
  'NaN',
  '../../etc/passwd',
  '%00',
  '%E4%B8',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '9999-12',
  '0000-01',
  'JJ-20261127-0001',
  '0001',
  'chart:bulletin:9999-12',
  '晨辉路12号路灯不亮了',
  'x'.repeat(5000),
);
const text = fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ maxLength: 32 }));
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(text, fc.oneof(text, fc.integer(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }))),
);
/** the query parameters the routes read */
const param = fc.constantFrom(
  'month',
  'year',
  'after',
  'format',
  'table',
  'street',
  'state',
  'tier',
  'department',
  'category',
  'overdue',
  'from',
  'to',
  'limit',
  'offset',
  'token',
  'service_code',
  'service_request_id',
  'start_date',
  'end_date',
  'status',
  'jurisdiction_id',
  'lat',
  'long',
);
/** Percent-encoded as a client would (a lone surrogate cannot travel: it goes as U+FFFD). */
const enc = (s: string) =>
  encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );
const query = fc.oneof(
  fc
    .array(fc.tuple(fc.oneof(param, text), text), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}` : '')),
  // raw, including broken percent-encodings
  fc.constantFrom('?%', '?a=%E4%B8', '?after=%00', '?month=%ff%fe', '?&&==&', '?token=x&token=y'),
);
const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'multipart/form-data',
  'text/plain',
  'text/csv',
  'application/octet-stream',
  'garbage/☃',
);
const body = fc.oneof(
  fc.constant(undefined),
  json.map((v) => JSON.stringify(v)),
  text,
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constant('--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\n\u0000\r\n--xyz--\r\n'),
);
const segment = fc.oneof(
  text,
  fc.constantFrom('sim-jinhualu', 'sim-chenhui', '1', 'requests.json', 'services.xml'),
);

/** Every public route, with room for a random segment where it takes a parameter. */
const ROUTES: ((s: string) => string)[] = [
  () => '/',
  () => '/healthz',
  () => '/readyz',
  (s) => `/${s}`,
  (s) => `/open311/v2/${s}`,
  () => '/open311/v2/discovery.json',
  () => '/open311/v2/requests.json',
  () => '/open311/v2/requests.xml',
  (s) => `/open311/v2/services/${s}`,
  (s) => `/open311/v2/requests/${s}`,
  () => '/api/calls',
  (s) => `/api/calls/${s}`,
  (s) => `/api/calls/${s}/spot-check`,
  () => '/api/reports/monthly',
  () => '/api/reports/annual',
  () => '/api/surveys',
  () => '/api/supervision/streets',
  () => '/api/outbox/failed',
  (s) => `/calls/${s}/sheet`,
  () => '/admin/queues',
  (s) => `/admin/queues/${s}`,
  () => '/sim',
  () => '/sim/login',
  () => '/sim/api/state',
  (s) => `/sim/api/chats/${s}/messages`,
  () => '/sim/api/actions',
  () => '/sim/api/clock',
  () => '/sim/api/demo',
  (s) => `/sim/api/images/${s}`,
  (s) => `/sim/assets/${s}`,
  () => '/sim/assets/client.js',
];

interface Shot {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

async function fire(shot: Shot): Promise<number> {
  const hasBody = shot.body !== undefined && shot.method !== 'GET' && shot.method !== 'HEAD';
  const controller = new AbortController();
  let res: Response;
  try {
    res = await fetch(`${base}${shot.path}`, {
      method: shot.method,
      headers: shot.headers,
      body: hasBody ? shot.body : undefined,
      redirect: 'manual',
      signal: controller.signal,
    });
  } catch (e) {
    // an URL fetch itself refuses (not the server's doing) says nothing of the server
    if (e instanceof TypeError && /URL|header|ByteString|Invalid/i.test(String(e.message))) return 0;
    throw e;
  }
  // a live stream (server-sent events) never ends: its status is all we need
  if ((res.headers.get('content-type') ?? '').startsWith('text/event-stream')) controller.abort();
  else await res.arrayBuffer();
  return res.status;
}

const property = (shot: fc.Arbitrary<Shot>) =>
  fc.asyncProperty(shot, async (s) => {
    const status = await fire(s);
    if (status >= 500) throw new Error(`${s.method} ${s.path} answered ${status}`);
  });

const check = (shot: fc.Arbitrary<Shot>) =>
  fc.assert(property(shot), { numRuns: RUNS, seed: SEED, endOnFailure: true });

// --- the families ------------------------------------------------------------------------------

const anyRoute: fc.Arbitrary<Shot> = fc
  .record({
    method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
    route: fc.nat(ROUTES.length - 1),
    segment,
    rawSegment: fc.option(fc.constantFrom('%', '%E4%B8', '%00', '..', '%2e%2e%2f', '%ff'), {
      nil: undefined,
    }),
    query,
    type: contentType,
    admin: fc.boolean(),
    body,
    extra: fc.dictionary(fc.constantFrom('x-lark-signature', 'last-event-id', 'cookie', 'accept'), text, {
      maxKeys: 2,
    }),
  })
  .map((r) => ({
    method: r.method,
    path: `${ROUTES[r.route](r.rawSegment ?? enc(r.segment))}${r.query}`,
    headers: {
      ...Object.fromEntries(Object.entries(r.extra).map(([k, v]) => [k, enc(v)])),
      ...(r.type ? { 'content-type': r.type } : {}),
      ...(r.admin ? { authorization: `Bearer ${ADMIN}` } : {}),
    },
    body: r.body,
  }));

/** Sets `value` at the `index`-th place of a JSON tree (counting every node), or deletes it. */
function mutate(doc: unknown, edits: [number, unknown, boolean][]): unknown {
  const copy = JSON.parse(JSON.stringify(doc));
  for (const [index, value, remove] of edits) {
    const places: [Record<string, unknown>, string][] = [];
    const walk = (node: unknown) => {
      if (!node || typeof node !== 'object') return;
      for (const k of Object.keys(node)) {
        places.push([node as Record<string, unknown>, k]);
        walk((node as Record<string, unknown>)[k]);
      }
    };
    walk(copy);
    if (!places.length) continue;
    const [parent, key] = places[index % places.length];
    if (remove) delete parent[key];
    else parent[key] = value;
  }
  return copy;
}

const larkEnvelope = fc
  .record({
    kind: fc.constantFrom('message', 'card'),
    text,
    edits: fc.array(fc.tuple(fc.nat(), json, fc.boolean()), { maxLength: 3 }),
  })
  .map(({ kind, text: t1, edits }) =>
    mutate(
      kind === 'message'
        ? larkEvent.message({
            chatId: 'oc_sample_chenhui',
            senderOpenId: 'ou_fuzz',
            text: `@_user_1 ${t1}`,
            mentions: [{ openId: fake.botOpenId, name: '呼应' }],
            token: TOKEN,
          })
        : larkEvent.cardAction({
            operatorOpenId: 'ou_sample_liang',
            messageId: 'om_fuzz',
            chatId: 'oc_sample_jinhualu',
            value: { cmd: `呼叫 ${t1}`, tpl: '呼叫 {no} {tier}' },
            formValue: { no: t1, tier: '一般' },
            token: TOKEN,
          }),
      edits,
    ),
  );

const signedLark: fc.Arbitrary<Shot> = fc
  .record({ envelope: larkEnvelope, encrypt: fc.boolean() })
  .map(({ envelope, encrypt }) => {
    const req = signedRequest(envelope as object, { encryptKey: KEY, encrypt });
    return { method: 'POST', path: '/webhooks/lark', headers: req.headers, body: req.body };
  });

const unsignedLark: fc.Arbitrary<Shot> = fc
  .record({ envelope: fc.oneof(larkEnvelope, json), type: contentType })
  .map(({ envelope, type }) => ({
    method: 'POST',
    path: '/webhooks/lark',
    headers: (type ? { 'content-type': type } : {}) as Record<string, string>,
    body: JSON.stringify(envelope),
  }));

const open311Post: fc.Arbitrary<Shot> = fc
  .record({
    fields: fc.dictionary(
      fc.constantFrom(
        'api_key',
        'service_code',
        'address_string',
        'lat',
        'long',
        'description',
        'attribute[street]',
        'attribute[community]',
        'attribute[emergency]',
        'media_url',
        'phone',
        'address_id',
      ),
      text,
    ),
    keyed: fc.boolean(),
    asJson: fc.boolean(),
  })
  .map(({ fields, keyed, asJson }) => {
    const all = { ...fields, ...(keyed ? { api_key: TEST_API_KEY, service_code: 'street_light' } : {}) };
    return {
      method: 'POST',
      path: '/open311/v2/requests.json',
      headers: { 'content-type': asJson ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: asJson ? JSON.stringify(all) : new URLSearchParams(all).toString(),
    };
  });

const simApi: fc.Arbitrary<Shot> = fc
  .record({
    path: fc.constantFrom(
      '/sim/api/chats/sim-chenhui/messages',
      '/sim/api/chats/sim-jinhualu/messages',
      '/sim/api/actions',
      '/sim/api/clock',
    ),
    payload: fc.oneof(
      json,
      fc.record({ from: fc.oneof(text, fc.constantFrom('sim-p1', 'sim-p2', 'sim-p5')), text }),
      fc.record({
        from: fc.constantFrom('sim-p1', 'sim-p3'),
        message: fc.oneof(text, fc.integer()),
        action: fc.oneof(fc.integer(), fc.constant('form'), text),
        form: fc.option(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.constant(null)))),
        text: fc.option(text),
      }),
    ),
  })
  .map(({ path, payload }) => ({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify(payload),
  }));

/** The office's APIs, the sheet and Open311's reads: mostly with the token, with the parameters they read. */
const apiRead: fc.Arbitrary<Shot> = fc
  .record({
    path: fc.constantFrom(
      '/api/calls',
      '/api/calls/0001',
      '/api/reports/monthly',
      '/api/reports/annual',
      '/api/supervision/streets',
      '/api/outbox/failed',
      '/calls/0001/sheet',
      '/open311/v2/requests.json',
      '/open311/v2/requests.xml',
      '/open311/v2/services.json',
      '/sim/api/chats/sim-jinhualu/messages',
      '/sim/api/state',
    ),
    method: fc.constantFrom('GET', 'GET', 'GET', 'POST'),
    pairs: fc.array(fc.tuple(param, fc.oneof(nasty, text)), { minLength: 1, maxLength: 3 }),
    admin: fc.oneof(fc.constant(true), fc.constant(true), fc.constant(false)),
    body,
  })
  .map((r) => ({
    method: r.method,
    path: `${r.path}?${r.pairs.map(([k, v]) => `${k}=${enc(v)}`).join('&')}`,
    headers: r.admin ? { authorization: `Bearer ${ADMIN}` } : ({} as Record<string, string>),
    body: r.body,
  }));

describe('fuzzing every public route', () => {
  it('never answers 5xx to the APIs whatever their parameters', async () => {
    await check(apiRead);
  });
  it('never answers 5xx to anything on any route', async () => {
    await check(anyRoute);
  });
  it('never answers 5xx to a signed Lark event of any shape', async () => {
    await check(signedLark);
  });
  it('never answers 5xx to an unsigned Lark request', async () => {
    await check(unsignedLark);
  });
  it('never answers 5xx to an Open311 request of any content', async () => {
    await check(open311Post);
  });
  it("never answers 5xx to the simulator's API", async () => {
    await check(simApi);
  });
  it('is still up, logged no unexpected error and left no rejection unhandled', async () => {
    // the work after the answers (reports turned into calls) has had its time
    await new Promise((r) => setTimeout(r, 500));
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(rejections).toEqual([]);
    expect(
      errors.filter(
        (l) => !/"level":50.*"msg":"(lark: event failed|replaying an event failed)"/.test(l) || true,
      ),
    ).toEqual([]);
  });
});
