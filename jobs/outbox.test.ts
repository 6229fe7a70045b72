// Outbox delivery through the queue (in-process, and BullMQ on Redis when REDIS_URL is set):
// rows written by real commands reach the platform once each and in order per chat, through
// retries, permanent refusals, a worker dying mid-send, a logged-out platform, two workers.
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServiceEnv } from '../bot/adapters.ts';
import type { AppEnv } from '../bot/app.ts';
import type { Services } from '../bot/services.ts';
import { type Clock, systemClock } from '../config/clock.ts';
import { loadDistrict } from '../config/district.ts';
import { silentLogger } from '../config/log.ts';
import type { OutboxRow } from '../db/schema.ts';
import type { Ctx, Effects } from '../handlers/context.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { FakePlatform } from '../test/fakes/platform.ts';
import { bullmqDriver, driverFactories, redisUrl, until } from '../test/queues.ts';
import { sayOnLark } from '../test/world.ts';
import { type JobServices, type Jobs, type JobsOptions, startJobs } from './index.ts';
import type { QueueDriver } from './queue.ts';

const ADMIN_TOKEN = 'test-admin-token-0123456789';
const COMMUNITY = 'oc_sample_chenhui';
const STREET = 'oc_sample_jinhualu';

interface Rig {
  t: TestDb;
  services: JobServices;
  jobs: Jobs;
  lark: FakePlatform;
  say(userId: string, chatId: string, text: string): Promise<{ ok: boolean; callNo?: string }>;
  stop(): Promise<void>;
}

async function rig(
  driver: QueueDriver,
  o: { t?: TestDb; clock?: Clock; opts?: JobsOptions } = {},
): Promise<Rig> {
  const t = o.t ?? (await freshDb());
  const effects = { listeners: [] as ((e: Effects) => void)[] };
  const ctx: Ctx = {
    db: t.db,
    district: t.district,
    clock: o.clock ?? systemClock,
    log: silentLogger,
    afterCommit: (e) => {
      for (const l of effects.listeners) l(e);
    },
  };
  const lark = new FakePlatform('lark');
  const services: JobServices = {
    runtime: { queues: driver, database: t },
    ctx,
    role: 'all',
    senders: new Map([['lark', lark]]),
    effects,
    stoppers: [],
  };
  const jobs = await startJobs(services, { retryBaseMs: 20, sweepMs: 100, schedules: false, ...o.opts });
  return {
    t,
    services,
    jobs,
    lark,
    async say(userId, chatId, text) {
      return sayOnLark(ctx, userId, chatId, text);
    },
    async stop() {
      await jobs.stop();
      await driver.close();
    },
  };
}

const rows = (r: Rig, state?: OutboxRow['state']) => {
  let q = r.t.db.selectFrom('outbox').selectAll().orderBy('id');
  if (state) q = q.where('state', '=', state);
  return q.execute();
};
const settled = async (r: Rig) => (await rows(r, 'pending')).length === 0;

/** every accepted message once, and per chat in the order the rows were written */
async function expectOncePerRowInOrder(r: Rig, sent: FakePlatform['sent'] = r.lark.sent) {
  const written = await rows(r, 'sent');
  const keys = sent.map((s) => s.idempotencyKey);
  expect(new Set(keys).size).toBe(keys.length);
  expect(sent).toHaveLength(written.length);
  for (const chat of new Set(written.map((w) => w.chat_id)))
    expect(sent.filter((s) => s.chatId === chat).map((s) => s.idempotencyKey)).toEqual(
      written.filter((w) => w.chat_id === chat).map((w) => w.idempotency_key),
    );
}

