// The queue contract: both drivers (in-process always; BullMQ on the real Redis in CI).
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../config/clock.ts';
import { driverFactories, until } from '../test/queues.ts';
import { MemoryDriver } from './memory.ts';
import { PermanentJobError, type QueueDriver } from './queue.ts';

describe.each(driverFactories)('queue contract: %s', (_name, make) => {
  let driver: QueueDriver;
  afterEach(async () => driver?.close());

  it('runs a job with its data', async () => {
    driver = await make();
    const q = driver.queue('contract');
    const seen: unknown[] = [];
    q.process(async (job) => {
      seen.push([job.name, job.data]);
    });
    await q.add('hello', { n: 1 });
    await until(() => seen.length === 1, 'the job');
    expect(seen).toEqual([['hello', { n: 1 }]]);
  });

  it('ignores a second job with the same id while the first is queued', async () => {
    driver = await make();
    const q = driver.queue('contract');
    await q.add('t', { v: 1 }, { jobId: 'call:1:remind:0', delay: 60_000 });
    await q.add('t', { v: 2 }, { jobId: 'call:1:remind:0', delay: 60_000 });
    expect((await q.counts()).delayed).toBe(1);
  });

  it('keeps a delayed job until due, and removes or promotes it by id', async () => {
    driver = await make();
    const q = driver.queue('contract');
    const seen: string[] = [];
    q.process(async (job) => {
      seen.push(job.id);
    });
    await q.add('a', {}, { jobId: 'a:1', delay: 60_000 });
    await q.add('b', {}, { jobId: 'b:1', delay: 60_000 });
    expect((await q.counts()).delayed).toBe(2);
    expect(await q.remove('a:1')).toBe(true);
    expect(await q.remove('a:1')).toBe(false);
    expect(await q.remove('never')).toBe(false);
    expect(await q.promote('b:1')).toBe(true);
    await until(() => seen.length === 1, 'the promoted job');
    expect(seen[0]).toMatch(/^b.1$/);
    expect(await q.promote('b:1')).toBe(false);
  });

  it('retries a failing job with backoff and tells the last attempt', async () => {
    driver = await make();
    const q = driver.queue('contract');
    const attempts: [number, boolean][] = [];
    q.process(async (job) => {
      attempts.push([job.attemptsMade, job.isFinalAttempt]);
      if (job.attemptsMade < 2) throw new Error('flaky platform');
    });
    await q.add('t', {}, { attempts: 3, backoff: { type: 'fixed', delay: 20 } });
    await until(() => attempts.length === 3, 'three attempts');
    expect(attempts).toEqual([
      [0, false],
      [1, false],
      [2, true],
    ]);
  });

  it('does not retry a permanent failure', async () => {
    driver = await make();
    const q = driver.queue('contract');
    let runs = 0;
    q.process(async () => {
      runs++;
      throw new PermanentJobError('400 invalid receive_id');
    });
    await q.add('t', {}, { attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    await until(async () => (await q.counts()).failed === 1, 'the failure');
    expect(runs).toBe(1);
  });

  it('registers a repeatable schedule once, however often it is declared', async () => {
    driver = await make();
    const q = driver.queue('contract');
    await q.repeat('bulletin', 'bulletin', {}, { pattern: '0 9 1 * *', tz: 'Asia/Shanghai' });
    await q.repeat('bulletin', 'bulletin', {}, { pattern: '0 9 1 * *', tz: 'Asia/Shanghai' });
    expect((await q.counts()).delayed).toBe(1);
  });
});

describe('in-process driver on a manual clock', () => {
  it('fires delayed and repeatable jobs when the clock passes their time, and not before', async () => {
    const clock = new ManualClock('2026-11-30T00:30:00Z'); // 08:30 Shanghai
    const driver = new MemoryDriver(clock);
    const q = driver.queue('timers');
    const seen: string[] = [];
    q.process(async (job) => {
      seen.push(`${job.name}@${clock.now().toISOString()}`);
    });
    await q.add('remind', {}, { delay: 3 * 3600_000 });
    await q.repeat('bulletin', 'bulletin', {}, { pattern: '0 9 1 * *', tz: 'Asia/Shanghai' });
    await clock.advance(2 * 3600_000);
    expect(seen).toEqual([]);
    await clock.advance(3600_000);
    expect(seen).toEqual(['remind@2026-11-30T03:30:00.000Z']);
    await clock.set(new Date('2026-12-01T01:00:00Z')); // 09:00 Shanghai on the 1st
    expect(seen).toEqual(['remind@2026-11-30T03:30:00.000Z', 'bulletin@2026-12-01T01:00:00.000Z']);
    expect((await q.counts()).delayed).toBe(1); // the next month's bulletin
    await driver.close();
  });
});
