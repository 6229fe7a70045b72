// Stage 1, collect (问题收集): a report becomes a call with a parsed draft; the street gets
// a triage card; an emergency goes straight in front of the office and the leaders.
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { District, Tier } from '../config/district.ts';
import type { Call, Database } from '../db/schema.ts';
import { draftCard, IN_DANGER, triageCard } from './cards/collect.ts';
import { defineCommand, need, ok, REPORTERS, reportText } from './command-def.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
import { asEmergency, createParser, type Draft, LOW_CONFIDENCE, withCategory } from './intake.ts';
import type { Message } from './messages.ts';
import { modeOf } from './modes.ts';
import type { Actor } from './people.ts';
import { requestDispatch } from './shared.ts';
import { type Origin, replyOf, runWork, type Work } from './work.ts';
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

/** A draft with the district's language model's advice, where one is configured and the draft is
 * an unsure report (never in a rehearsal: what a card may offer does not ask the model). */
export function advise(ctx: Ctx, draft: Draft): Promise<Draft> | Draft {
  return ctx.advise && !ctx.rehearse ? ctx.advise(draft) : draft;
}

const parsers = new WeakMap<District, ReturnType<typeof createParser>>();
export function parserFor(d: District) {
  let p = parsers.get(d);
  if (!p) {
    p = createParser(d);
    parsers.set(d, p);
  }
  return p;
}

/**
 * The next `n` numbers of the day, in order: JJ-20261127-0001, … (one statement). The counter is
 * one row every report of the day updates, so who holds its lock holds up every other writer.
 */
async function nextCallNos(db: Kysely<Database>, ctx: Ctx, now: Date, n: number): Promise<string[]> {
  const day = formatShanghai(now).slice(0, 10).replaceAll('-', '');
  const row = await db
    .insertInto('call_numbers')
    .values({ day, last: n })
    .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ last: eb('call_numbers.last', '+', n) })))
    .returning('last')
    .executeTakeFirstOrThrow();
  const prefix = `${ctx.district.district.call_prefix}-${day}-`;
  return Array.from({ length: n }, (_, i) => `${prefix}${String(row.last - n + 1 + i).padStart(4, '0')}`);
}

export interface Placement {
  street: string;
  community: string | null;
}

