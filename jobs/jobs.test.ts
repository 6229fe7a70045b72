// The job layer against real parts: outbox rows from real commands delivered through the
// queue (BullMQ on Redis when configured), timers from deadlines on a manual clock,
// retries, permanent failures, a platform that is logged out, recovery from the database.
import { afterEach, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../bot/wiring.ts';
import { type Clock, ManualClock, systemClock } from '../config/clock.ts';
import { loadEnv } from '../config/env.ts';
import { silentLogger } from '../config/log.ts';
import { execute } from '../handlers/execute.ts';
import { parseCommand } from '../handlers/grammar.ts';
import { findChat, resolveActor } from '../handlers/people.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { FakePlatform } from '../test/fakes/platform.ts';
import { driverFactories, until } from '../test/queues.ts';
import { type Jobs, startJobs } from './index.ts';
import { MemoryDriver } from './memory.ts';
import type { QueueDriver } from './queue.ts';

interface Rig {
  t: TestDb;
  services: Services;
  jobs: Jobs;
  lark: FakePlatform;
  say(userId: string, chatId: string, text: string): Promise<{ ok: boolean; callNo?: string }>;
  stop(): Promise<void>;
}

async function rig(driver: QueueDriver, clock: Clock = systemClock, t?: TestDb): Promise<Rig> {
  t ??= await freshDb();
  const runtime = {
    env: loadEnv({}),
    district: t.district,
    log: silentLogger,
    clock,
    database: t,
    queues: driver,
    close: async () => {},
  };
  const services = createServices(runtime, 'all');
  const lark = new FakePlatform('lark');
  services.senders.set('lark', lark);
  const jobs = await startJobs(services, { worker: true });
  return {
    t,
    services,
    jobs,
    lark,
    async say(userId, chatId, text) {
      const chat = await findChat(t!.db, 'lark', chatId);
      const actor = await resolveActor(t!.db, { platform: 'lark', userId }, chat);
      const parsed = parseCommand(text, t!.district);
      const command = parsed?.ok ? parsed.command : { type: 'report', text };
      return execute(
        services.ctx,
        { actor, origin: { platform: 'lark', chatId }, chatUnit: chat?.unit_code },
        command,
      );
    },
    async stop() {
      await jobs.stop();
      await driver.close();
    },
  };
}

const RESIDENT = ['ou_res_1', 'oc_sample_chenhui'] as const;

describe.each(driverFactories)('outbox delivery on %s', (_name, make) => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.stop();
    await r?.t.close();
    r = undefined;
  });

  it('sends every message of a real walk once, in order per chat', async () => {
    r = await rig(await make());
    const { callNo } = await r.say(...RESIDENT, '晨辉路12号路灯不亮了');
    await r.say('ou_sample_liang', 'oc_sample_jinhualu', `呼叫 ${callNo}`);
    await r.say('ou_sample_cgw1', 'oc_sample_cgw', `报到 ${callNo}`);
    await until(async () => (await pending(r!)) === 0 && r!.lark.sent.length >= 6, 'all messages sent');
    expect(r.lark.titles('oc_sample_jinhualu')).toEqual([
      `新呼叫待研判 ${callNo}`,
      `呼叫单 ${callNo}`,
      `区城管委已报到 ${callNo}`,
    ]);
    expect(r.lark.titles('oc_sample_cgw')).toEqual([`新呼叫请报到 ${callNo}`, `已报到 ${callNo}，请处置`]);
    const keys = r.lark.sent.map((s) => s.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('backs off and retries a rate-limited or failing platform, and keeps a permanent failure with its reason', async () => {
    r = await rig(await make());
    r.lark.failNext(1, 'rate_limited');
    r.lark.failNext(1, 'retry');
    await r.say(...RESIDENT, '晨辉路3号路灯坏了');
    await until(async () => (await pending(r!)) === 0, 'both messages sent after retries', 20_000);
    expect(r.lark.sent).toHaveLength(2);
    const rows = await r.t.db
      .selectFrom('outbox')
      .select(['state', 'attempts', 'last_error'])
      .orderBy('id')
      .execute();
    expect(rows.map((x) => [x.state, x.attempts])).toEqual([
      ['sent', 2],
      ['sent', 2],
    ]);
    expect(rows.map((x) => x.last_error?.split(':')[0]).sort()).toEqual(['rate_limited', 'retry']);
    r.lark.failNext(1, 'permanent');
    await r.say(...RESIDENT, '晨辉路5号路灯坏了');
    await until(async () => (await pending(r!)) === 0, 'done', 20_000);
    const failed = await r.t.db.selectFrom('outbox').selectAll().where('state', '=', 'failed').execute();
    expect(failed).toHaveLength(1);
    expect(failed[0].last_error).toBe('permanent: fake permanent (code 230001)');
    // the next message to that chat was not held back by the failed one
    expect(r.lark.sent).toHaveLength(3);
  });

  it('sends a message once when the worker dies after the platform accepted it', async () => {
    r = await rig(await make());
    r.lark.crashAfterAccept = 1;
    await r.say(...RESIDENT, '晨辉路7号路灯坏了');
    await until(async () => (await pending(r!)) === 0, 'sent', 20_000);
    expect(r.lark.sent).toHaveLength(2);
  });

  it('keeps messages while the platform is logged out, and delivers them once when it is back', async () => {
    r = await rig(await make());
    r.lark.online = false;
    await r.say(...RESIDENT, '晨辉路9号路灯坏了');
    await r.jobs.relay();
    await new Promise((res) => setTimeout(res, 300));
    expect(r.lark.sent).toHaveLength(0);
    expect(await pending(r)).toBe(2);
    r.lark.online = true;
    await r.jobs.relay();
    await until(async () => (await pending(r!)) === 0, 'delivered after login');
    expect(r.lark.sent).toHaveLength(2);
  });
});

async function pending(r: Rig) {
  const row = await r.t.db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('state', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('timers from deadlines on a manual clock', () => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.stop();
    await r?.t.close();
  });

  it('reminds at 75%, notices at the deadline, escalates up the ladder, and stops once acknowledged', async () => {
    const clock = new ManualClock('2026-11-23T02:00:00Z'); // Monday 10:00 Shanghai
    r = await rig(new MemoryDriver(clock), clock);
    const { callNo } = await r.say(...RESIDENT, '晨辉路12号路灯不亮了');
    await r.say('ou_sample_liang', 'oc_sample_jinhualu', `呼叫 ${callNo}`);
    const kinds = async () =>
      (
        await r!.t.db
          .selectFrom('call_events')
          .select(['kind', 'payload'])
          .where('kind', 'in', ['reminded', 'escalated'])
          .orderBy('id')
          .execute()
      ).map(
        (e) => `${e.kind}:${(e.payload as { kind: string }).kind}:${(e.payload as { step: string }).step}`,
      );
    // ack deadline: 2 working hours from 10:00 = 12:00; the reminder at 11:30
    await clock.set(new Date('2026-11-23T03:29:00Z'));
    expect(await kinds()).toEqual([]);
    await clock.set(new Date('2026-11-23T03:30:00Z'));
    expect(await kinds()).toEqual(['reminded:ack:remind']);
    await clock.set(new Date('2026-11-23T04:00:00Z'));
    expect(await kinds()).toEqual(['reminded:ack:remind', 'reminded:ack:due']);
    // the ladder says 1h (wall-clock) after the deadline: the department head at 13:00
    await clock.set(new Date('2026-11-23T05:00:00Z'));
    expect((await kinds()).at(-1)).toBe('escalated:ack:esc1');
    await until(
      async () => r!.lark.titles('oc_sample_cgw').some((t) => t.startsWith('升级督办')),
      'the escalation sent',
    );
    const esc = r.lark.sent.find((s) => s.message.title.startsWith('升级督办'))!;
    expect(esc.mentions.map((m) => m.name)).toEqual(['城管负责人']);
    await r.say('ou_sample_cgw1', 'oc_sample_cgw', `报到 ${callNo}`);
    await clock.set(new Date('2026-11-23T08:00:00Z')); // 16:00: the office rung (14:00) would have fired
    expect((await kinds()).filter((k) => k.includes(':ack:'))).toEqual([
      'reminded:ack:remind',
      'reminded:ack:due',
      'escalated:ack:esc1',
    ]);
    // the same timers scheduled again make no second reminder
    const { scheduleTimers } = await import('./timers.ts');
    await scheduleTimers(r.services.ctx, r.services.runtime.queues.queue('timers'));
    await clock.advance(60_000);
    expect((await kinds()).filter((k) => k === 'reminded:ack:remind')).toHaveLength(1);
  });

  it('recovers timers that fell due while nothing was running, from the database alone', async () => {
    const clock = new ManualClock('2026-11-23T02:00:00Z');
    const t = await freshDb();
    const first = await rig(new MemoryDriver(clock), clock, t);
    const { callNo } = await first.say(...RESIDENT, '晨辉路12号路灯不亮了');
    await first.say('ou_sample_liang', 'oc_sample_jinhualu', `呼叫 ${callNo}`);
    await first.stop(); // the process dies with its in-memory timers
    await clock.set(new Date('2026-11-23T04:30:00Z')); // 12:30: reminder and deadline passed unseen
    r = await rig(new MemoryDriver(clock), clock, t);
    await until(async () => {
      const n = await t.db.selectFrom('call_events').select('kind').where('kind', '=', 'reminded').execute();
      return n.length === 2;
    }, 'both missed timers fired at start');
  });
});

