// Stage 1, collect (问题收集): a report becomes a call with a parsed draft; the street gets
// a triage card; an emergency goes straight in front of the office and the leaders.
import { z } from 'zod';
import type { District, Tier } from '../config/district.ts';
import type { Call } from '../db/schema.ts';
import { draftCard, triageCard } from './cards/collect.ts';
import { defineCommand, need, ok, REPORTERS, reportText } from './command-def.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
import { createParser, type Draft, LOW_CONFIDENCE } from './intake.ts';
import { modeOf } from './modes.ts';
import type { Actor } from './people.ts';
import { requestDispatch } from './shared.ts';
import { type Origin, runWork, type Work } from './work.ts';
import { formatShanghai } from './worktime.ts';

const reportSchema = z.object({
  type: z.literal('report'),
  text: reportText,
  location: z.string().trim().max(200).optional(),
  images: z.array(z.string()).max(9).default([]),
  category: z.string().optional(),
  contact: z.string().max(50).optional(),
  street: z.string().optional(),
  community: z.string().optional(),
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
  /** the reporter says people or property are in danger (Open311's emergency attribute) */
  emergency: z.boolean().default(false),
  source: z.string().default('chat'),
});
export type ReportCommand = z.output<typeof reportSchema>;

const parsers = new WeakMap<District, ReturnType<typeof createParser>>();
export function parserFor(d: District) {
  let p = parsers.get(d);
  if (!p) {
    p = createParser(d);
    parsers.set(d, p);
  }
  return p;
}

/** The next number of the day: JJ-20261127-0001. */
async function nextCallNo(w: Work): Promise<string> {
  const day = formatShanghai(w.now).slice(0, 10).replaceAll('-', '');
  const row = await w.trx
    .insertInto('call_numbers')
    .values({ day, last: 1 })
    .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ last: eb('call_numbers.last', '+', 1) })))
    .returning('last')
    .executeTakeFirstOrThrow();
  return `${w.ctx.district.district.call_prefix}-${day}-${String(row.last).padStart(4, '0')}`;
}

export interface Placement {
  street: string;
  community: string | null;
}

/** Where a report belongs: the chat's unit, or the street/community given by another system. */
export function placeReport(d: District, chatUnit: string | null, cmd: ReportCommand): Placement {
  const community =
    cmd.community ?? (chatUnit && d.units.get(chatUnit)?.kind === 'community' ? chatUnit : null);
  if (community) {
    const c = d.units.get(community);
    if (c?.kind !== 'community') refuse('unknown_unit', `没有找到社区“${community}”`);
    return { street: c!.parent!, community };
  }
  const street = cmd.street ?? (chatUnit && d.units.get(chatUnit)?.kind === 'street' ? chatUnit : null);
  if (!street || d.units.get(street)?.kind !== 'street')
    refuse('not_bound', '请在社区群或街道群里反映问题', `cannot place a report from unit ${chatUnit}`);
  return { street: street!, community: null };
}

/** An open call of the same category in the same community (or at the same place) within 7 days. */
/** The call states a new report may duplicate (the partial indexes of the check hold these only). */
const DUPLICABLE = [
  'reported',
  'triaged',
  'called',
  'dispatched',
  'acknowledged',
  'in_progress',
  'reopened',
] as const;

/**
 * The newest call still being worked on of the same category in the last 7 days, in the same
 * community or at the same place: two index probes of one row each (the 0007 migration's
 * partial indexes), so the check costs the same however many calls are open.
 */
async function findDuplicate(w: Work, draft: Draft, place: Placement): Promise<Call | undefined> {
  if (draft.category === 'other') return undefined;
  const since = new Date(w.now.getTime() - 7 * 24 * 3600_000);
  const probe = (by: 'community' | 'location') => {
    let q = w.trx
      .selectFrom('calls')
      .selectAll()
      .where('category_code', '=', draft.category)
      .where('street_code', '=', place.street)
      .where('created_at', '>=', since)
      .where('state', 'in', [...DUPLICABLE]);
    q =
      by === 'community'
        ? q.where('community_code', '=', place.community!)
        : q.where('location', '=', draft.location!);
    return q.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  };
  const found = [
    place.community ? await probe('community') : undefined,
    draft.location ? await probe('location') : undefined,
  ].filter((c): c is Call => !!c);
  return found.sort((a, b) => new Date(b.created_at).getTime() - new Date(a.created_at).getTime())[0];
}