describe.each(driverFactories)('outbox delivery on %s', (_name, make) => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.stop();
    await r?.t.close();
    r = undefined;
  });

  it('sends every message of a real walk once, in order per chat', async () => {
    r = await rig(await make());
    const { callNo } = await r.say('ou_res_1', COMMUNITY, '晨辉路12号路灯不亮了');
    await r.say('ou_sample_liang', STREET, `呼叫 ${callNo}`);
    await r.say('ou_sample_cgw1', 'oc_sample_cgw', `报到 ${callNo}`);
    // a burst to two chats, so order is tested with many rows in flight at once
    for (let i = 1; i <= 8; i++) await r.say(`ou_res_${i}`, COMMUNITY, `晨辉路${i}号门口垃圾堆积`);
    await until(() => settled(r!), 'every row sent');
    expect(r.lark.titles('oc_sample_cgw')).toEqual([`新呼叫请报到 ${callNo}`, `已报到 ${callNo}，请处置`]);
    expect(r.lark.titles(STREET).slice(0, 3)).toEqual([
      `新呼叫待研判 ${callNo}`,
      `呼叫单 ${callNo}`,
      `区城管委已报到 ${callNo}`,
    ]);
    expect(await rows(r, 'sent')).toHaveLength(r.lark.sent.length);
    await expectOncePerRowInOrder(r);
  });

  it('backs off and retries rate-limited and 5xx answers, and fails a permanent 4xx with its reason', async () => {
    r = await rig(await make());
    r.lark.failNext(1, 'rate_limited');
    r.lark.failNext(1, 'retry');
    await r.say('ou_res_1', COMMUNITY, '晨辉路3号路灯坏了');
    await until(() => settled(r!), 'both messages sent after the retries');
    const written = await rows(r);
    expect(written.map((w) => w.state)).toEqual(['sent', 'sent']);
    // two refusals, then each row once: four calls, four attempts in all
    expect(r.lark.calls).toBe(4);
    expect(written.reduce((n, w) => n + w.attempts, 0)).toBe(4);
    expect(written.map((w) => w.last_error).sort()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^(rate_limited: fake rate_limited \(code 230020\)|retry: fake retry \(code 500\))$/,
        ),
      ]),
    );
    await expectOncePerRowInOrder(r);

    r.lark.failNext(1, 'permanent');
    await r.say('ou_res_1', COMMUNITY, '晨辉路5号路灯坏了');
    await until(() => settled(r!), 'the permanent failure recorded');
    const failed = await rows(r, 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ attempts: 1, last_error: 'permanent: fake permanent (code 230001)' });
    // the chat's next message was not held back by the one that failed
    expect(r.lark.sent).toHaveLength(3);

    const app = new Hono<AppEnv>();
    const services = {
      ...r.services,
      runtime: { ...r.services.runtime, env: loadServiceEnv({ ADMIN_TOKEN }) },
    } as unknown as Services;
    await (await import('../bot/admin/queues.ts')).mountQueueAdmin(app, services);
    expect((await app.request('/api/outbox/failed')).status).toBe(401);
    const res = await app.request('/api/outbox/failed', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { count: number; failed: Record<string, unknown>[] };
    expect(body.count).toBe(1);
    expect(body.failed[0]).toMatchObject({
      id: failed[0].id,
      platform: 'lark',
      chatId: failed[0].chat_id,
      attempts: 1,
      reason: 'permanent: fake permanent (code 230001)',
    });
    expect(body.failed[0].callNo).toMatch(/^JJ-/);
  });

  it('gives up after the last attempt and keeps the reason', async () => {
    r = await rig(await make());
    r.lark.failNext(8, 'retry');
    await r.say('ou_res_1', COMMUNITY, '帮助'); // one answer, to one chat
    await r.say('ou_res_1', COMMUNITY, '帮助');
    await until(async () => (await rows(r!, 'failed')).length === 1, 'the row failed', 20_000);
    const [row] = await rows(r, 'failed');
    expect(row).toMatchObject({
      attempts: 8,
      last_error: 'gave up after 8 attempts: retry: fake retry (code 500)',
    });
    await until(() => settled(r!), 'the next row of the chat sent');
    expect(r.lark.sent.map((s) => s.idempotencyKey)).toEqual([(await rows(r, 'sent'))[0].idempotency_key]);
  });

  it('sends a message once when the worker dies after the platform accepted it', async () => {
    r = await rig(await make());
    r.lark.crashAfterAccept = 1;
    await r.say('ou_res_1', COMMUNITY, '晨辉路7号路灯坏了');
    await until(() => settled(r!), 'sent');
    expect(r.lark.calls).toBe(3); // the first send twice (accepted, then "crashed"), the second once
    expect(r.lark.sent).toHaveLength(2);
    await expectOncePerRowInOrder(r);
  });

  it('a claim held by a worker that died expires, and the row is sent once after it', async () => {
    r = await rig(await make());
    r.lark.online = false;
    await r.say('ou_res_1', COMMUNITY, '晨辉路8号路灯坏了');
    // as if another worker had claimed both rows and died holding them
    await r.t.db
      .updateTable('outbox')
      .set({ available_at: new Date(Date.now() + 400) })
      .where('state', '=', 'pending')
      .execute();
    r.lark.online = true;
    await r.jobs.relay.relayNew();
    await until(() => settled(r!), 'sent after the claim expired');
    await expectOncePerRowInOrder(r);
    expect(r.lark.calls).toBe(2);
  });

  it('keeps messages while the platform is logged out, without using up attempts', async () => {
    r = await rig(await make());
    r.lark.online = false;
    await r.say('ou_res_1', COMMUNITY, '晨辉路9号路灯坏了');
    await r.jobs.relay.idle();
    await r.jobs.sweep();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.lark.calls).toBe(0);
    expect((await rows(r, 'pending')).map((x) => x.attempts)).toEqual([0, 0]);
    r.lark.online = true;
    await until(() => settled(r!), 'delivered once the bot is back');
    await expectOncePerRowInOrder(r);
  });

  it('two workers on one database never send a row twice', async () => {
    r = await rig(await make());
    const second = await rig(await make(), { t: r.t });
    try {
      for (let i = 1; i <= 6; i++) {
        await r.say(`ou_res_${i}`, COMMUNITY, `晨辉路${i}号路灯坏了`);
        await second.say(`ou_res_${i}`, COMMUNITY, `晨辉路${i}号井盖破损`);
      }
      // both sweep and both relay: every row is offered to both workers
      await Promise.all([
        r.jobs.sweep(),
        second.jobs.sweep(),
        r.jobs.relay.relayNew(),
        second.jobs.relay.relayNew(),
      ]);
      await until(() => settled(r!), 'every row sent');
      const all = [...r.lark.sent, ...second.lark.sent].sort((a, b) => a.at - b.at);
      const keys = all.map((s) => s.idempotencyKey);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength((await rows(r, 'sent')).length);
    } finally {
      await second.stop();
    }
  });

  it('delivers webhook rows through webhook delivery, in order per call per subscriber', async () => {
    const district = loadDistrict();
    district.webhooks = [
      {
        name: 'dlxt',
        url: 'http://127.0.0.1:9/hook',
        secret: 'x'.repeat(16),
        events: ['*'],
        give_up_after: '24h',
      },
    ];
    const t = await freshDb({ district });
    const seen: { call: string | null; event: string }[] = [];
    let failOnce = true;
    r = await rig(await make(), {
      t,
      opts: {
        webhook: async (_ctx, row) => {
          if (failOnce) {
            failOnce = false;
            throw new Error('subscriber unreachable');
          }
          seen.push({ call: row.call_id, event: String((row.payload as { event: string }).event) });
        },
      },
    });
    const { callNo } = await r.say('ou_res_1', COMMUNITY, '晨辉路12号路灯不亮了');
    await r.say('ou_sample_liang', STREET, `呼叫 ${callNo}`);
    await r.say('ou_sample_cgw1', 'oc_sample_cgw', `报到 ${callNo}`);
    await until(() => settled(r!), 'every row sent');
    expect(seen.map((s) => s.event)).toEqual(
      (await rows(r)).filter((x) => x.kind === 'webhook').map((x) => (x.payload as { event: string }).event),
    );
    expect(seen[0].event).toBe('created');
  });
});

describe.skipIf(!redisUrl)('queue dashboard', () => {
  it('serves Bull Board behind the admin token, then on its cookie', async () => {
    const driver = await bullmqDriver();
    try {
      const app = new Hono<AppEnv>();
      const services = {
        runtime: { env: loadServiceEnv({ ADMIN_TOKEN }), queues: driver },
        ctx: { db: null },
      } as unknown as Services;
      await (await import('../bot/admin/queues.ts')).mountQueueAdmin(app, services);
      expect((await app.request('/admin/queues')).status).toBe(401);
      const page = await app.request(`/admin/queues?token=${ADMIN_TOKEN}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const cookie = page.headers.get('set-cookie')!.split(';')[0];
      const api = await app.request('/admin/queues/api/queues', { headers: { cookie } });
      expect(api.status).toBe(200);
      const names = ((await api.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
      expect(names.sort()).toEqual(['schedules', 'send', 'timers']);
      expect(
        (await app.request('/admin/queues/api/queues', { headers: { cookie: 'huying_queues=forged' } }))
          .status,
      ).toBe(401);
    } finally {
      await driver.close();
    }
  });
});
