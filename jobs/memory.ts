// The in-process queue driver for the embedded default: same contract as BullMQ, no Redis.
// Delays run on the app's clock, so a manual clock's advance fires what fell due.
import { CronExpressionParser } from 'cron-parser';
import { type Clock, isManualClock } from '../config/clock.ts';
import {
  backoffDelay,
  defaultJobOptions,
  type JobOptions,
  PermanentJobError,
  type Processor,
  type Queue,
  type QueueCounts,
  type QueueDriver,
  type RepeatOptions,
} from './queue.ts';

interface Entry {
  id: string;
  name: string;
  data: unknown;
  opts: JobOptions;
  attemptsMade: number;
  state: 'waiting' | 'delayed' | 'active' | 'failed';
  dueAt: number;
  seq: number;
  timer?: NodeJS.Timeout;
  repeatKey?: string;
}

let seqCounter = 0;

class MemoryQueue implements Queue {
  private entries = new Map<string, Entry>();
  private processor?: Processor;
  private concurrency = 1;
  private active = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private schedulers = new Map<string, { name: string; data: unknown; opts: RepeatOptions }>();

  constructor(
    readonly name: string,
    private clock: Clock,
    private onError: (err: unknown) => void,
  ) {}

  async add<T>(name: string, data: T, opts: JobOptions = {}): Promise<string> {
    return this.enqueue(name, data, opts);
  }

  async addBulk<T>(jobs: { name: string; data: T; opts?: JobOptions }[]): Promise<void> {
    for (const j of jobs) this.enqueue(j.name, j.data, j.opts ?? {});
  }

  private enqueue(name: string, data: unknown, opts: JobOptions, repeatKey?: string): string {
    const id = opts.jobId ?? `m${++seqCounter}`;
    if (this.entries.has(id) || this.closed) return id;
    const delay = Math.max(0, opts.delay ?? 0);
    const entry: Entry = {
      id,
      name,
      data,
      opts,
      attemptsMade: 0,
      state: delay > 0 ? 'delayed' : 'waiting',
      dueAt: this.clock.now().getTime() + delay,
      seq: ++seqCounter,
      repeatKey,
    };
    this.entries.set(id, entry);
    if (delay > 0) this.arm(entry);
    else this.pump();
    return id;
  }

  /** A delayed job waits on a real timer, or for the manual clock to pass its due time. */
  private arm(entry: Entry, realDelay?: number) {
    if (isManualClock(this.clock) && realDelay === undefined) return;
    const ms = realDelay ?? entry.dueAt - this.clock.now().getTime();
    entry.timer = setTimeout(() => this.makeWaiting(entry), Math.min(Math.max(0, ms), 2 ** 31 - 1));
    entry.timer.unref?.();
  }

  private makeWaiting(entry: Entry) {
    if (this.entries.get(entry.id) !== entry || entry.state !== 'delayed') return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.state = 'waiting';
    this.pump();
  }

  /** The earliest due time after `now` of a job waiting for the manual clock. */
  nextDue(now: number): number | undefined {
    let next: number | undefined;
    for (const e of this.entries.values())
      if (e.state === 'delayed' && !e.timer && e.dueAt > now && (next === undefined || e.dueAt < next))
        next = e.dueAt;
    return next;
  }

  /** Called when the manual clock moves: due jobs become waiting; resolves once all ran. */
  async fireDue(now: number): Promise<void> {
    const due = [...this.entries.values()]
      .filter((e) => e.state === 'delayed' && e.dueAt <= now && !e.timer)
      .sort((a, b) => a.dueAt - b.dueAt || a.seq - b.seq);
    for (const e of due) this.makeWaiting(e);
    await this.idle();
  }

  async remove(jobId: string): Promise<boolean> {
    const e = this.entries.get(jobId);
    if (!e || (e.state !== 'waiting' && e.state !== 'delayed')) return false;
    if (e.timer) clearTimeout(e.timer);
    this.entries.delete(jobId);
    return true;
  }

  async promote(jobId: string): Promise<boolean> {
    const e = this.entries.get(jobId);
    if (e?.state !== 'delayed') return false;
    this.makeWaiting(e);
    return true;
  }

