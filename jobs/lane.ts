// Small tools for doing one thing at a time and not waiting forever, shared by the job layer and
// the adapters: a lane (a lock handed on in order, urgent waiters first) and a timeout.

/** Runs `fn` when the lane is free; an urgent caller (an event a platform waits on) goes first. */
export type Lane = <T>(fn: () => Promise<T>, urgent?: boolean) => Promise<T>;

/** One piece of work at a time (embedded PGlite mixes up the statements of concurrent connections). */
export function exclusiveLane(): Lane {
  let busy = false;
  const urgentWaiting: (() => void)[] = [];
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = urgentWaiting.shift() ?? waiting.shift();
    if (next) next();
    else busy = false;
  };
  return async (fn, urgent = false) => {
    if (busy) await new Promise<void>((resolve) => (urgent ? urgentWaiting : waiting).push(resolve));
    else busy = true;
    try {
      return await fn();
    } finally {
      release();
    }
  };
}

/** No lane at all: everything at once. */
export const openLane: Lane = (fn) => fn();

/** The promise, or a rejection naming `what` once `ms` have passed without an answer. */
export function withTimeout<T>(p: Promise<T>, ms: number, what = 'no answer'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
