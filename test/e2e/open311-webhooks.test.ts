// Outgoing webhooks to the district platform (大联动·微治理): a call reported over Open311
// and driven through its events; rows delivered with deliverWebhookRow in id order, as the
// job layer does, to a local subscriber that checks every signature.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN311_PATH, open311Routes } from '../../bot/open311/index.ts';
import { ManualClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import type { OutboxRow } from '../../db/schema.ts';
import type { Ctx } from '../../handlers/context.ts';
import { execute } from '../../handlers/execute.ts';
import { resolveActor } from '../../handlers/people.ts';
import { WEBHOOK_EVENTS } from '../../handlers/work.ts';
import { SendError } from '../../jobs/platform.ts';
import { deliverWebhookRow, signWebhook } from '../../jobs/webhook-delivery.ts';
import { freshDb, type TestDb } from '../db.ts';
import {
  districtWith,
  type FakeSubscriber,
  startSubscriber,
  TEST_API_KEY,
  TEST_WEBHOOK_SECRET,
} from '../harness/open311.ts';
import { MONDAY_10 } from '../world.ts';

let t: TestDb;
let ctx: Ctx;
let clock: ManualClock;
let app: Hono;
let sub: FakeSubscriber;

beforeAll(async () => {
  sub = await startSubscriber();
  t = await freshDb({ district: districtWith({ webhookUrl: sub.url, giveUpAfter: '2h' }) });
  clock = new ManualClock(MONDAY_10);
  ctx = { db: t.db, district: t.district, clock, log: silentLogger };
  app = new Hono();
  app.route(OPEN311_PATH, open311Routes(ctx));
});
afterAll(async () => {
  await sub?.close();
  await t?.close();
});

async function report(
  description: string,
  serviceCode = 'street_light',
): Promise<{ no: string; id: string }> {
  const res = await app.request(`${OPEN311_PATH}/requests.json`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      api_key: TEST_API_KEY,
      service_code: serviceCode,
      address_string: '晨辉路12号',
      description,
      'attribute[street]': 'jinhualu',
    }).toString(),
  });
  expect(res.status).toBe(200);
  const [{ service_request_id: no }] = (await res.json()) as { service_request_id: string }[];
  const call = await t.db.selectFrom('calls').select('id').where('no', '=', no).executeTakeFirstOrThrow();
  return { no, id: call.id };
}

async function as(userId: string, chatId: string, unit: string, command: Record<string, unknown>) {
  await clock.advance(5 * 60_000);
  const actor = await resolveActor(t.db, { platform: 'lark', userId });
  const outcome = await execute(
    ctx,
    { actor, origin: { platform: 'lark', chatId }, chatUnit: unit },
    command,
  );
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: true });
}
const street = (c: Record<string, unknown>) => as('ou_sample_liang', 'oc_sample_jinhualu', 'jinhualu', c);
const cgw = (c: Record<string, unknown>) => as('ou_sample_cgw1', 'oc_sample_cgw', 'cgw', c);

const pending = (callId?: string) => {
  let q = t.db.selectFrom('outbox').selectAll().where('kind', '=', 'webhook').where('state', '=', 'pending');
  if (callId) q = q.where('call_id', '=', callId);
  return q.orderBy('id').execute();
};
/** What the job layer does once a delivery returns. */
const markSent = (row: OutboxRow, messageId: string) =>
  t.db
    .updateTable('outbox')
    .set({ state: 'sent', platform_message_id: messageId })
    .where('id', '=', row.id)
    .execute();

async function deliver(row: OutboxRow): Promise<SendError | undefined> {
  try {
    const { messageId } = await deliverWebhookRow(ctx, row);
    await markSent(row, messageId);
    return undefined;
  } catch (e) {
    if (e instanceof SendError) return e;
    throw e;
  }
}