describe.skipIf(!process.env.REDIS_URL)('a Redis that stops and comes back empty', () => {
  it('loses no message and no timer', async () => {
    const { spawn } = await import('node:child_process');
    const { createServer } = await import('node:net');
    const { BullMqDriver } = await import('./bullmq.ts');
    const port = await new Promise<number>((res) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const start = async () => {
      const p = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      const { Redis } = await import('ioredis');
      await until(async () => {
        const c = new Redis(port, '127.0.0.1', {
          lazyConnect: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        try {
          await c.connect();
          return (await c.ping()) === 'PONG';
        } catch {
          return false;
        } finally {
          c.disconnect();
        }
      }, 'private redis up');
      return p;
    };
    let redis = await start();
    const clock = new ManualClock('2026-11-23T02:00:00Z');
    const r = await rig(await BullMqDriver.connect(`redis://127.0.0.1:${port}`), clock);
    try {
      const a = await r.say(...RESIDENT, '晨辉路12号路灯不亮了');
      await r.say('ou_sample_liang', 'oc_sample_jinhualu', `呼叫 ${a.callNo}`);
      await until(async () => (await pending(r)) === 0, 'first messages sent');
      redis.kill('SIGKILL');
      await new Promise((res) => redis.once('exit', res));
      // reports and actions go on: the database commits, only the nudges wait
      const b = await r.say(...RESIDENT, '晨辉路15号路灯不亮了');
      await r.say('ou_sample_liang', 'oc_sample_jinhualu', `呼叫 ${b.callNo}`);
      await r.say('ou_sample_cgw1', 'oc_sample_cgw', `报到 ${a.callNo}`);
      await clock.set(new Date('2026-11-23T04:30:00Z')); // 12:30: b's reminder and deadline passed
      redis = await start(); // empty: every delayed job is gone
      await until(async () => (await pending(r)) === 0, 'everything sent after the restart', 30_000);
      const rows = await r.t.db
        .selectFrom('outbox')
        .select('idempotency_key')
        .where('platform', '=', 'lark')
        .execute();
      expect(r.lark.sent.map((s) => s.idempotencyKey).sort()).toEqual(
        rows.map((x) => x.idempotency_key).sort(),
      );
      await until(
        async () => {
          const ev = await r.t.db
            .selectFrom('call_events')
            .select('kind')
            .where('kind', '=', 'reminded')
            .execute();
          return ev.length === 2;
        },
        "b's reminder and deadline notice fired once",
        30_000,
      );
    } finally {
      await r.stop();
      await r.t.close();
      redis.kill('SIGKILL');
    }
  }, 120_000);
});
