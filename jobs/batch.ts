// Gathers work arriving close together into one call: timer jobs falling due at one instant fire
// in one transaction instead of one each. A batch that fails runs again item by item, so one bad
// item holds up no other and each job keeps its own outcome (and its own retries).

export interface BatcherOptions<T, R> {
  /** runs a batch; results in the order of the items */
  run(items: T[]): Promise<R[]>;
  /** runs one item alone, when its batch failed */
  one(item: T): Promise<R>;
  /** the most items in one batch */
  max: number;
  /** how long the first item waits for others (ms) */
  lingerMs: number;
}

export interface Batcher<T, R> {
  add(item: T): Promise<R>;
}

export function batcher<T, R>(o: BatcherOptions<T, R>): Batcher<T, R> {
  let pending: { item: T; resolve(r: R): void; reject(e: unknown): void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (!batch.length) return;
    o.run(batch.map((b) => b.item)).then(
      (results) => {
        for (const [i, b] of batch.entries()) b.resolve(results[i]);
      },
      (err) => {
        if (batch.length === 1) return batch[0].reject(err);
        for (const b of batch) o.one(b.item).then(b.resolve, b.reject);
      },
    );
  };
  return {
    add(item) {
      return new Promise<R>((resolve, reject) => {
        pending.push({ item, resolve, reject });
        if (pending.length >= o.max) flush();
        else if (!timer) timer = setTimeout(flush, o.lingerMs);
      });
    },
  };
}
