// The router: one Inbound from any platform → deduplicate → who is acting → a command
// (typed, or a pressed button) or a report → the lifecycle. Adapters never decide anything.
import type { Ctx } from '../handlers/context.ts';
import { execute, type Outcome } from '../handlers/execute.ts';
import { mergeMessages, pressedUpdate } from '../handlers/flood.ts';
import { parseCommand } from '../handlers/grammar.ts';
import { fillForm, type Message, notice } from '../handlers/messages.ts';
import { type Actor, findChat, resolveActor } from '../handlers/people.ts';
import { parserFor } from '../handlers/report.ts';
import { runWork } from '../handlers/work.ts';
import { formatShanghai } from '../handlers/worktime.ts';
import type { Inbound } from './inbound.ts';

export type RouteStatus = 'duplicate' | 'ignored' | 'handled' | 'refused' | 'hint';

export interface RouteResult {
  status: RouteStatus;
  outcome?: Outcome;
  /** a one-line answer for platforms that show a toast on a button press */
  toast?: string;
  /** the pressed card as it should now look (who did what, when), where it should change */
  cardUpdate?: Message;
  actor?: Actor;
}

const MAX_TEXT = 2000;

export interface Router {
  /** records the event; false when it was seen before (platforms deliver at least once) */
  accept(inbound: Inbound): Promise<boolean>;
  /** does the work for an accepted event */
  process(inbound: Inbound): Promise<RouteResult>;
  handle(inbound: Inbound): Promise<RouteResult>;
}