/** What the parser knows of where a chat's report is: its community and street. */
export function placeOfChat(d: District, chatUnit: string | null) {
  const u = chatUnit ? d.units.get(chatUnit) : undefined;
  if (u?.kind === 'community') return { communityCode: chatUnit!, streetCode: u.parent ?? undefined };
  if (u?.kind === 'street') return { streetCode: chatUnit! };
  return undefined;
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

/** The call states a new report may duplicate (the partial indexes of the check hold these only). */
const DUPLICABLE = sql.raw(
  `(${['reported', 'triaged', 'called', 'dispatched', 'acknowledged', 'in_progress', 'reopened']
    .map((s) => `'${s}'`)
    .join(', ')})`,
);

/** A report ready to be written: who, from where, what, where it belongs, what it was read as. */
export interface ReportItem {
  actor: Actor;
  origin: Origin | null;
  cmd: ReportCommand;
  place: Placement;
  /** the parser's reading */
  parsed: Draft;
  /** the same with the category another system gave, and the reporter's emergency */
  draft: Draft;
}

/** The earlier call a new one may duplicate: its number and place. */
interface Duplicate {
  no: string;
  location: string | null;
}

/** …found in the database, or an earlier report of the same batch (numbered later). */
type Found = { no: string; location: string | null } | { earlier: number; location: string | null };

/**
 * For each report, the newest call still being worked on of the same category in the last 7
 * days, in the same community or at the same place: in one statement, two index probes of one
 * row each per report (the 0007 migration's partial indexes), so the check costs the same
 * however many calls are open; and an earlier report of the same batch counts as newer.
 */
async function findDuplicates(w: Work, items: ReportItem[]): Promise<(Found | undefined)[]> {
  const since = new Date(w.now.getTime() - 7 * 24 * 3600_000);
  const asked = items.flatMap((it, idx) => (it.draft.category === 'other' ? [] : [{ it, idx }]));
  const found = new Map<number, Duplicate>();
  if (asked.length) {
    const col = <T>(f: (a: (typeof asked)[number]) => T) => asked.map(f);
    const { rows } = await sql<Duplicate & { idx: number }>`
      select i.idx, d.no, d.location
      from unnest(${col((a) => a.idx)}::int[], ${col((a) => a.it.draft.category)}::text[],
                  ${col((a) => a.it.place.street)}::text[], ${col((a) => a.it.place.community)}::text[],
                  ${col((a) => a.it.draft.location)}::text[]) as i(idx, category, street, community, location)
      cross join lateral (
        select no, location from (
          (select no, location, created_at, 0 as probe from calls
            where category_code = i.category and street_code = i.street and created_at >= ${since}
              and state in ${DUPLICABLE} and community_code = i.community
            order by created_at desc limit 1)
          union all
          (select no, location, created_at, 1 as probe from calls
            where category_code = i.category and street_code = i.street and created_at >= ${since}
              and state in ${DUPLICABLE} and location = i.location
            order by created_at desc limit 1)
        ) p order by created_at desc, probe limit 1
      ) d`.execute(w.trx);
    for (const r of rows) found.set(r.idx, { no: r.no, location: r.location });
  }
  return items.map((it, i) => {
    if (it.draft.category === 'other') return undefined;
    // an earlier report of this batch is the newest call there is
    for (let j = i - 1; j >= 0; j--) {
      const e = items[j];
      const at = e.cmd.location ?? e.draft.location;
      if (e.draft.category !== it.draft.category || e.place.street !== it.place.street) continue;
      const sameCommunity = !!it.place.community && e.place.community === it.place.community;
      const samePlace = !!it.draft.location && at === it.draft.location;
      if (sameCommunity || samePlace) return { earlier: j, location: at };
    }
    return found.get(i);
  });
}

/** A report read and placed (bad input is refused here, before anything is written). */
export function readReport(
  d: District,
  actor: Actor,
  origin: Origin | null,
  cmd: ReportCommand,
  chatUnit: string | null,
  /** the text read already, with the same place (what was said, understood as a report) */
  read?: Draft,
): ReportItem {
  const place = placeReport(d, chatUnit, cmd);
  const parsed =
    read ??
    parserFor(d)(cmd.text, {
      communityCode: place.community ?? undefined,
      streetCode: place.street,
    });
  let draft = parsed;
  if (cmd.category && cmd.category !== parsed.category) {
    const item = d.catalogByCode.get(cmd.category);
    if (!item) refuse('bad_input', `没有这个事项类别“${cmd.category}”`);
    draft = withCategory(parsed, item!);
  }
  // declared an emergency by the reporter (another system's form), or a danger in words read as thanks or
  // a question that the sender now reports outright (反映, a photo): as if the text said so
  if ((cmd.emergency || draft.alarmSetAside) && !draft.emergency) draft = asEmergency(draft);
  if (!parsed.text && !cmd.images.length)
    refuse('bad_input', '请用文字描述问题和地点，例如：@呼应 晨辉路12号路灯不亮');
  return { actor, origin, cmd, place, parsed, draft };
}

export async function report(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: ReportCommand,
  chatUnit: string | null,
  read?: Draft,
): Promise<Call> {
  const first = readReport(ctx.district, actor, origin, cmd, chatUnit, read);
  // read here (not handed a reading) and unsure: the district's language model may advise
  const advised = read || cmd.category ? first.parsed : await advise(ctx, first.parsed);
  const item =
    advised === first.parsed ? first : readReport(ctx.district, actor, origin, cmd, chatUnit, advised);
  // reports worked through together are written together (an emergency too: a drain works each
  // one the moment it comes, alone, so it shares a batch only when a backlog is replayed)
  if (ctx.batch) return ctx.batch.join('report', item, (items: ReportItem[]) => writeReports(ctx, items));
  return (await writeReports(ctx, [item]))[0];
}

/**
 * Reports become calls, in one transaction: one range of the day's numbers, one duplicate
 * query, and one multi-row statement each for the calls, their events and their messages
 * (an emergency's dispatch request to the leaders and the office among them).
 */
export async function writeReports(ctx: Ctx, items: ReportItem[]): Promise<Call[]> {
  // A message worked again (its event not marked done when its process died after the call was
  // written) gives back the call it made, and makes no second one, sends nothing again.
  const made = await callsOfMessages(ctx, items);
  if (made.size) {
    const fresh = items.filter((_, i) => !made.has(i));
    const written = fresh.length ? await writeNewReports(ctx, fresh) : [];
    let next = 0;
    return items.map((_, i) => made.get(i) ?? written[next++]);
  }
  return writeNewReports(ctx, items);
}

/** The calls these reports' chat messages made already, by the report's index. */
async function callsOfMessages(ctx: Ctx, items: ReportItem[]): Promise<Map<number, Call>> {
  const ids = [...new Set(items.flatMap((it) => (it.origin?.messageId ? [it.origin.messageId] : [])))];
  const found = new Map<number, Call>();
  if (!ids.length) return found;
  const rows = await ctx.db.selectFrom('calls').selectAll().where('source_message_id', 'in', ids).execute();
  for (const [i, it] of items.entries()) {
    const call = rows.find(
      (r) =>
        r.source_message_id === it.origin?.messageId &&
        r.source_chat_platform === it.origin?.platform &&
        r.source_chat_id === it.origin?.chatId,
    );
    if (call) found.set(i, call);
  }
  return found;
}

async function writeNewReports(ctx: Ctx, items: ReportItem[]): Promise<Call[]> {
  const d = ctx.district;
  // The day's numbers are taken in a statement of their own, before the transaction, so writers
  // side by side do not queue on the counter's lock for the length of each other's transactions
  // (with four drain workers they did, most of the time). A transaction that then fails leaves
  // its numbers unused, a gap as a sequence would leave. A rehearsal, or work already inside a
  // transaction, takes them in its own transaction, after the reads.
  const early =
    ctx.rehearse || ctx.db.isTransaction
      ? null
      : await nextCallNos(ctx.db, ctx, ctx.clock.now(), items.length);
  return runWork(ctx, items[0].actor, items[0].origin, async (w) => {
    const found = await findDuplicates(w, items);
    const nos = early ?? (await nextCallNos(w.trx, ctx, w.now, items.length));
    const duplicates = found.map((f) =>
      f && 'earlier' in f ? { no: nos[f.earlier], location: f.location } : f,
    );
    const calls = await w.trx
      .insertInto('calls')
      .values(
        items.map(({ actor, origin, cmd, place, parsed, draft }, i) => {
          const tier: Tier = draft.emergency ? 'emergency' : draft.tier;
          return {
            no: nos[i],
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
            state: draft.emergency ? ('called' as const) : ('reported' as const),
            emergency: draft.emergency,
            in_doubt: draft.alarmDoubt,
            images: JSON.stringify(cmd.images),
            created_at: w.now,
            updated_at: w.now,
            state_since: w.now,
          };
        }),
      )
      .returningAll()
      .execute();
    // Postgres returns the rows of a multi-row insert in the order given
    // a new call waits on someone (the street's triage, or the leaders for an emergency)
    for (const call of calls) w.timersChanged(call.id);
    await w.events(
      items.map(({ actor, cmd, parsed, draft }, i) => ({
        callId: calls[i].id,
        kind: 'reported',
        actor,
        payload: {
          text: parsed.text,
          source: cmd.source,
          draft: {
            category: draft.category,
            tier: calls[i].tier,
            lead: draft.lead,
            co: draft.co,
            confidence: draft.confidence,
            ...(draft.alarmDoubt && { alarmDoubt: true }),
            ...(parsed.advice && { advice: parsed.advice }),
          },
          intent: parsed.intent,
          duplicateOf: duplicates[i]?.no ?? null,
          alerted: draft.emergency ? ['leaders', 'office'] : [],
        },
      })),
    );
    await w.toChats(
      items.flatMap(
        (it, i) =>
          replyOf(it.actor, it.origin, draftCard(d, calls[i], it.draft.departments), calls[i].id) ?? [],
      ),
    );
    const triage = items.map((it, i) => triageOf(d, it, calls[i], duplicates[i]));
    for (const [i, it] of items.entries())
      if (it.draft.emergency)
        // the leaders and the office see it may be the same event told again (a neighbour's word
        // on a fire already called in), so as not to send the same departments twice
        await requestDispatch(w, calls[i], suggestedOf(it.draft), (m) => {
          if (duplicates[i]) markDuplicate(m, duplicates[i]);
        });
    await w.toUnits(
      items.map((it, i) => ({ unit: it.place.street, message: triage[i], callId: calls[i].id })),
    );
    return calls;
  });
}

const suggestedOf = (draft: Draft) => ({ lead: draft.lead, co: draft.co });

/** The earlier call a card's call may duplicate, as a field of the card. */
function markDuplicate(card: Message, duplicate: Duplicate) {
  card.fields = [
    ...(card.fields ?? []),
    { label: '疑似重复', value: `${duplicate.no}（${duplicate.location ?? '同社区同类问题'}）` },
  ];
}

/** The street's triage card for a new call (or, for an emergency, word that the leaders have it). */
function triageOf(d: District, it: ReportItem, call: Call, duplicate: Duplicate | undefined): Message {
  // A category the parser guessed (not one given by another system) at low confidence: offer the alternatives.
  const unsure = !it.cmd.category && it.parsed.confidence < LOW_CONFIDENCE ? it.parsed : undefined;
  const triage = triageCard(d, call, suggestedOf(it.draft), unsure);
  if (duplicate) {
    markDuplicate(triage, duplicate);
    triage.buttons!.unshift({
      label: `合并到 ${duplicate.no}`,
      command: `合并 ${call.no} 到 ${duplicate.no}`,
      style: 'primary',
    });
  }
  if (call.in_doubt) {
    // no alarm, but the parser leans toward one: the street is asked to check soon
    triage.title = `【请核实】${triage.title}`;
    triage.tone = 'danger';
    triage.text = [
      `呼应助手拿不准这件事是否危及人身或财产安全，请尽快核实；确属紧急，请按「提交区领导」。${IN_DANGER}`,
      triage.text,
    ]
      .filter(Boolean)
      .join('\n');
  }
  if (call.emergency) {
    // nothing for the street to press: the leaders dispatch it
    triage.buttons = [];
    triage.form = undefined;
    triage.title = `【紧急】已直报区领导 ${call.no}`;
    triage.text = '紧急情况已直报区领导和呼应办，由区领导派单。';
  }
  return triage;
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
