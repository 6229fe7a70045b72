// What was said to the bot where reports belong, understood before anything is made of it: a
// report becomes a call; thanks or a follow-up joins the sender's call it is about (or the bot
// asks whether it is a new matter); a question or chit-chat is answered, and makes no call. An
// emergency is always a report, whatever else the words sound like, unless it is more of one this
// chat called in a moment ago: then it goes at once to everyone handling that one.
import { z } from 'zod';
import type { Call } from '../db/schema.ts';
import { assignmentsOf, isActive, OPEN_CALL_STATES, STATE_NAMES } from './calls.ts';
import { unitName } from './cards/fields.ts';
import { defineCommand, REPORTERS, reportText } from './command-def.ts';
import type { Ctx } from './context.ts';
import type { Draft } from './intake.ts';
import { type Message, notice } from './messages.ts';
import { dispatcherUnit } from './modes.ts';
import type { Actor } from './people.ts';
import { advise, parserFor, placeOfChat, report } from './report.ts';
import { answer, type Origin, runWork, type Work } from './work.ts';

/** How far back a thank-you or a follow-up looks for the call it is about. */
const RECENT_DAYS = 30;
/** How long a chat may go on telling of an emergency it called in (烟更大了, 119打了, 我妈还在里头). */
const THREAD_MS = 2 * 3600_000;
/** How much belief the parser must give the call's category, as a next guess, for a message of no
 * sure category to be about it (我妈还在里头: 0.34 for a trapped lift; a pile of rubbish: 0.1 for fire). */
const THREAD_GUESS = 0.2;

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
  if (draft.emergency) {
    // the same event told again in its chat is news for those handling it, not a second alarm
    const thread = await emergencyOfChat(ctx, origin, draft);
    return thread ? toldAgain(ctx, actor, origin, thread, cmd) : asReport();
  }
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
  const call = await aboutWhich(ctx, actor, origin, draft);
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
    if (!thanks && open) {
      // the street hears at once that someone is asking again; of an emergency, all its handlers do
      const who = call.reporter_person_id === actor.personId ? '反映人' : '群内';
      const asked = notice(`${who}追问 ${call.no}`, cmd.text, 'warning');
      for (const unit of call.emergency ? await handlersOf(w, call) : [call.street_code])
        await w.toUnit(unit, asked, call.id);
    }
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
 * The open emergency this chat called in within the last two hours that a message may be telling
 * more of: of the same category (or of none the parser is sure of, with the call's as a guess; or,
 * asked after, of one the same department answers for), and at no other place (of a call no item
 * covers, at its place only).
 */
async function emergencyOfChat(
  ctx: Ctx,
  origin: Origin | null,
  draft: Draft,
  askedAfter = false,
): Promise<Call | undefined> {
  if (!origin?.chatId) return undefined;
  const since = new Date(ctx.clock.now().getTime() - THREAD_MS);
  const calls = await ctx.db
    .selectFrom('calls')
    .selectAll()
    .where('source_chat_platform', '=', origin.platform)
    .where('source_chat_id', '=', origin.chatId)
    .where('emergency', '=', true)
    .where('state', 'in', [...OPEN_CALL_STATES])
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .limit(5)
    .execute();
  const samePlace = (at: string | null) =>
    !draft.location || (!!at && (at.includes(draft.location) || draft.location.includes(at)));
  // a matter no item covers is the call's when the parser's next guess is the call's (烟越来越大了: fire);
  // of a call no item covers (someone fallen, someone in the water) only at the place it names; asked
  // after, any matter the same department answers for (消防车咋个还没到: 消防安全隐患, the fire brigade's)
  const lead = (code: string) => ctx.district.catalogByCode.get(code)?.lead;
  const guesses = [
    draft.category,
    ...draft.alternatives.filter((a) => a.score >= THREAD_GUESS).map((a) => a.category),
  ];
  const kin = (c: Call) =>
    draft.category === 'other' ||
    guesses.some((g) => g === c.category_code || (!!lead(g) && lead(g) === lead(c.category_code)));
  const sameMatter = (c: Call) =>
    (askedAfter && kin(c)) ||
    (c.category_code === 'other'
      ? draft.category === 'other' && !!draft.location
      : c.category_code === draft.category ||
        (draft.category === 'other' && guesses.includes(c.category_code)));
  return calls.find((c) => sameMatter(c) && samePlace(c.location));
}

/** Everyone handling an emergency: who dispatches it, the office, the street, the departments on it. */
async function handlersOf(w: Work, call: Call): Promise<string[]> {
  const d = w.ctx.district;
  const departments = (await assignmentsOf(w.trx, call.id)).filter(isActive).map((a) => a.unit_code);
  return [
    ...new Set([
      dispatcherUnit(d, call.tier, call.street_code),
      d.office.code,
      call.street_code,
      ...departments,
    ]),
  ];
}

/**
 * More of an emergency its chat called in a moment ago: at once to everyone handling it, marked as
 * such, and joined to its call; the sender is told, with one press to report it as another emergency.
 */
async function toldAgain(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  call: Call,
  cmd: z.output<typeof saidSchema>,
): Promise<Heard> {
  await runWork(ctx, actor, origin, async (w) => {
    await w.event(call.id, 'followed_up', { text: cmd.text, images: cmd.images, emergency: true });
    const news: Message = {
      ...notice(`【紧急续报】${call.no}`, cmd.text, 'danger'),
      callNo: call.no,
      fields: [
        { label: '地点', value: call.location ?? '未识别' },
        { label: '续报人', value: actor.name },
      ],
      ...(cmd.images.length && { images: cmd.images.map((ref) => ({ ref, alt: '现场图片' })) }),
    };
    for (const unit of await handlersOf(w, call)) await w.toUnit(unit, news, call.id);
    await w.reply(
      {
        ...notice(
          `已作为紧急呼叫 ${call.no} 的续报转告`,
          `已立即转告区领导、呼应办和处置单位。紧急时请直接拨打119、120。如果这是另一处新的紧急情况，请按下面的按钮单独反映。`,
          'danger',
        ),
        buttons: [{ label: '这是另一起紧急情况，单独反映', command: `反映 ${cmd.text}`, style: 'danger' }],
        callNo: call.no,
      },
      call.id,
    );
  });
  return { as: 'followup', call };
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
 * The call a thank-you or a follow-up is about: the sender's latest call of the same matter; else,
 * asked after, an emergency the chat called in a moment ago (消防车到了没, from any neighbour); else
 * the sender's latest. A thank-you looks first at what was resolved, a follow-up at what is open.
 */
async function aboutWhich(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  draft: Draft,
): Promise<Call | undefined> {
  const thread = () => (draft.intent === 'followup' ? emergencyOfChat(ctx, origin, draft, true) : undefined);
  if (!actor.personId) return thread();
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
  if (!sameMatter.length) {
    const asked = await thread();
    if (asked) return asked;
  }
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