export function createRouter(ctx: Ctx): Router {
  const warnedChats = new Set<string>();

  async function accept(inbound: Inbound): Promise<boolean> {
    if (!inbound.eventId) return true;
    const row = await ctx.db
      .insertInto('inbound_events')
      .values({
        platform: inbound.platform,
        event_id: inbound.eventId,
        received_at: ctx.clock.now(),
        payload: JSON.stringify(inbound),
      })
      .onConflict((oc) => oc.columns(['platform', 'event_id']).doNothing())
      .returning('event_id')
      .executeTakeFirst();
    return !!row;
  }

  async function markDone(inbound: Inbound, error?: string) {
    if (!inbound.eventId) return;
    await ctx.db
      .updateTable('inbound_events')
      .set({ state: error ? 'failed' : 'processed', processed_at: ctx.clock.now(), error: error ?? null })
      .where('platform', '=', inbound.platform)
      .where('event_id', '=', inbound.eventId)
      .execute();
  }

  async function process(inbound: Inbound): Promise<RouteResult> {
    try {
      const result = await route(inbound);
      await markDone(inbound);
      return result;
    } catch (e) {
      // The event stays in inbound_events with its payload: nothing a person said is lost.
      await markDone(inbound, (e as Error).message).catch(() => {});
      throw e;
    }
  }

  async function route(inbound: Inbound): Promise<RouteResult> {
    const chat = inbound.p2p ? undefined : await findChat(ctx.db, inbound.platform, inbound.chatId);
    if (!chat && !inbound.p2p) {
      const key = `${inbound.platform}:${inbound.chatId}`;
      if (!warnedChats.has(key)) {
        warnedChats.add(key);
        ctx.log.warn(
          { platform: inbound.platform, chatId: inbound.chatId },
          'message from an unbound chat ignored',
        );
      }
      return { status: 'ignored' };
    }
    const actor = await resolveActor(
      ctx.db,
      { platform: inbound.platform, userId: inbound.sender.userId, displayName: inbound.sender.name },
      chat,
    );
    const origin = { platform: inbound.platform, chatId: inbound.chatId, messageId: inbound.messageId };
    const say = (m: Message) => runWork(ctx, actor, origin, (w) => w.reply(m));

    let text: string;
    if (inbound.action) {
      text = inbound.action.template
        ? fillForm(
            { command: inbound.action.template, submitLabel: '', fields: [] },
            inbound.action.form ?? {},
          )
        : inbound.action.command;
    } else {
      text = inbound.text.replace(/\s+/g, ' ').trim();
      if (text.length > MAX_TEXT) {
        await say(notice('内容过长', `请精简到${MAX_TEXT}字以内，写清问题和地点即可。`, 'warning'));
        return { status: 'hint', actor, toast: '内容过长' };
      }
    }

    const parsed = parseCommand(text, ctx.district);
    if (parsed && !parsed.ok) {
      await say(notice('还差一点', parsed.hint, 'warning'));
      return { status: 'hint', actor, toast: parsed.hint };
    }
    const inv = { actor, origin, chatUnit: chat?.unit_code ?? null };
    if (parsed?.ok) return finish(await execute(ctx, inv, parsed.command), inbound, actor);

    // Not a command: a report, when the bot was asked in a chat where reports belong.
    const reportable = chat && (chat.role === 'community' || chat.role === 'street');
    if (!inbound.mentionsBot && !inbound.action) return { status: 'ignored', actor };
    if (!reportable) {
      await say(
        notice('没有识别到指令', '发送「帮助」查看可用指令；反映问题请在社区群或街道群 @呼应。', 'info'),
      );
      return { status: 'hint', actor };
    }
    if (!text && !inbound.images.length) {
      await say(notice('请描述问题', '请写明问题和地点，例如：@呼应 晨辉路12号路灯不亮，可附照片。', 'info'));
      return { status: 'hint', actor };
    }
    if (!text || !/[\u4e00-\u9fa5A-Za-z]{2,}/.test(text)) {
      await say(
        notice(
          '请描述问题',
          '收到图片，请再用文字说明是什么问题、在哪里，例如：@呼应 晨辉路12号路灯不亮。',
          'info',
        ),
      );
      return { status: 'hint', actor };
    }
    // Nonsense gets a question back, not a call: nothing recognisable, nowhere, and short.
    const draft = parserFor(ctx.district)(text);
    const chinese = draft.text.match(/[\u4e00-\u9fa5]/g)?.length ?? 0;
    if (draft.category === 'other' && !draft.location && chinese < 4 && !inbound.images.length) {
      await say(
        notice(
          '没看懂您反映的问题',
          '请写明什么问题、在哪里，例如：@呼应 晨辉路12号路灯不亮。发送「帮助」查看说明。',
          'info',
        ),
      );
      return { status: 'hint', actor };
    }
    return finish(
      await execute(ctx, inv, { type: 'report', text, images: inbound.images, source: inbound.platform }),
      inbound,
      actor,
    );
  }

  async function finish(outcome: Outcome, inbound: Inbound, actor: Actor): Promise<RouteResult> {
    const result: RouteResult = { status: outcome.ok ? 'handled' : 'refused', outcome, actor };
    result.toast = outcome.ok ? `已办理${outcome.callNo ? ` ${outcome.callNo}` : ''}` : outcome.reason;
    if (
      inbound.action &&
      inbound.messageId &&
      (outcome.ok || outcome.code === 'already_done' || outcome.code === 'wrong_state')
    ) {
      const original = await pressedCard(inbound);
      if (original)
        result.cardUpdate = pressedUpdate(
          original,
          inbound.action.command,
          outcome.ok
            ? `✓ ${actor.name} 于 ${formatShanghai(ctx.clock.now())} 办理：${inbound.action.command.split(' ')[0]}`
            : `此卡片已过期：${outcome.reason}`,
        );
    }
    return result;
  }

  /** The message a button was pressed on, as we sent it: several rows share one platform
   * message when they were merged under a flood, and that message was made from them all. */
  async function pressedCard(inbound: Inbound): Promise<Message | undefined> {
    const rows = await ctx.db
      .selectFrom('sent_messages as s')
      .innerJoin('outbox as o', 'o.id', 's.outbox_id')
      .select('o.payload')
      .where('s.platform', '=', inbound.platform)
      .where('s.platform_message_id', '=', inbound.messageId!)
      .orderBy('o.id')
      .execute();
    const parts = rows.flatMap((r) => (r.payload as { message?: Message }).message ?? []);
    return parts.length > 1 ? mergeMessages(parts) : parts[0];
  }

  return {
    accept,
    process,
    async handle(inbound) {
      if (!(await accept(inbound))) return { status: 'duplicate' };
      return process(inbound);
    },
  };
}
