// What the webhook does with a decrypted callback: normalise, record it once (duplicates end
// here), answer within WeCom's 5 s, and do the work after. A press is answered with the card as
// it now looks (update_template_card, WeCom's only chance to change it); a press that outruns the
// budget, or is refused, is answered through its response_url by the outbox instead.
import type { Logger } from '../../config/log.ts';
import { queueRows } from '../../db/outbox.ts';
import type { Ctx } from '../../handlers/context.ts';
import { type Message, notice } from '../../handlers/messages.ts';
import { exclusiveLane, type Lane, openLane } from '../../jobs/lane.ts';
import { backgroundQueue, eventDrain, processLogged as processOne } from '../background.ts';
import type { Inbound } from '../inbound.ts';
import type { RouteResult, Router } from '../router.ts';
import { normalizeCardEvent, normalizeMessage, type WecomCallback } from './inbound.ts';
import { DONE_KEY, renderCard, type TemplateCard } from './render.ts';

/** The passive reply to a card event: the pressed card replaced, for everyone. */
export interface CardUpdate {
  response_type: 'update_template_card';
  template_card: TemplateCard;
}

export interface WecomEventsOptions {
  ctx: Ctx;
  router: Router;
  botName: string;
  /** how long a press may run before it is answered without the card (WeCom waits 5 s, once) */
  cardBudgetMs?: number;
  concurrency?: number;
  /** one database operation at a time (embedded PGlite) */
  exclusive?: boolean;
}

export interface WecomEvents {
  onMessage(c: WecomCallback, requestLog?: Logger): Promise<{ status: 'accepted' | 'duplicate' | 'ignored' }>;
  onCardEvent(c: WecomCallback, requestLog?: Logger): Promise<CardUpdate | undefined>;
  idle(): Promise<void>;
  backlog(): number;
}

export function createWecomEvents(opts: WecomEventsOptions): WecomEvents {
  const { ctx, router, botName } = opts;
  const log = ctx.log.child({ platform: 'wecom' });
  const logOf = (requestLog?: Logger) => (requestLog ? requestLog.child({ platform: 'wecom' }) : log);
  const budget = opts.cardBudgetMs ?? 3000;
  const lane: Lane = opts.exclusive ? exclusiveLane() : openLane;
  const queue = backgroundQueue(opts.exclusive ? 1 : (opts.concurrency ?? 4), (err) =>
    log.error({ err }, 'wecom: background work failed'),
  );

  const drain = eventDrain({ router, queue, lane, platform: 'wecom', logOf });
  const processLogged = (inbound: Inbound, requestLog?: Logger) =>
    processOne(router, inbound, logOf(requestLog), 'wecom', requestLog);

  /** A message to the presser's chat through the press's response_url (a new message: WeCom
   * changes a card only in the answer to its press). */
  async function answerLater(inbound: Inbound, c: WecomCallback, message: Message, callId: string | null) {
    const now = ctx.clock.now();
    await queueRows(ctx.db, [
      {
        created_at: now,
        kind: 'message',
        platform: 'wecom',
        chat_id: inbound.chatId,
        call_id: callId,
        payload: JSON.stringify({ message, replyTo: c.response_url ?? null }),
        idempotency_key: `wecom:press:${inbound.eventId}`,
        available_at: now,
      },
    ]);
    ctx.afterCommit?.({ outbox: true, timers: [] });
  }

  const callIdOf = (r: RouteResult) => (r.outcome?.ok ? (r.outcome.callId ?? null) : null);

  async function settle(inbound: Inbound, c: WecomCallback, r: RouteResult, late: boolean) {
    if (r.cardUpdate && !late) return;
    if (r.cardUpdate) return answerLater(inbound, c, r.cardUpdate, callIdOf(r));
    // a refusal or a hint shows as a toast on Lark; WeCom has none: say it
    if (r.status === 'refused' || r.status === 'hint' || r.status === 'ignored')
      return answerLater(
        inbound,
        c,
        { ...notice('未能办理', r.toast ?? '此群尚未绑定，操作未办理', 'warning'), private: true },
        callIdOf(r),
      );
  }

  return {
    async onMessage(c, requestLog) {
      const inbound = normalizeMessage(c, botName);
      if (!inbound) return { status: 'ignored' };
      if (!(await lane(() => router.accept(inbound), true))) {
        logOf(requestLog).debug({ eventId: inbound.eventId }, 'wecom: duplicate callback');
        return { status: 'duplicate' };
      }
      drain(inbound, requestLog, router.urgent(inbound));
      return { status: 'accepted' };
    },

    async onCardEvent(c, requestLog) {
      const inbound = normalizeCardEvent(c);
      if (!inbound || inbound.action?.command === DONE_KEY) return undefined;
      if (!(await lane(() => router.accept(inbound), true))) return undefined;
      const work = lane(() => processLogged(inbound, requestLog), true);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), budget);
      });
      try {
        const first = await Promise.race([work, late]);
        if (first !== 'late') {
          await lane(() => settle(inbound, c, first, false));
          return first.cardUpdate
            ? {
                response_type: 'update_template_card',
                template_card: renderCard(first.cardUpdate, inbound.messageId!, botName),
              }
            : undefined;
        }
      } catch {
        // the router keeps the event for a retry; the person hears of it when it is done
        return undefined;
      } finally {
        clearTimeout(timer);
      }
      logOf(requestLog).info(
        { eventId: inbound.eventId, budgetMs: budget },
        'wecom: press outran the budget',
      );
      queue.push(() => work.then((r) => lane(() => settle(inbound, c, r, true))));
      return undefined;
    },

    idle: () => queue.idle(),
    backlog: () => queue.size(),
  };
}
