// Timers from deadlines on a manual clock with the in-process driver: the 75% reminder, the
// notice at the deadline, the escalation ladder, no ack timers after acknowledging, stale
// timers after a deadline change, one reminder however often a timer is scheduled or fired,
// recovery from the database alone, and the repeatable daily digest.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../config/clock.ts';
import { silentLogger } from '../config/log.ts';
import type { Ctx, Effects } from '../handlers/context.ts';
import { type AnyTimer, fireTimer, pendingTimers } from '../handlers/timers.ts';
import { pointAtFraction } from '../handlers/worktime.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { FakePlatform } from '../test/fakes/platform.ts';
import { until } from '../test/queues.ts';
import { sayOnLark } from '../test/world.ts';
import { type Jobs, type JobsOptions, startJobs } from './index.ts';
import { MemoryDriver } from './memory.ts';
import type { JobOptions, Queue } from './queue.ts';
import { enqueueTimers, scheduleTimers, TIMERS_PER_JOB, timerJobs } from './timers.ts';

const MONDAY_10 = '2026-11-23T02:00:00Z'; // Monday 10:00 Asia/Shanghai
const at = (shanghai: string) => new Date(`${shanghai}+08:00`);

interface Rig {
  t: TestDb;
  ctx: Ctx;
  clock: ManualClock;
  driver: MemoryDriver;
  jobs: Jobs;
  lark: FakePlatform;
  say(userId: string, chatId: string, text: string): Promise<{ ok: boolean; callNo?: string }>;
  /** the clock to a Shanghai wall time, then everything it set off has run */
  to(shanghai: string): Promise<void>;
  stop(): Promise<void>;
}

async function rig(o: { t?: TestDb; clock?: ManualClock; opts?: JobsOptions } = {}): Promise<Rig> {
  const t = o.t ?? (await freshDb());
  const clock = o.clock ?? new ManualClock(MONDAY_10);
  const driver = new MemoryDriver(clock);
  const effects = { listeners: [] as ((e: Effects) => void)[] };
  const ctx: Ctx = {
    db: t.db,
    district: t.district,
    clock,
    log: silentLogger,
    afterCommit: (e) => {
      for (const l of effects.listeners) l(e);
    },
  };
  const lark = new FakePlatform('lark');
  const services = {
    runtime: { queues: driver, database: t },
    ctx,
    role: 'all' as const,
    senders: new Map([['lark', lark]]),
    effects,
    stoppers: [],
  };
  const jobs = await startJobs(services, { retryBaseMs: 20, schedules: false, ...o.opts });
  const settle = async () => {
    await jobs.settle();
    await driver.idle();
  };
  return {
    t,
    ctx,
    clock,
    driver,
    jobs,
    lark,
    async say(userId, chatId, text) {
      const out = await sayOnLark(ctx, userId, chatId, text);
      await settle();
      return out;
    },
    async to(shanghai) {
      await clock.set(at(shanghai));
      await settle();
    },
    async stop() {
      await jobs.stop();
      await driver.close();
    },
  };
}

/** reminded/escalated events as "<call no>:<ack|resolve>:<step>" */
async function timerEvents(r: Rig) {
  const rows = await r.t.db
    .selectFrom('call_events as e')
    .innerJoin('calls as c', 'c.id', 'e.call_id')
    .select(['c.no', 'e.kind', 'e.payload'])
    .where('e.kind', 'in', ['reminded', 'escalated'])
    .orderBy('e.id')
    .execute();
  return rows.map((e) => {
    const p = e.payload as { kind: string; step: string };
    return `${e.no}:${p.kind}:${p.step}`;
  });
}

/** one call's timer steps, "<ack|resolve>:<step>", in the order they fired */
async function steps(r: Rig, no: string) {
  return (await timerEvents(r)).filter((e) => e.startsWith(`${no}:`)).map((e) => e.slice(no.length + 1));
}

async function dispatchedCall(r: Rig, where: string) {
  const { callNo } = await r.say('ou_res_1', 'oc_sample_chenhui', `${where}路灯不亮了`);
  const out = await r.say('ou_sample_liang', 'oc_sample_jinhualu', `呼叫 ${callNo}`);
  expect(out.ok).toBe(true);
  return callNo!;
}

