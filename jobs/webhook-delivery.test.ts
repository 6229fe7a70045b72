// Webhook delivery against a local HTTP server: the signature scheme, and how each answer
// (2xx, 5xx, 4xx, 410, 429, redirects, silence, no server) is classified for the send worker.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ManualClock } from '../config/clock.ts';
import { defaultDistrictPath, parseDistrict } from '../config/district.ts';
import { silentLogger } from '../config/log.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx } from '../handlers/context.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { SendError } from './platform.ts';
import { deliverWebhookRow, signWebhook, verifyHuyingSignature } from './webhook-delivery.ts';

const SECRET = 'unit-webhook-secret-0123456789';
let server: Server;
let base: string;
let t: TestDb;
let ctx: Ctx;
const seen: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
let closedPort = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      const m = /^\/status\/(\d{3})$/.exec(req.url ?? '');
      if (req.url === '/slow') return; // never answers
      if (req.url === '/busy') {
        res.writeHead(429, { 'Retry-After': '7' });
        return res.end('slow down');
      }
      if (req.url === '/moved') {
        res.writeHead(301, { Location: '/status/200' });
        return res.end();
      }
      res.writeHead(m ? Number(m[1]) : 200, { 'X-Request-Id': 'sub-req-1' });
      res.end(m ? `answer ${m[1]}` : 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a port that was just free: nothing listens there now
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const hook = (name: string, path: string) => ({
    name,
    url: `${base}${path}`,
    secret: SECRET,
    give_up_after: '1h',
  });
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8')) as Record<string, unknown>;
  const district = parseDistrict({
    ...doc,
    webhooks: [
      hook('ok', '/status/204'),
      ...[500, 503, 400, 404, 410].map((s) => hook(`s${s}`, `/status/${s}`)),
      hook('busy', '/busy'),
      hook('moved', '/moved'),
      hook('slow', '/slow'),
      { ...hook('down', '/'), url: `http://127.0.0.1:${closedPort}/` },
    ],
  });
  t = await freshDb({ district });
  ctx = { db: t.db, district, clock: new ManualClock('2026-11-23T02:00:00Z'), log: silentLogger };
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await t?.close();
});

