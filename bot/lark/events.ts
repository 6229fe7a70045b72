// What both transports (webhook and long connection) do with an event: normalise, record it once
// (duplicates end here), answer at once, and do the work without keeping Lark waiting.
import type { Logger } from '../../config/log.ts';
import { queueRows } from '../../db/outbox.ts';
import type { Ctx } from '../../handlers/context.ts';
import { exclusiveLane, type Lane, openLane } from '../../jobs/lane.ts';
import { backgroundQueue, eventDrain, processLogged as processOne } from '../background.ts';
import type { Inbound } from '../inbound.ts';
import type { RouteResult, Router } from '../router.ts';
import {
  type LarkCardActionEvent,
  type LarkMessageEvent,
  normalizeCardAction,
  normalizeMessage,
} from './inbound.ts';
import { type LarkCard, renderCard } from './render.ts';

export type ToastType = 'info' | 'success' | 'warning' | 'error';

/** The answer to a card callback: a toast, and the card as it should now look. */
export interface CardAnswer {
  toast?: { type: ToastType; content: string };
  card?: { type: 'raw'; data: LarkCard };
}

export interface LarkEventsOptions {
  ctx: Ctx;
  router: Router;
  /** the bot's open_id, to tell a mention of the bot from a mention of someone else */
  botOpenId(): Promise<string>;
  /** how long a card action may run before the callback is answered without it (Lark allows 3 s) */
  cardBudgetMs?: number;
  /** messages processed at once after their answer; the rest wait their turn (the pool is shared) */
  concurrency?: number;
  /**
   * One database operation at a time, records before processing (embedded PGlite: pglite-socket
   * interleaves statements of concurrent connections, which stalls or breaks transactions).
   */
  exclusive?: boolean;
}

export interface LarkEvents {
  /**
   * Records a message event and schedules its processing; resolves once it is safe to answer.
   * `requestLog`: the delivering request's logger, so the lines of the work after the answer
   * carry its request id too.
   */
  onMessage(
    e: LarkMessageEvent,
    requestLog?: Logger,
  ): Promise<{ status: 'accepted' | 'duplicate' | 'ignored' }>;
  /** Runs a card action within the budget and says what to answer. */
  onCardAction(e: LarkCardActionEvent, requestLog?: Logger): Promise<CardAnswer>;
  /** Resolves when nothing is waiting or running (tests, shutdown, the benchmark). */
  idle(): Promise<void>;
  /** events waiting or running in the background */
  backlog(): number;
}

/** A flood: events accepted within this many ms of each other… */
const FLOOD_QUIET_MS = 250;
/** …with more than this many waiting or running behind the answers. */
const FLOOD_BACKLOG = 50;

const TOAST_MAX = 80;
const clip = (s: string) => ([...s].length > TOAST_MAX ? `${[...s].slice(0, TOAST_MAX - 1).join('')}…` : s);

export function toastFor(r: RouteResult): CardAnswer['toast'] {
  switch (r.status) {
    case 'handled':
      return { type: 'success', content: clip(r.toast ?? '已办理') };
    case 'refused':
      return { type: 'warning', content: clip(r.toast ?? '未能办理') };
    case 'hint':
      return { type: 'info', content: clip(r.toast ?? '请按提示补充') };
    case 'duplicate':
      return { type: 'info', content: '已收到' };
    default:
      return { type: 'info', content: '此群尚未绑定，操作未办理' };
  }
}

export function answerFor(r: RouteResult): CardAnswer {
  return {
    toast: toastFor(r),
    ...(r.cardUpdate ? { card: { type: 'raw' as const, data: renderCard(r.cardUpdate) } } : {}),
  };
}

export function createLarkEvents(opts: LarkEventsOptions): LarkEvents {
  const { ctx, router } = opts;
  const log = ctx.log.child({ platform: 'lark' });
  /** lines about one delivery: with its request's id when it came by webhook */
  const logOf = (requestLog?: Logger) => (requestLog ? requestLog.child({ platform: 'lark' }) : log);
  const budget = opts.cardBudgetMs ?? 2000;
  const lane: Lane = opts.exclusive ? exclusiveLane() : openLane;
  // Answers first: while events keep arriving with a backlog in hand (a flood), the work after
  // the answers runs one at a time, leaving the cores to the answers Lark waits for (late ones
  // are retried, which feeds the flood); once the flood passes it runs at full width again.
  const width = opts.exclusive ? 1 : (opts.concurrency ?? 4);
  let lastAcceptedAt = Number.NEGATIVE_INFINITY;
  const flooding = () => performance.now() - lastAcceptedAt < FLOOD_QUIET_MS && queue.size() > FLOOD_BACKLOG;
  const queue = backgroundQueue(
    () => (flooding() ? 1 : width),
    (err) => log.error({ err }, 'lark: background work failed'),
  );

  const drain = eventDrain({ router, queue, lane, platform: 'lark', logOf });
  const processLogged = (inbound: Inbound, requestLog?: Logger) =>
    processOne(router, inbound, logOf(requestLog), 'lark', requestLog);

  /** A card action that outran the budget: its card update goes out through the outbox. */
  async function queueCardUpdate(inbound: Inbound, r: RouteResult) {
    if (!r.cardUpdate || !inbound.messageId) return;
    const now = ctx.clock.now();
    await queueRows(ctx.db, [
      {
        created_at: now,
        kind: 'card_update',
        platform: 'lark',
        chat_id: inbound.chatId,
        call_id: r.outcome?.ok ? (r.outcome.callId ?? null) : null,
        payload: JSON.stringify({ message: r.cardUpdate, platformMessageId: inbound.messageId }),
        idempotency_key: `lark:card_update:${inbound.eventId ?? `${inbound.messageId}:${now.getTime()}`}`,
        available_at: now,
      },
    ]);
    ctx.afterCommit?.({ outbox: true, timers: [] });
  }

  return {
    async onMessage(e, requestLog) {
      const inbound = normalizeMessage(e, await opts.botOpenId());
      if (!inbound) return { status: 'ignored' };
      if (!(await lane(() => router.accept(inbound), true))) {
        logOf(requestLog).debug({ eventId: inbound.eventId }, 'lark: duplicate event');
        return { status: 'duplicate' };
      }
      lastAcceptedAt = performance.now();
      // an emergency is worked on at once, ahead of any backlog (a flood of routine reports)
      drain(inbound, requestLog, router.urgent(inbound));
      return { status: 'accepted' };
    },

    async onCardAction(e, requestLog) {
      const inbound = normalizeCardAction(e);
      if (!inbound) {
        logOf(requestLog).info({ eventId: e.event_id }, 'lark: card action without our command ignored');
        return {};
      }
      if (!(await lane(() => router.accept(inbound), true))) return {};
      const work = lane(() => processLogged(inbound, requestLog), true);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), budget);
      });
      try {
        const first = await Promise.race([work, late]);
        if (first !== 'late') return answerFor(first);
      } catch {
        return { toast: { type: 'error', content: '办理失败，请稍后重试' } };
      } finally {
        clearTimeout(timer);
      }
      logOf(requestLog).info(
        { eventId: inbound.eventId, budgetMs: budget },
        'lark: card action outran the budget',
      );
      queue.push(() => work.then((r) => lane(() => queueCardUpdate(inbound, r))));
      return { toast: { type: 'info', content: '正在办理，稍后更新卡片' } };
    },

    idle: () => queue.idle(),
    backlog: () => queue.size(),
  };
}
