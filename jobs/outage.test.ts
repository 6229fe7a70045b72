// A Redis that dies while reports arrive and actions are taken, and comes back empty: every
// message still goes out once and every timer fires once. Runs on a private redis-server
// (the shared one serves other tests), so it needs REDIS_URL set to run at all.
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../config/clock.ts';
import { loadDistrict } from '../config/district.ts';
import { silentLogger } from '../config/log.ts';
import type { Ctx, Effects } from '../handlers/context.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { FakePlatform } from '../test/fakes/platform.ts';
import { type RedisProcess, startRedisServer } from '../test/processes.ts';
import { redisUrl, until } from '../test/queues.ts';
import { sayOnLark } from '../test/world.ts';
import { BullMqDriver } from './bullmq.ts';
import { type Jobs, startJobs } from './index.ts';

// Deadlines of seconds (the duration grammar takes fractions: 0.2m is 12 s) so that timers
// fall due on the real clock while the test runs.
function quickDistrict() {
  const d = loadDistrict();
  d.tiers.general = { ack: '0.2m', resolve: '5wd' };
  d.escalation.ack = [
    { after: '0m', notify: 'assignee_chat' },
    { after: '0.05m', notify: 'department_head' },
    { after: '0.1m', notify: 'office' },
  ];
  return d;
}

describe.skipIf(!redisUrl)('a Redis that dies and comes back empty', () => {
  let redis: RedisProcess | undefined;
  let t: TestDb | undefined;
  let jobs: Jobs | undefined;
  let driver: BullMqDriver | undefined;
  afterEach(async () => {
    await jobs?.stop();
    await driver?.close().catch(() => {});
    await redis?.kill();
    await t?.close();
  });

  it('loses no message and no timer', { timeout: 90_000 }, async () => {
    redis = await startRedisServer();
    t = await freshDb({ district: quickDistrict() });
    const db = t;
    driver = await BullMqDriver.connect(redis.url, { prefix: 'outage' });
    const effects = { listeners: [] as ((e: Effects) => void)[] };
    const ctx: Ctx = {
      db: db.db,
      district: db.district,
      clock: systemClock,
      log: silentLogger,
      afterCommit: (e) => {
        for (const l of effects.listeners) l(e);
      },
    };
    const lark = new FakePlatform('lark');
    lark.latencyMs = 150; // slow enough that jobs wait in Redis when it dies
    jobs = await startJobs(
      {
        runtime: { queues: driver, database: db },
        ctx,
        role: 'all',
        senders: new Map([['lark', lark]]),
        effects,
        stoppers: [],
      },
      { sweepMs: 200, reconcileMs: 500, retryBaseMs: 50, schedules: false },
    );
    const say = async (userId: string, chatId: string, text: string) => {
      const out = await sayOnLark(ctx, userId, chatId, text);
      expect(out.ok).toBe(true);
      return (out as { callNo?: string }).callNo!;
    };
    const dispatch = async (where: string) => {
      const no = await say('ou_res_1', 'oc_sample_chenhui', `${where}路灯不亮了`);
      await say('ou_sample_liang', 'oc_sample_jinhualu', `呼叫 ${no}`);
      return no;
    };

    // Before: a call goes out; its timers and some send jobs sit in Redis.
    const a = await dispatch('晨辉路1号');
    await jobs.settle();
    await redis.kill(); // the data goes with it
    // During: people keep working; commits land in PostgreSQL, nudges to Redis fail.
    const b = await dispatch('晨辉路2号');
    await say('ou_res_2', 'oc_sample_chenhui', '晨辉路3号门口垃圾堆积');
    await new Promise((r) => setTimeout(r, 1000));
    // After: an empty Redis on the same port.
    await redis.restart();

    const pending = () => db.db.selectFrom('outbox').select('id').where('state', '=', 'pending').execute();
    const steps = async (no: string) =>
      (
        await db.db
          .selectFrom('call_events as e')
          .innerJoin('calls as c', 'c.id', 'e.call_id')
          .select(['e.payload'])
          .where('c.no', '=', no)
          .where('e.kind', 'in', ['reminded', 'escalated'])
          .orderBy('e.id')
          .execute()
      ).map((e) => (e.payload as { step: string }).step);
    // every ack timer of both calls: the 75% reminder, the deadline notice, head, office
    await until(
      async () =>
        (await steps(a)).length === 4 && (await steps(b)).length === 4 && (await pending()).length === 0,
      'every timer fired and every message sent',
      60_000,
    );
    expect((await steps(a)).sort()).toEqual(['due', 'esc1', 'esc2', 'remind']);
    expect((await steps(b)).sort()).toEqual(['due', 'esc1', 'esc2', 'remind']);
    await new Promise((r) => setTimeout(r, 1500)); // sweeps and reconciles keep running: still once
    expect((await steps(a)).length + (await steps(b)).length).toBe(8);
    const rows = await db.db.selectFrom('outbox').selectAll().orderBy('id').execute();
    expect(rows.every((r) => r.state === 'sent')).toBe(true);
    const keys = lark.sent.map((s) => s.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    // rows merged into another (reminders for one chat falling due together) went in its message
    const heads = rows.filter((r) => !r.merged_into || r.merged_into === r.id);
    expect(heads.length).toBeGreaterThan(0);
    expect(keys.sort()).toEqual(heads.map((r) => r.idempotency_key).sort());
  });
});