let n = 0;
async function row(subscriber: string, extra: Partial<OutboxRow> = {}): Promise<OutboxRow> {
  n++;
  return t.db
    .insertInto('outbox')
    .values({
      created_at: ctx.clock.now(),
      kind: 'webhook',
      platform: 'webhook',
      chat_id: subscriber,
      call_id: null,
      payload: JSON.stringify({
        id: String(n),
        event: 'created',
        kind: 'reported',
        data: { text: '路灯不亮 <&>' },
      }),
      idempotency_key: `webhook:${subscriber}:${n}`,
      available_at: ctx.clock.now(),
      ...(extra as object),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
const settle = (r: OutboxRow) =>
  t.db.updateTable('outbox').set({ state: 'sent' }).where('id', '=', r.id).execute();

async function failure(p: Promise<unknown>): Promise<SendError> {
  const e = await p.then(
    () => undefined,
    (x) => x,
  );
  expect(e).toBeInstanceOf(SendError);
  return e as SendError;
}

describe('the signature', () => {
  const now = 1_790_000_000_000;
  const ts = String(now / 1000);
  it('is sha256=HMAC(secret, timestamp.body) in hex, and verifies only that body and time', () => {
    const sig = signWebhook(SECRET, ts, '{"a":1}');
    expect(sig).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyHuyingSignature(SECRET, ts, '{"a":1}', sig, { nowMs: now })).toBe(true);
    expect(verifyHuyingSignature(SECRET, ts, '{"a":2}', sig, { nowMs: now })).toBe(false);
    expect(verifyHuyingSignature(`${SECRET}x`, ts, '{"a":1}', sig, { nowMs: now })).toBe(false);
    expect(verifyHuyingSignature(SECRET, String(Number(ts) + 1), '{"a":1}', sig, { nowMs: now })).toBe(false);
    expect(verifyHuyingSignature(SECRET, ts, '{"a":1}', sig, { nowMs: now + 301_000 }), 'stale').toBe(false);
    expect(
      verifyHuyingSignature(SECRET, ts, '{"a":1}', sig, { nowMs: now + 301_000, toleranceSeconds: Infinity }),
    ).toBe(true);
    expect(verifyHuyingSignature(SECRET, 'abc', '{"a":1}', sig)).toBe(false);
    expect(verifyHuyingSignature(SECRET, ts, '{"a":1}', undefined)).toBe(false);
  });
});

describe('deliverWebhookRow', () => {
  it('POSTs the payload with the event, delivery id, timestamp and signature headers', async () => {
    const r = await row('ok');
    const before = seen.length;
    await expect(deliverWebhookRow(ctx, r)).resolves.toEqual({ messageId: 'sub-req-1' });
    const got = seen[before];
    expect(got.path).toBe('/status/204');
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(got.headers['x-huying-event']).toBe('created');
    expect(got.headers['x-huying-delivery']).toBe(r.idempotency_key);
    expect(JSON.parse(got.body)).toEqual(r.payload);
    const ts = got.headers['x-huying-timestamp'] as string;
    expect(got.headers['x-huying-signature']).toBe(signWebhook(SECRET, ts, got.body));
    expect(verifyHuyingSignature(SECRET, ts, got.body, got.headers['x-huying-signature'] as string)).toBe(
      true,
    );
    await settle(r);
  });

  it.each([
    ['s500', 'retry', 500],
    ['s503', 'retry', 503],
    ['s400', 'permanent', 400],
    ['s404', 'permanent', 404],
    ['s410', 'permanent', 410],
    ['moved', 'permanent', 301],
  ])('classifies %s as %s', async (name, kind, status) => {
    const r = await row(name);
    const e = await failure(deliverWebhookRow(ctx, r));
    expect(e).toMatchObject({ kind, details: { platform: 'webhook', status } });
    await settle(r);
  });

  it('passes Retry-After on a 429', async () => {
    const r = await row('busy');
    expect(await failure(deliverWebhookRow(ctx, r))).toMatchObject({
      kind: 'rate_limited',
      details: { retryAfterMs: 7000 },
    });
    await settle(r);
  });

  it('retries when the subscriber is silent or unreachable', async () => {
    const slow = await row('slow');
    const e = await failure(deliverWebhookRow(ctx, slow, { timeoutMs: 300 }));
    expect(e).toMatchObject({ kind: 'retry', message: 'no answer within 0.3 s' });
    const down = await row('down');
    expect(await failure(deliverWebhookRow(ctx, down))).toMatchObject({ kind: 'retry' });
    await settle(slow);
    await settle(down);
  });

  it('refuses for good a row of an unknown subscriber or of another kind', async () => {
    expect(await failure(deliverWebhookRow(ctx, await row('gone')))).toMatchObject({ kind: 'permanent' });
    const msg = await row('ok', { kind: 'message' } as Partial<OutboxRow>);
    expect(await failure(deliverWebhookRow(ctx, msg))).toMatchObject({ kind: 'permanent' });
    await t.db.updateTable('outbox').set({ state: 'failed' }).where('chat_id', '=', 'gone').execute();
    await settle(msg);
  });

  it('waits for an older pending row of the same subscriber (rows without a call count as one group)', async () => {
    const first = await row('ok');
    const second = await row('ok');
    expect((await failure(deliverWebhookRow(ctx, second))).message).toMatch(/^waiting for an earlier event/);
    await deliverWebhookRow(ctx, first);
    await settle(first);
    await expect(deliverWebhookRow(ctx, second)).resolves.toBeDefined();
    await settle(second);
  });

  it('gives up on the app clock once give_up_after has passed', async () => {
    const r = await row('s503');
    await (ctx.clock as ManualClock).advance(3600_000);
    const e = await failure(deliverWebhookRow(ctx, r));
    expect(e.kind).toBe('permanent');
    expect(e.message).toMatch(/^gave up after 1h \(queued 2026-11-23T02:00:00.000Z; last error: none\)$/);
  });
});
