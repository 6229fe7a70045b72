// What every part of a running process shares: the runtime, the handler context with its router,
// the platform senders, the listeners on commits and what to stop at shutdown.
import type { Ctx, Effects } from '../handlers/context.ts';
import type { PlatformSender } from '../jobs/platform.ts';
import { createRouter, type Router } from './router.ts';
import type { Runtime } from './runtime.ts';

/** What a process does: take requests (web), run the jobs (worker), or both. */
export type Role = 'web' | 'worker' | 'all';

export interface Services {
  runtime: Runtime;
  ctx: Ctx;
  router: Router;
  role: Role;
  /** platform name → sender; adapters register theirs at start */
  senders: Map<string, PlatformSender>;
  /** called after each commit that wrote outbox rows or changed deadlines */
  effects: { listeners: ((e: Effects) => void)[] };
  /** things to stop at shutdown, in reverse order */
  stoppers: (() => Promise<void>)[];
}

export function createServices(runtime: Runtime, role: Role): Services {
  const effects: Services['effects'] = { listeners: [] };
  const ctx: Ctx = {
    db: runtime.database.db,
    district: runtime.district,
    clock: runtime.clock,
    log: runtime.log,
    afterCommit: (e) => {
      for (const l of effects.listeners) l(e);
    },
  };
  return { runtime, ctx, router: createRouter(ctx), role, senders: new Map(), effects, stoppers: [] };
}

/** How often a process looks for recorded events nobody is working on. */
const INBOX_SWEEP_MS = 5_000;

/**
 * Continuous replay: an event that was accepted (answered) but never processed — the process
 * died in between, or its work failed for now — is taken on by whichever running process finds
 * it first once its claim has run out, whatever the backlog's size.
 */
export function startInboxSweep(services: Services, everyMs = INBOX_SWEEP_MS) {
  const { ctx, router } = services;
  let busy: Promise<unknown> | null = null;
  const sweep = () => {
    if (busy) return;
    busy = router
      .replay()
      .then((n) => {
        if (n) ctx.log.info({ replayed: n }, 'took on events no process was working on');
      })
      .catch((err) => ctx.log.warn({ err }, 'inbox sweep failed; the next one retries'))
      .finally(() => {
        busy = null;
      });
  };
  sweep();
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  services.stoppers.push(async () => {
    clearInterval(timer);
    await busy;
  });
}
