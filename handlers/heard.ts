// What was said to the bot where reports belong, understood before anything is made of it: a
// report becomes a call; thanks or a follow-up joins the sender's call it is about (or the bot
// asks whether it is a new matter); a question or chit-chat is answered, and makes no call. An
// emergency is always a report, whatever else the words sound like.
import { z } from 'zod';
import type { Call } from '../db/schema.ts';
import { OPEN_CALL_STATES, STATE_NAMES } from './calls.ts';
import { unitName } from './cards/fields.ts';
import { defineCommand, REPORTERS, reportText } from './command-def.ts';
import type { Ctx } from './context.ts';
import type { Draft } from './intake.ts';
import { type Message, notice } from './messages.ts';
import type { Actor } from './people.ts';
import { advise, parserFor, placeOfChat, report } from './report.ts';
import { answer, type Origin, runWork } from './work.ts';

/** How far back a thank-you or a follow-up looks for the call it is about. */
const RECENT_DAYS = 30;

/** something said to the bot in a chat where reports belong: a report, or thanks, a follow-up, a
 * question (decided here) */
const saidSchema = z.object({
  type: z.literal('said'),
  text: reportText,
  images: z.array(z.string()).max(9).default([]),
  source: z.string().default('chat'),
});

export type Heard =
  | { as: 'report'; call: Call }
  | { as: 'followup' | 'thanks'; call: Call }
  | { as: 'asked' | 'answered' | 'unclear' };

export async function heard(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof saidSchema>,
  chatUnit: string | null,
): Promise<Heard> {
  // read once, knowing the chat's place, and the same reading makes the call
  const draft = await advise(ctx, parserFor(ctx.district)(cmd.text, placeOfChat(ctx.district, chatUnit)));
  const asReport = async () => ({
    as: 'report' as const,
    call: await report(
      ctx,
      actor,
      origin,
      { type: 'report', text: cmd.text, images: cmd.images, emergency: false, source: cmd.source },
      chatUnit,
      draft,
    ),
  });
  if (draft.emergency) return asReport();
  // nonsense gets a question back, not a call: nothing recognisable, nowhere, and short
  const chinese = draft.text.match(/[\u4e00-\u9fa5]/g)?.length ?? 0;
  const unsure = draft.category === 'other' && !draft.location && chinese < 4 && !cmd.images.length;
  // a thank-you or a follow-up may be short, but it is words (谢谢, 咋样了), not letters at random
  if (unsure && (chinese < 2 || (draft.intent !== 'thanks' && draft.intent !== 'followup'))) {
    await privately(
      ctx,
      actor,
      origin,
      notice(
        '没看懂您反映的问题',
        '请写明什么问题、在哪里，例如：@呼应 晨辉路12号路灯不亮。发送「帮助」查看说明。',
      ),
    );
    return { as: 'unclear' };
  }
  if (draft.intent === 'report' || cmd.images.length) return asReport();
  if (draft.intent === 'question' || draft.intent === 'chitchat') {
    const answer = notice(
      '呼应 · 街道呼 部门应',
      '需要反映问题，请 @呼应 写明什么问题、在哪里，例如：@呼应 晨辉路12号路灯不亮了；查看已反映的问题，发送「查询 编号」；更多用法发送「帮助」。',
    );
    await privately(ctx, actor, origin, offeringEmergency(answer, draft, cmd.text));
    return { as: 'answered' };
  }
  const call = await aboutWhich(ctx, actor, draft);
  if (!call) {
    await privately(ctx, actor, origin, {
      ...notice(
        '这是要反映新问题吗？',
        '没有找到您最近反映的相关问题。如需反映新问题，请按下面的按钮，或写明问题和地点再 @呼应。',
      ),
      buttons: [{ label: '作为新问题反映', command: `反映 ${cmd.text}`, style: 'primary' }],
    });
    return { as: 'asked' };
  }
  const thanks = draft.intent === 'thanks';
  await runWork(ctx, actor, origin, async (w) => {
    await w.event(call.id, thanks ? 'thanked' : 'followed_up', { text: cmd.text });
    const open = (OPEN_CALL_STATES as readonly string[]).includes(call.state);
    if (!thanks && open)
      // the street hears at once that the reporter is asking again
      await w.toUnit(call.street_code, notice(`反映人追问 ${call.no}`, cmd.text, 'warning'), call.id);
    const noted = thanks
      ? notice(`谢谢您的反馈 ${call.no}`, '已记录在呼叫单上。')
      : notice(
          `已记录您的追问 ${call.no}`,
          `当前${STATE_NAMES[call.state] ?? call.state}${open ? `，已转告${unitName(ctx.district, call.street_code)}跟进` : ''}。可发送「查询 ${call.no.slice(-4)}」查看进度。`,
        );
    await w.reply(offeringEmergency(noted, draft, cmd.text), call.id);
  });
  return { as: thanks ? 'thanks' : 'followup', call };
}

/**
 * Words of danger in a message read as thanks, a follow-up, a question or chit-chat (the alarm set
 * aside): the answer says so and offers one press that reports the words as an emergency.
 */
function offeringEmergency(m: Message, draft: Draft, text: string): Message {
  if (!draft.alarmSetAside) return m;
  return {
    ...m,
    text: `如果现在有人员或财产危险，请按下面的按钮立即反映（紧急时请直接拨打119、120）。\n${m.text}`,
    buttons: [{ label: '这是紧急情况，立即反映', command: `反映 ${text}`, style: 'danger' }],
  };
}

/** An answer to the sender alone. */
const privately = (ctx: Ctx, actor: Actor, origin: Origin | null, m: Message) =>
  answer(ctx, actor, origin, { ...m, private: true });

/**
 * The sender's call a thank-you or a follow-up is about: their latest call of the same matter,
 * else their latest; a thank-you looks first at what was resolved, a follow-up at what is open.
 */
async function aboutWhich(ctx: Ctx, actor: Actor, draft: Draft): Promise<Call | undefined> {
  if (!actor.personId) return undefined;
  const since = new Date(ctx.clock.now().getTime() - RECENT_DAYS * 86_400_000);
  const calls = await ctx.db
    .selectFrom('calls')
    .selectAll()
    .where('reporter_person_id', '=', actor.personId)
    .where('state', 'not in', ['merged', 'cancelled'])
    .where((eb) => eb.or([eb('state', 'in', [...OPEN_CALL_STATES]), eb('updated_at', '>=', since)]))
    .orderBy('created_at', 'desc')
    .limit(20)
    .execute();
  const sameMatter =
    draft.category !== 'other' ? calls.filter((c) => c.category_code === draft.category) : [];
  const pool = sameMatter.length ? sameMatter : calls;
  const done = (c: Call) => ['resolved', 'closed', 'archived'].includes(c.state);
  return draft.intent === 'thanks' ? (pool.find(done) ?? pool[0]) : (pool.find((c) => !done(c)) ?? pool[0]);
}

/** Not typed with a word: whatever is said to the bot that is no command (the router's choice). */
export const SAID_COMMAND = defineCommand({
  type: 'said',
  name: '反映问题',
  roles: REPORTERS,
  who: '居民、网格员',
  schema: saidSchema,
  help: [{ usage: '@呼应 <问题描述>', meaning: '反映问题，生成呼叫单' }],
  run: async (ctx, inv, cmd) => {
    const h = await heard(ctx, inv.actor, inv.origin, cmd, inv.chatUnit ?? null);
    return 'call' in h ? h.call : undefined;
  },
});