describe('outgoing webhooks', () => {
  it('delivers every event of a call once, signed, in order', async () => {
    const { no, id } = await report('晨辉路12号路灯不亮');
    await street({ type: 'triage', ref: no });
    await cgw({ type: 'acknowledge', ref: no });
    await cgw({ type: 'resolve', ref: no, text: '已更换灯泡' });
    await street({ type: 'close', ref: no });
    await street({ type: 'score', ref: no, scores: [20, 18, 20, 19, 20], comment: '处置及时' });

    const events = await t.db
      .selectFrom('call_events')
      .select(['id', 'kind'])
      .where('call_id', '=', id)
      .orderBy('id')
      .execute();
    const expected = events.filter((e) => WEBHOOK_EVENTS[e.kind]);
    expect(expected.map((e) => WEBHOOK_EVENTS[e.kind])).toEqual([
      'created',
      'dispatched',
      'acknowledged',
      'resolved',
      'closed',
      'scored',
      'archived',
    ]);
    const rows = await pending(id);
    expect(rows).toHaveLength(expected.length);
    for (const row of rows) expect(await deliver(row)).toBeUndefined();

    const got = sub.received.filter((r) => r.body?.call?.no === no);
    expect(got.map((r) => r.event)).toEqual(expected.map((e) => WEBHOOK_EVENTS[e.kind]));
    expect(got.map((r) => r.body.id)).toEqual(expected.map((e) => String(e.id)));
    expect(got.map((r) => r.delivery)).toEqual(expected.map((e) => `webhook:dlw:${e.id}`));
    for (const r of got) {
      expect(r.verified).toBe(true);
      expect(r.status).toBe(200);
      expect(r.body.event).toBe(r.event);
      expect(r.signature).toBe(signWebhook(TEST_WEBHOOK_SECRET, r.timestamp!, r.raw));
      expect(Math.abs(Number(r.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    }
    expect(await pending(id)).toEqual([]);
    const sent = await t.db
      .selectFrom('outbox')
      .select('platform_message_id')
      .where('kind', '=', 'webhook')
      .where('call_id', '=', id)
      .orderBy('id')
      .execute();
    expect(sent.map((s) => s.platform_message_id)).toEqual(expected.map((e) => `webhook:dlw:${e.id}`));
  });

  it('retries after a 500, and the retry succeeds', async () => {
    const { no, id } = await report('晨辉路8号路灯闪烁');
    const [row] = await pending(id);
    sub.answer(500);
    const before = sub.received.length;
    const err = await deliver(row);
    expect(err).toBeInstanceOf(SendError);
    expect(err).toMatchObject({ kind: 'retry', details: { platform: 'webhook', status: 500 } });
    expect(err!.message).toMatch(/answered 500/);
    expect(await deliver(row)).toBeUndefined();
    const attempts = sub.received.slice(before);
    expect(attempts.map((a) => [a.status, a.verified, a.delivery])).toEqual([
      [500, true, row.idempotency_key],
      [200, true, row.idempotency_key],
    ]);
    expect(attempts[1].body.call.no).toBe(no);
  });

  it('holds back a newer event of a call while an older one is pending', async () => {
    const { no, id } = await report('晨辉路20号路灯不亮');
    await street({ type: 'triage', ref: no });
    const [created, dispatched] = await pending(id);
    expect([created.payload.event, dispatched.payload.event]).toEqual(['created', 'dispatched']);
    const before = sub.received.length;
    const err = await deliver(dispatched);
    expect(err).toMatchObject({ kind: 'retry' });
    expect(err!.message).toMatch(/^waiting for an earlier event of this call/);
    expect(sub.received.length, 'the subscriber was not called').toBe(before);
    // another call's rows are not held up by this one
    const other = await report('晨辉路21号路灯不亮');
    const [otherRow] = await pending(other.id);
    expect(await deliver(otherRow)).toBeUndefined();
    expect(await deliver(created)).toBeUndefined();
    expect(await deliver(dispatched)).toBeUndefined();
    expect(sub.received.slice(before).map((r) => [r.body.call.no, r.event])).toEqual([
      [other.no, 'created'],
      [no, 'created'],
      [no, 'dispatched'],
    ]);
  });

  it('gives up once a row is older than give_up_after, keeping the reason', async () => {
    const { id } = await report('晨辉路30号路灯不亮');
    const [row] = await pending(id);
    sub.answer(503);
    const first = await deliver(row);
    expect(first).toMatchObject({ kind: 'retry', details: { status: 503 } });
    await t.db
      .updateTable('outbox')
      .set({ attempts: 1, last_error: `retry: ${first!.message}` })
      .where('id', '=', row.id)
      .execute();
    await clock.advance(2 * 3600_000 + 60_000);
    const before = sub.received.length;
    const again = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    const err = await deliver(again);
    expect(err).toMatchObject({ kind: 'permanent' });
    expect(err!.message).toMatch(/^gave up after 2h \(queued .*; last error: retry: subscriber answered 503/);
    expect(sub.received.length, 'no further attempt').toBe(before);
  });
});