describe('timers from deadlines', () => {
  let r: Rig | undefined;
  afterEach(async () => {
    await r?.stop();
    await r?.t.close();
    r = undefined;
  });

  it('reminds at 75%, notices at the deadline, climbs the ladder, and stops once acknowledged', async () => {
    r = await rig();
    const a = await dispatchedCall(r, '晨辉路12号');
    const b = await dispatchedCall(r, '晨辉路14号');
    // ack 2wh from Monday 10:00 is 12:00 (lunch 12:00–13:30 does not count); 75% of it is 11:30;
    // the ladder: +1h department head (13:00), +2h office (14:00), wall-clock "h" by the file
    await r.to('2026-11-23T11:29');
    expect(await timerEvents(r)).toEqual([]);
    await r.to('2026-11-23T11:30');
    expect([await steps(r, a), await steps(r, b)]).toEqual([['ack:remind'], ['ack:remind']]);
    await r.to('2026-11-23T12:00');
    expect(await steps(r, a)).toEqual(['ack:remind', 'ack:due']);
    await r.to('2026-11-23T13:00');
    expect(await steps(r, a)).toEqual(['ack:remind', 'ack:due', 'ack:esc1']);
    // a and b fall due together at every step: one message to the department names both
    await until(
      () => r!.lark.titles('oc_sample_cgw').filter((t) => t.startsWith('催办汇总')).length === 3,
      'head notices',
    );

    await r.say('ou_sample_cgw1', 'oc_sample_cgw', `报到 ${a}`);
    await r.to('2026-11-23T14:00');
    await r.to('2026-11-23T16:00');
    expect(await steps(r, a)).toEqual(['ack:remind', 'ack:due', 'ack:esc1']);
    expect(await steps(r, b)).toEqual(['ack:remind', 'ack:due', 'ack:esc1', 'ack:esc2']);
    await until(() => r!.lark.titles('oc_sample_office').length === 1, 'the office escalation sent');

    const cgw = r.lark.sent
      .filter((s) => s.chatId === 'oc_sample_cgw')
      .map((s) => s.message)
      .filter((m) => ['remind', 'overdue', 'escalate', 'reminder_list'].includes(m.kind));
    expect(cgw.map((m) => m.title)).toEqual(Array(3).fill('催办汇总：2 件同时到期'));
    expect(cgw.map((m) => m.fields?.map((f) => f.label).sort())).toEqual(Array(3).fill([a, b].sort()));
    const line = (m: (typeof cgw)[number], no: string) => m.fields!.find((f) => f.label === no)!.value;
    expect(line(cgw[0], a)).toBe('催办：报到时限将到｜晨辉路12号路灯不亮了');
    expect(line(cgw[1], a)).toBe('已超时：未按时报到｜晨辉路12号路灯不亮了');
    expect(line(cgw[2], b)).toBe('督办：区城管委 报到已超时1小时｜晨辉路14号路灯不亮了');
    expect(cgw[2].mentions?.map((m) => m.name)).toEqual(['城管负责人']);
    expect(cgw[2].urgent).toBe(true);
    expect(cgw[0].buttons?.map((b) => b.label).sort()).toEqual(
      [`${a.slice(-4)} 报到`, `${b.slice(-4)} 报到`].sort(),
    );
    // a lone escalation reads as it always did
    const [office] = r.lark.sent.filter((s) => s.chatId === 'oc_sample_office').map((s) => s.message);
    expect(office.kind).toBe('escalate');
    expect(office.title).toBe(`升级督办：区城管委 ${b} 报到超时2小时`);
    expect(office.fields).toContainEqual({ label: '承办部门', value: '区城管委' });
    expect(office.fields).toContainEqual({ label: '超时', value: '2小时' });
    // every reminder went out once
    const keys = r.lark.sent.map((s) => s.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('makes one reminder however often a timer is scheduled or fired', async () => {
    r = await rig();
    const no = await dispatchedCall(r, '晨辉路16号');
    const timers = r.driver.queue('timers');
    await scheduleTimers(r.ctx, timers);
    await scheduleTimers(r.ctx, timers);
    const [remind] = await pendingTimers(r.ctx);
    expect(remind.id).toMatch(/^timer:\d+:ack:remind:\d+$/);
    await r.to('2026-11-23T11:30');
    expect(await timerEvents(r)).toEqual([`${no}:ack:remind`]);
    // fired again by hand, twice at once: the row lock and the timeline say it already did
    expect(await Promise.all([fireTimer(r.ctx, remind), fireTimer(r.ctx, remind)])).toEqual([
      'already',
      'already',
    ]);
    await scheduleTimers(r.ctx, timers);
    await r.to('2026-11-23T11:45');
    expect(await timerEvents(r)).toEqual([`${no}:ack:remind`]);
    // a timer not yet fired, fired by two workers at once: one reminder
    const due = (await pendingTimers(r.ctx)).find((t) => t.step === 'due')!;
    const outcomes = await Promise.all([fireTimer(r.ctx, due), fireTimer(r.ctx, due), fireTimer(r.ctx, due)]);
    expect(outcomes.sort()).toEqual(['already', 'already', 'fired']);
    expect(await timerEvents(r)).toEqual([`${no}:ack:remind`, `${no}:ack:due`]);
  });

  it('a changed deadline leaves the old timers as no-ops and brings its own', async () => {
    r = await rig();
    const no = await dispatchedCall(r, '晨辉路18号');
    const [oldRemind] = await pendingTimers(r.ctx);
    await r.to('2026-11-23T11:00');
    const out = await r.say(
      'ou_sample_office1',
      'oc_sample_office',
      `延期 ${no} cgw 报到 2026-11-23 16:00 需现场核实`,
    );
    expect(out.ok).toBe(true);
    expect(await fireTimer(r.ctx, oldRemind)).toBe('stale');
    // 75% of the working time from the change (11:00) to 16:00
    const remindAt = pointAtFraction(at('2026-11-23T11:00'), at('2026-11-23T16:00'), 0.75);
    const [newRemind] = await pendingTimers(r.ctx);
    expect(newRemind).toMatchObject({
      step: 'remind',
      at: remindAt.getTime(),
      due: at('2026-11-23T16:00').getTime(),
    });
    await r.clock.set(new Date(remindAt.getTime() - 60_000));
    await r.driver.idle();
    expect(await timerEvents(r)).toEqual([]);
    await r.clock.set(remindAt);
    await r.driver.idle();
    expect(await timerEvents(r)).toEqual([`${no}:ack:remind`]);
  });

  it('recovers timers and unsent messages from the database alone', async () => {
    const clock = new ManualClock(MONDAY_10);
    const t = await freshDb();
    const first = await rig({ t, clock });
    first.lark.online = false; // nothing gets out before the process dies
    const no = await dispatchedCall(first, '晨辉路20号');
    await first.stop(); // the in-process queue dies with its timers and jobs
    await clock.set(at('2026-11-23T12:30')); // the reminder and the deadline pass unseen
    const pending = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('state', '=', 'pending')
      .orderBy('id')
      .execute();
    expect(pending.length).toBeGreaterThan(0);

    r = await rig({ t, clock });
    // the deadline notice fires; the "deadline is near" reminder is moot by now
    await until(
      async () => (await timerEvents(r!)).length === 1,
      'the missed deadline notice fired at start',
    );
    expect(await timerEvents(r)).toEqual([`${no}:ack:due`]);
    await until(async () => {
      const left = await t.db.selectFrom('outbox').select('id').where('state', '=', 'pending').execute();
      return left.length === 0;
    }, 'every message sent');
    const keys = r.lark.sent.map((s) => s.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
    // the messages kept from before come first in their chats, in the order they were written
    for (const chat of new Set(pending.map((p) => p.chat_id))) {
      const kept = pending.filter((p) => p.chat_id === chat).map((p) => p.idempotency_key);
      expect(
        r.lark.sent
          .filter((s) => s.chatId === chat)
          .map((s) => s.idempotencyKey)
          .slice(0, kept.length),
      ).toEqual(kept);
    }
    expect(keys).toEqual(expect.arrayContaining(pending.map((p) => p.idempotency_key)));
    // and later timers still come, from the recovered schedule
    await r.to('2026-11-23T13:00');
    expect((await timerEvents(r)).at(-1)).toBe(`${no}:ack:esc1`);
  });

  it('schedules every open call’s timers a page of calls at a time, the same timers as all at once', async () => {
    r = await rig();
    for (const where of ['晨辉路20号', '晨辉路22号', '晨辉路24号']) await dispatchedCall(r, where);
    const rounds: string[][] = [];
    const queue = {
      async addBulk(jobs: { data: { timers: AnyTimer[] } }[]) {
        rounds.push(jobs.flatMap((j) => j.data.timers.map((t) => t.id)));
      },
    } as unknown as Queue;
    await scheduleTimers(r.ctx, queue, { pageSize: 1 });
    // one page a call, each queued before the next is read
    expect(rounds).toHaveLength(3);
    const all = (await pendingTimers(r.ctx)).map((t) => t.id).sort();
    expect(all.length).toBeGreaterThan(3);
    expect(rounds.flat().sort()).toEqual(all);
  });

  it('sends each department its open and overdue items at 08:30', async () => {
    r = await rig({ opts: { schedules: true } });
    const no = await dispatchedCall(r, '晨辉路22号');
    await r.to('2026-11-24T08:29');
    expect(r.lark.titles('oc_sample_cgw').some((t) => t.includes('每日待办'))).toBe(false);
    await r.to('2026-11-24T08:30');
    await until(() => r!.lark.titles('oc_sample_cgw').some((t) => t.includes('每日待办')), 'the digest');
    const digest = r.lark.sent.find((s) => s.message.kind === 'digest')!.message;
    expect(digest.title).toBe('区城管委每日待办：在办 1 件，超时 1 件');
    expect(digest.text).toContain(`【超时20小时30分钟】${no} 待报到`);
    expect(r.lark.sent.filter((s) => s.message.kind === 'digest')).toHaveLength(1);
  });
});

describe('putting timers on the queue', () => {
  const timer = (id: string, at: number) => ({ id, at }) as unknown as AnyTimer;

  it('counts each delay from when its slice reaches the queue, however long the slices before took', async () => {
    const clock = new ManualClock(MONDAY_10);
    const ctx = { clock } as unknown as Ctx;
    const start = clock.now().getTime();
    /** job id → the instant the queue will run it (its delay counted from when it was added) */
    const runsAt = new Map<string, number>();
    const queue = {
      async addBulk(jobs: { opts?: JobOptions }[]) {
        for (const j of jobs) runsAt.set(j.opts!.jobId!, clock.now().getTime() + j.opts!.delay!);
        await clock.advance(5_000); // a busy Redis: each slice takes seconds
      },
    } as unknown as Queue;
    // each in a window of its own: one job each, under the timer's own id
    const timers = Array.from({ length: 2_500 }, (_, i) => timer(`t${i}`, start + 60_000 + i * 1_000));
    expect(await enqueueTimers(ctx, queue, timers)).toBe(2_500);
    expect(runsAt.size).toBe(2_500);
    for (const t of timers) expect(runsAt.get(t.id)).toBe(t.at);
  });

  it('puts timers due within a moment of each other in one job, run at the last one, 500 at most', () => {
    const at = Date.parse(MONDAY_10);
    const burst = Array.from({ length: 1_200 }, (_, i) => timer(`b${String(i).padStart(4, '0')}`, at));
    const close = [timer('c1', at + 60_000 + 10), timer('c2', at + 60_000 + 150)];
    const lone = timer('lone', at + 3_600_000);
    const jobs = timerJobs([lone, ...close, ...burst, burst[0]]);
    expect(jobs.map((j) => [j.timers.length, j.at])).toEqual([
      [TIMERS_PER_JOB, at],
      [TIMERS_PER_JOB, at],
      [200, at],
      [2, at + 60_000 + 150],
      [1, at + 3_600_000],
    ]);
    // a lone timer keeps its own id (it can be taken off the queue by it); a group's id comes
    // from its timers, so the same timers queued again (a reconcile, a restart) make no new job
    expect(jobs.at(-1)!.id).toBe('lone');
    expect(jobs[0].id).toMatch(/^timers:\d+:[0-9a-f]{16}$/);
    expect(timerJobs([...burst].reverse()).map((j) => j.id)).toEqual(jobs.slice(0, 3).map((j) => j.id));
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
  });

  it('fires every timer of a group job once, however often the group is queued', async () => {
    const r = await rig();
    try {
      const [a, b] = [await dispatchedCall(r, '晨辉路30号'), await dispatchedCall(r, '晨辉路32号')];
      const timers = r.driver.queue('timers');
      // both calls' timers again, as one group each instant (the rounds after their commits
      // queued them call by call)
      await scheduleTimers(r.ctx, timers);
      await scheduleTimers(r.ctx, timers);
      await r.to('2026-11-23T12:00');
      expect([await steps(r, a), await steps(r, b)]).toEqual([
        ['ack:remind', 'ack:due'],
        ['ack:remind', 'ack:due'],
      ]);
    } finally {
      await r.stop();
      await r.t.close();
    }
  });
});
