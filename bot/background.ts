// The work after a platform's answer: an in-process queue every adapter runs its accepted events
// through, narrowed under a flood, with emergencies ahead of everything.
import type { Logger } from '../config/log.ts';
import type { Lane } from '../jobs/lane.ts';
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
  const [r] = await processManyLogged(router, [{ inbound, requestLog }], () => log, platform);
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

/** The same for several events worked through together (router.processMany); `logOf` gives the
 * adapter's logger for a delivering request's. */
export async function processManyLogged(
  router: Router,
  list: { inbound: Inbound; requestLog?: Logger }[],
  logOf: (requestLog?: Logger) => Logger,
  platform: string,
): Promise<PromiseSettledResult<RouteResult>[]> {
  const started = performance.now();
  const results = await router.processMany(list.map((e) => ({ inbound: e.inbound, log: e.requestLog })));
  const ms = Math.round(performance.now() - started);
  for (const [i, r] of results.entries()) {
    const { inbound, requestLog } = list[i];
    const log = logOf(requestLog);
    if (r.status === 'fulfilled')
      log.debug(
        {
          eventId: inbound.eventId,
          status: r.value.status,
          callNo: r.value.outcome?.ok ? r.value.outcome.callNo : undefined,
          ms,
          ...(list.length > 1 ? { together: list.length } : {}),
        },
        `${platform}: event processed`,
      );
    else
      log.error(
        { err: r.reason, eventId: inbound.eventId, chatId: inbound.chatId },
        `${platform}: event failed`,
      );
  }
  return results;
}

/** How many waiting events one worker takes and works through together. */
export const DRAIN_MAX = 100;

/**
 * Accepted events waiting for their work, taken up to `max` at a time by whichever of the
 * queue's workers comes free and worked through together: under a flood, when the queue runs
 * one worker, the backlog still becomes calls a hundred at a time, not one by one. An urgent
 * event (an emergency) is worked on at once, alone, ahead of them.
 */
export function eventDrain(o: {
  router: Router;
  queue: BackgroundQueue;
  lane: Lane;
  platform: string;
  logOf: (requestLog?: Logger) => Logger;
  max?: number;
}) {
  const waiting: { inbound: Inbound; requestLog?: Logger }[] = [];
  const max = o.max ?? DRAIN_MAX;
  return (inbound: Inbound, requestLog: Logger | undefined, urgent: boolean) => {
    if (urgent)
      return o.queue.push(
        () => o.lane(() => processLogged(o.router, inbound, o.logOf(requestLog), o.platform, requestLog)),
        true,
      );
    waiting.push({ inbound, requestLog });
    // one job per event, so the queue's size stays the backlog; a job finding nothing left ends
    o.queue.push(async () => {
      const batch = waiting.splice(0, max);
      if (batch.length) await o.lane(() => processManyLogged(o.router, batch, o.logOf, o.platform));
    });
  };
}

/**
 * A small in-process work queue: bounded concurrency (a number, or asked again before each
 * start), and a way to wait until it is empty.
 */
export type BackgroundQueue = ReturnType<typeof backgroundQueue>;

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