export async function report(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: ReportCommand,
  chatUnit: string | null,
): Promise<Call> {
  const d = ctx.district;
  const place = placeReport(d, chatUnit, cmd);
  const parsed = parserFor(d)(cmd.text, {
    communityCode: place.community ?? undefined,
    streetCode: place.street,
  });
  let draft = parsed;
  if (cmd.category && cmd.category !== parsed.category) {
    const item = d.catalogByCode.get(cmd.category);
    if (!item) refuse('bad_input', `没有这个事项类别“${cmd.category}”`);
    const tier: Tier = parsed.emergency ? 'emergency' : item!.tier;
    draft = {
      ...parsed,
      category: item!.code,
      categoryName: item!.name,
      tier,
      lead: item!.lead ?? null,
      co: item!.co,
      departments: [...(item!.lead ? [item!.lead] : []), ...item!.co],
    };
  }
  // declared an emergency by the reporter (another system's form): as if the text said so
  if (cmd.emergency && !draft.emergency) draft = { ...draft, emergency: true, tier: 'emergency' };
  if (!parsed.text && !cmd.images.length)
    refuse('bad_input', '请用文字描述问题和地点，例如：@呼应 晨辉路12号路灯不亮');
  return runWork(ctx, actor, origin, async (w) => {
    // the day's counter is one row every report of the day updates: taken after the reads, so
    // its lock is held over the writes only
    const duplicate = await findDuplicate(w, draft, place);
    const no = await nextCallNo(w);
    const emergency = draft.emergency;
    const tier: Tier = emergency ? 'emergency' : draft.tier;
    const call = await w.trx
      .insertInto('calls')
      .values({
        no,
        text: parsed.text || '（图片）',
        location: cmd.location ?? draft.location,
        latitude: cmd.latitude ?? null,
        longitude: cmd.longitude ?? null,
        source: cmd.source,
        source_chat_platform: origin?.platform ?? null,
        source_chat_id: origin?.chatId ?? null,
        source_message_id: origin?.messageId ?? null,
        reporter_person_id: actor.personId,
        reporter_name: actor.name,
        reporter_contact: cmd.contact ?? null,
        street_code: place.street,
        community_code: place.community,
        category_code: draft.category,
        tier,
        mode: modeOf(tier).code,
        // an emergency skips the street's triage: the leaders and the office see it at once
        state: emergency ? 'called' : 'reported',
        emergency,
        images: JSON.stringify(cmd.images),
        created_at: w.now,
        updated_at: w.now,
        state_since: w.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    // a new call waits on someone (the street's triage, or the leaders for an emergency)
    w.timersChanged(call.id);
    await w.event(call.id, 'reported', {
      text: parsed.text,
      source: cmd.source,
      draft: { category: draft.category, tier, lead: draft.lead, co: draft.co, confidence: draft.confidence },
      intent: parsed.intent,
      duplicateOf: duplicate?.no ?? null,
      alerted: emergency ? ['leaders', 'office'] : [],
    });
    const suggested = { lead: draft.lead, co: draft.co };
    await w.reply(draftCard(d, call, draft.departments), call.id);
    // A category the parser guessed (not one given by another system) at low confidence: offer the alternatives.
    const unsure = !cmd.category && parsed.confidence < LOW_CONFIDENCE ? parsed : undefined;
    const triage = triageCard(d, call, suggested, unsure);
    if (duplicate) {
      triage.fields!.push({
        label: '疑似重复',
        value: `${duplicate.no}（${duplicate.location ?? '同社区同类问题'}）`,
      });
      triage.buttons!.unshift({
        label: `合并到 ${duplicate.no}`,
        command: `合并 ${no} 到 ${duplicate.no}`,
        style: 'primary',
      });
    }
    if (emergency) {
      await requestDispatch(w, call, suggested);
      // nothing for the street to press: the leaders dispatch it
      triage.buttons = [];
      triage.form = undefined;
      triage.title = `【紧急】已直报区领导 ${no}`;
      triage.text = '紧急情况已直报区领导和呼应办，由区领导派单。';
    }
    await w.toUnit(place.street, triage, call.id);
    return call;
  });
}

export const REPORT_COMMAND = defineCommand({
  type: 'report',
  name: '反映问题',
  roles: REPORTERS,
  who: '居民、网格员',
  schema: reportSchema,
  heads: ['反映'],
  // a new report, said outright (after the bot asked whether a thank-you or a question was one)
  parse: ({ after }) =>
    after(0)
      ? ok({ type: 'report', text: after(0), images: [], emergency: false, source: 'chat' })
      : need('反映 问题和地点'),
  help: [{ usage: '反映 <问题描述>', meaning: '明确反映一个新问题（不论内容像不像致谢或询问）' }],
  run: (ctx, inv, cmd) => report(ctx, inv.actor, inv.origin, cmd, inv.chatUnit ?? null),
});
