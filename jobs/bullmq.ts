// The BullMQ queue driver: one shared ioredis connection, a Worker per processed queue.
import { Queue as BullQueue, type JobsOptions, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  defaultJobOptions,
  type JobOptions,
  PermanentJobError,
  type Processor,
  type Queue,
  type QueueCounts,
  type QueueDriver,
  type RepeatOptions,
} from './queue.ts';

export class RedisUnreachableError extends Error {
  readonly code = 'redis_unreachable';
  constructor(
    readonly where: string,
    cause: unknown,
  ) {
    super(`cannot reach Redis at ${where}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'RedisUnreachableError';
  }
}

export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(unparseable REDIS_URL)';
  }
}

// BullMQ refuses ':' in custom ids; ours are built from parts joined by ':'.
const safeId = (id: string) => id.replaceAll(':', '.');

function toBull(opts: JobOptions = {}): JobsOptions {
  return {
    delay: opts.delay && opts.delay > 0 ? Math.round(opts.delay) : undefined,
    jobId: opts.jobId ? safeId(opts.jobId) : undefined,
    attempts: opts.attempts ?? defaultJobOptions.attempts,
    backoff: opts.backoff ?? defaultJobOptions.backoff,
    removeOnComplete: true,
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

class BullMqQueue implements Queue {
  private worker?: Worker;
  constructor(
    readonly name: string,
    readonly bull: BullQueue,
    private driver: BullMqDriver,
  ) {}

  async add<T>(name: string, data: T, opts?: JobOptions): Promise<string> {
    const job = await this.bull.add(name, data, toBull(opts));
    return job.id ?? '';
  }

  async addBulk<T>(jobs: { name: string; data: T; opts?: JobOptions }[]): Promise<void> {
    await this.bull.addBulk(jobs.map((j) => ({ name: j.name, data: j.data, opts: toBull(j.opts) })));
  }

  async remove(jobId: string): Promise<boolean> {
    const job = await this.bull.getJob(safeId(jobId));
    if (!job) return false;
    const state = await job.getState();
    if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
    return (await this.bull.remove(safeId(jobId))) === 1;
  }

  async promote(jobId: string): Promise<boolean> {
    const job = await this.bull.getJob(safeId(jobId));
    if (!job || (await job.getState()) !== 'delayed') return false;
    await job.promote();
    return true;
  }

  async repeat<T>(key: string, name: string, data: T, opts: RepeatOptions): Promise<void> {
    await this.bull.upsertJobScheduler(key, { pattern: opts.pattern, tz: opts.tz }, { name, data });
  }

  process(processor: Processor, opts: { concurrency?: number } = {}): void {
    this.worker = new Worker(
      this.name,
      async (job) => {
        const attempts = job.opts.attempts ?? 1;
        try {
          await processor({
            id: job.id ?? '',
            name: job.name,
            data: job.data,
            attemptsMade: job.attemptsMade,
            isFinalAttempt: job.attemptsMade + 1 >= attempts,
          });
        } catch (err) {
          if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
          throw err;
        }
      },
      { connection: this.driver.connection, prefix: this.driver.prefix, concurrency: opts.concurrency ?? 1 },
    );
    this.worker.on('error', (err) => this.driver.onError(err));
  }

  async counts(): Promise<QueueCounts> {
    const c = await this.bull.getJobCounts('waiting', 'delayed', 'active', 'failed', 'prioritized');
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      delayed: c.delayed ?? 0,
      active: c.active ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async closeWorker() {
    await this.worker?.close();
  }
}

export class BullMqDriver implements QueueDriver {
  readonly kind = 'bullmq';
  readonly connection: Redis;
  private queues = new Map<string, BullMqQueue>();

  constructor(
    readonly url: string,
    readonly prefix = 'huying',
    readonly onError: (err: unknown) => void = () => {},
  ) {
    this.connection = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
    this.connection.on('error', (err) => onError(err));
  }

  static async connect(url: string, opts: { prefix?: string; onError?: (err: unknown) => void } = {}) {
    const d = new BullMqDriver(url, opts.prefix, opts.onError);
    try {
      await Promise.race([
        d.connection.connect(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 5 s')), 5000).unref()),
      ]);
      await d.connection.ping();
    } catch (e) {
      d.connection.disconnect();
      throw new RedisUnreachableError(describeRedisUrl(url), e);
    }
    return d;
  }

  queue(name: string): BullMqQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new BullMqQueue(
        name,
        new BullQueue(name, { connection: this.connection, prefix: this.prefix }),
        this,
      );
      q.bull.on('error', (err) => this.onError(err));
      this.queues.set(name, q);
    }
    return q;
  }

  allQueues(): BullQueue[] {
    return [...this.queues.values()].map((q) => q.bull);
  }

  async ping(): Promise<void> {
    await this.connection.ping();
  }

  /** Calls back each time the connection comes back after a loss (Redis may have lost data). */
  onReconnect(cb: () => void): void {
    let lost = false;
    this.connection.on('close', () => {
      lost = true;
    });
    this.connection.on('ready', () => {
      if (lost) {
        lost = false;
        cb();
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.closeWorker()));
    await Promise.all([...this.queues.values()].map((q) => q.bull.close()));
    await this.connection.quit().catch(() => this.connection.disconnect());
  }
}
