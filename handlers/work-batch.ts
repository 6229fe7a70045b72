// Writing together what several events worked through at once lead to: the router works a
// backlog of events side by side, and the writes of one kind (new calls from reports) wait for
// each other and go to the database as one transaction of multi-row statements, instead of one
// transaction each. A batch that fails is written again item by item, so one bad item holds up
// no other and each keeps its own outcome.

export interface WorkBatch {
  /**
   * Adds an item to the writes of its kind and resolves with its own result once they are
   * written. `write` writes items of that kind, results in their order (the first joiner's is
   * used for the whole kind).
   */
  join<T, R>(kind: string, item: T, write: (items: T[]) => Promise<R[]>): Promise<R>;
  /** one of the batch's lines of work is done (ended, however) */
  settled(): void;
}

interface Parked {
  item: unknown;
  resolve(r: unknown): void;
  reject(e: unknown): void;
}

/**
 * A batch over `total` lines of work run side by side (one person's events, in order): its
 * writes go out when every line is either waiting on one or done, so nothing that could still
 * join is left behind, and nothing waits on a timer.
 */
export function workBatch(total: number): WorkBatch {
  const kinds = new Map<string, { write(items: unknown[]): Promise<unknown[]>; parked: Parked[] }>();
  let parked = 0;
  let settled = 0;

  const flush = () => {
    if (!parked || parked + settled < total) return;
    parked = 0;
    for (const kind of kinds.values()) {
      const batch = kind.parked;
      kind.parked = [];
      if (batch.length) void writeAll(kind.write, batch);
    }
  };

  return {
    join<T, R>(kind: string, item: T, write: (items: T[]) => Promise<R[]>): Promise<R> {
      let k = kinds.get(kind);
      if (!k) {
        k = { write: write as (items: unknown[]) => Promise<unknown[]>, parked: [] };
        kinds.set(kind, k);
      }
      const at = k;
      return new Promise<R>((resolve, reject) => {
        at.parked.push({ item, resolve: resolve as (r: unknown) => void, reject });
        parked++;
        flush();
      });
    },
    settled() {
      settled++;
      flush();
    },
  };
}

async function writeAll(write: (items: unknown[]) => Promise<unknown[]>, batch: Parked[]) {
  try {
    const results = await write(batch.map((b) => b.item));
    for (const [i, b] of batch.entries()) b.resolve(results[i]);
  } catch (err) {
    if (batch.length === 1) return batch[0].reject(err);
    for (const b of batch) write([b.item]).then((r) => b.resolve(r[0]), b.reject);
  }
}