  async repeat<T>(key: string, name: string, data: T, opts: RepeatOptions): Promise<void> {
    this.schedulers.set(key, { name, data, opts });
    for (const e of this.entries.values())
      if (e.repeatKey === key && e.state === 'delayed') await this.remove(e.id);
    this.scheduleNext(key);
  }

  private scheduleNext(key: string) {
    const s = this.schedulers.get(key);
    if (!s) return;
    const now = this.clock.now();
    const next = CronExpressionParser.parse(s.opts.pattern, { currentDate: now, tz: s.opts.tz })
      .next()
      .getTime();
    this.enqueue(s.name, s.data, { jobId: `repeat-${key}-${next}`, delay: next - now.getTime() }, key);
  }

  process(processor: Processor, opts: { concurrency?: number } = {}): void {
    this.processor = processor;
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
    this.pump();
  }

  async counts(): Promise<QueueCounts> {
    const c: QueueCounts = { waiting: 0, delayed: 0, active: 0, failed: 0 };
    for (const e of this.entries.values()) c[e.state]++;
    return c;
  }

  private pump() {
    if (!this.processor || this.closed) return this.notifyIdle();
    while (this.active < this.concurrency) {
      const next = [...this.entries.values()]
        .filter((e) => e.state === 'waiting')
        .sort((a, b) => a.seq - b.seq)[0];
      if (!next) break;
      this.run(next);
    }
    this.notifyIdle();
  }

  private run(e: Entry) {
    const processor = this.processor!;
    e.state = 'active';
    this.active++;
    const attempts = e.opts.attempts ?? defaultJobOptions.attempts;
    const job = {
      id: e.id,
      name: e.name,
      data: e.data,
      attemptsMade: e.attemptsMade,
      isFinalAttempt: e.attemptsMade + 1 >= attempts,
    };
    // Run on a later tick so a job never runs inside the call that added it.
    setImmediate(async () => {
      try {
        await processor(job);
        this.entries.delete(e.id);
        if (e.repeatKey) this.scheduleNext(e.repeatKey);
      } catch (err) {
        e.attemptsMade++;
        if (err instanceof PermanentJobError || e.attemptsMade >= attempts || this.closed) {
          e.state = 'failed';
          this.onError(err);
        } else {
          e.state = 'delayed';
          this.arm(e, backoffDelay(e.opts, e.attemptsMade));
        }
      } finally {
        this.active--;
        this.pump();
      }
    });
  }

  private hasWork() {
    return (
      this.active > 0 || (!!this.processor && [...this.entries.values()].some((e) => e.state === 'waiting'))
    );
  }

  private notifyIdle() {
    if (this.hasWork()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  /** Resolves when nothing is waiting or running (delayed jobs don't count). */
  idle(): Promise<void> {
    if (!this.hasWork()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
    while (this.active > 0) await new Promise((r) => setTimeout(r, 10));
  }
}

export class MemoryDriver implements QueueDriver {
  readonly kind = 'memory';
  private queues = new Map<string, MemoryQueue>();
  private unsubscribe?: () => void;

  constructor(
    private clock: Clock,
    private onError: (err: unknown) => void = () => {},
  ) {
    if (isManualClock(clock))
      this.unsubscribe = clock.onAdvance(
        (now) => this.fireDue(now.getTime()),
        (now) => {
          const due = [...this.queues.values()].map((q) => q.nextDue(now)).filter((t) => t !== undefined);
          return due.length ? Math.min(...due) : undefined;
        },
      );
  }

  queue(name: string): MemoryQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new MemoryQueue(name, this.clock, this.onError);
      this.queues.set(name, q);
    }
    return q;
  }

  /** Fires due jobs in every queue until nothing more falls due (jobs may add jobs). */
  private async fireDue(now: number) {
    for (let round = 0; round < 10; round++) {
      const before = await this.snapshot();
      for (const q of this.queues.values()) await q.fireDue(now);
      if ((await this.snapshot()) === before) break;
    }
  }

  private async snapshot() {
    const parts: string[] = [];
    for (const q of this.queues.values()) parts.push(JSON.stringify(await q.counts()));
    return parts.join();
  }

  /** Resolves when every queue is idle. */
  async idle(): Promise<void> {
    for (let i = 0; i < 3; i++) for (const q of this.queues.values()) await q.idle();
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
