// The runtime built from the environment: deployments (or a test and a server) sharing one Redis
// database keep apart by their queue prefix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../config/log.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { queuePrefix, redisUrl } from '../test/queues.ts';
import { loadServiceEnv } from './adapters.ts';
import { createRuntime, type Runtime } from './runtime.ts';

describe.skipIf(!redisUrl || !process.env.DATABASE_URL)('queue prefix (HUYING_QUEUE_PREFIX)', () => {
  let t: TestDb;
  const runtimes: Runtime[] = [];
  const runtime = async (prefix?: string) => {
    const r = await createRuntime(
      loadServiceEnv({
        DATABASE_URL: t.url,
        REDIS_URL: redisUrl,
        ...(prefix ? { HUYING_QUEUE_PREFIX: prefix } : {}),
        NODE_ENV: 'test',
      }),
      { log: silentLogger },
    );
    runtimes.push(r);
    return r;
  };
  beforeAll(async () => {
    t = await freshDb();
  });
  afterAll(async () => {
    for (const r of runtimes) await r.close();
    await t?.close();
  });

  it("keeps one deployment's jobs from another's on the same Redis", async () => {
    const a = await runtime(queuePrefix());
    const b = await runtime(queuePrefix());
    const twinOfA = await runtime((a.queues as unknown as { prefix: string }).prefix);
    await a.queues.queue('send').add('send', { outboxId: '1' }, { delay: 60_000 });
    expect((await a.queues.queue('send').counts()).delayed).toBe(1);
    expect((await twinOfA.queues.queue('send').counts()).delayed).toBe(1);
    expect((await b.queues.queue('send').counts()).delayed).toBe(0);
  });

  it('refuses a prefix that is not a plain word', () => {
    expect(() => loadServiceEnv({ HUYING_QUEUE_PREFIX: 'a b:c' })).toThrow(/HUYING_QUEUE_PREFIX/);
  });
});
