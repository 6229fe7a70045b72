// One small queue interface for the whole app, with two drivers: BullMQ on Redis and an
// in-process driver for the embedded default. Job code never knows which it runs on.
export interface JobOptions {
  /** milliseconds from now (on the app's clock for the in-process driver) */
  delay?: number;
  /** a deterministic id: adding a job whose id is already queued does nothing */
  jobId?: string;
  attempts?: number;
  backoff?: { type: 'exponential' | 'fixed'; delay: number };
}

export interface Job<T = unknown> {
  id: string;
  name: string;
  data: T;
  /** attempts already made before this one */
  attemptsMade: number;
  /** true when a failure now will not be retried */
  isFinalAttempt: boolean;
}

export type Processor<T = any> = (job: Job<T>) => Promise<void>;

export interface RepeatOptions {
  /** cron pattern, e.g. '0 9 1 * *' */
  pattern: string;
  tz: string;
}

export interface QueueCounts {
  waiting: number;
  delayed: number;
  active: number;
  failed: number;
}

export interface Queue {
  readonly name: string;
  add<T>(name: string, data: T, opts?: JobOptions): Promise<string>;
  addBulk<T>(jobs: { name: string; data: T; opts?: JobOptions }[]): Promise<void>;
  /** true when a job with that id was waiting or delayed and is now gone */
  remove(jobId: string): Promise<boolean>;
  /** makes a delayed job run now; false if there is none with that id */
  promote(jobId: string): Promise<boolean>;
  repeat<T>(key: string, name: string, data: T, opts: RepeatOptions): Promise<void>;
  process(processor: Processor, opts?: { concurrency?: number }): void;
  counts(): Promise<QueueCounts>;
}

export interface QueueDriver {
  readonly kind: 'bullmq' | 'memory';
  queue(name: string): Queue;
  ping(): Promise<void>;
  /** stops taking new jobs, lets jobs in hand finish, then closes connections */
  close(): Promise<void>;
}

/** A failure that retrying cannot fix (a 4xx from a platform, bad data): fail at once. */
export class PermanentJobError extends Error {
  readonly code = 'job_permanent';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentJobError';
  }
}

export const defaultJobOptions = {
  attempts: 8,
  backoff: { type: 'exponential' as const, delay: 1000 },
};

export function backoffDelay(opts: JobOptions, attemptsMade: number): number {
  const b = opts.backoff ?? defaultJobOptions.backoff;
  return b.type === 'fixed' ? b.delay : b.delay * 2 ** Math.max(0, attemptsMade - 1);
}
