// The work after a platform's answer: an in-process queue every adapter runs its accepted events
// through, narrowed under a flood, with emergencies ahead of everything.
import type { Logger } from '../config/log.ts';
import type { Inbound } from './inbound.ts';
import type { RouteResult, Router } from './router.ts';

/**
 * Works an accepted event through the router, with a line when it is done and another when it
 * failed (the router has recorded the failure in inbound_events with the event's payload).
 * `log`: the adapter's logger, or the delivering request's, so the lines carry its id.
 */
export async function processLogged(
  router: Router,
  inbound: Inbound,
  log: Logger,
  platform: string,
  requestLog?: Logger,
): Promise<RouteResult> {
  const started = performance.now();
  try {
    const r = await router.process(inbound, { log: requestLog });
    log.debug(
      {
        eventId: inbound.eventId,
        status: r.status,
        callNo: r.outcome?.ok ? r.outcome.callNo : undefined,
        ms: Math.round(performance.now() - started),
      },
      `${platform}: event processed`,
    );
    return r;
  } catch (err) {
    log.error({ err, eventId: inbound.eventId, chatId: inbound.chatId }, `${platform}: event failed`);
    throw err;
  }
}

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
