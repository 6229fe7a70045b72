// Queue drivers for tests: BullMQ on the real Redis (REDIS_URL) with a prefix of its own,
// and the in-process driver.
import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../config/clock.ts';
import { BullMqDriver } from '../jobs/bullmq.ts';
import { MemoryDriver } from '../jobs/memory.ts';
import type { QueueDriver } from '../jobs/queue.ts';

export const redisUrl = process.env.REDIS_URL;

/** A queue prefix of its own, so that a test's server shares Redis with no other test's. */
export const queuePrefix = () => `huying-test-${randomBytes(4).toString('hex')}`;

/** The environment for a server on the real Redis, when there is one, with its own prefix. */
export const redisEnv = (): Record<string, string> =>
  redisUrl ? { REDIS_URL: redisUrl, HUYING_QUEUE_PREFIX: queuePrefix() } : {};

export async function bullmqDriver(): Promise<BullMqDriver> {
  if (!redisUrl) throw new Error('REDIS_URL is not set');
  return BullMqDriver.connect(redisUrl, { prefix: queuePrefix() });
}

/** The drivers a contract runs on here: always in-process; BullMQ when Redis is configured. */
export const driverFactories: [string, (clock?: Clock) => Promise<QueueDriver>][] = [
  ['memory', async (clock = systemClock) => new MemoryDriver(clock)],
  ...(redisUrl ? [['bullmq', async () => bullmqDriver()] as [string, () => Promise<QueueDriver>]] : []),
];

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
