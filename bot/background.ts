// The work after a platform's answer: an in-process queue every adapter runs its accepted events
// through, narrowed under a flood, with emergencies ahead of everything.

/**
 * A small in-process work queue: bounded concurrency (a number, or asked again before each
 * start), and a way to wait until it is empty.
 */
export function backgroundQueue(concurrency: number | (() => number), onError: (e: unknown) => void) {
  const limit = typeof concurrency === 'number' ? () => concurrency : concurrency;
  const waiting: (() => Promise<unknown>)[] = [];
  let running = 0;
  let idleWaiters: (() => void)[] = [];
  const start = (job: () => Promise<unknown>) => {
    running++;
    job()
      .catch(onError)
      .finally(() => {
        running--;
        pump();
      });
  };
  const pump = () => {
    while (running < limit() && waiting.length) start(waiting.shift()!);
    if (!running && !waiting.length) {
      const ws = idleWaiters;
      idleWaiters = [];
      for (const w of ws) w();
    }
  };
  return {
    /** an urgent job goes ahead of everything waiting, and starts now whatever the limit */
    push(job: () => Promise<unknown>, urgent = false) {
      if (urgent) return start(job);
      waiting.push(job);
      pump();
    },
    size: () => running + waiting.length,
    idle: () =>
      running || waiting.length
        ? new Promise<void>((resolve) => idleWaiters.push(resolve))
        : Promise.resolve(),
  };
}
