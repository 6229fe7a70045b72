// Stages 2 and 3, triage and tiered call (集中研判、分级呼叫): the street sets tier, category
// and departments, then calls by the mode its tier demands.
import { z } from 'zod';
import { TIERS, type Tier } from '../config/district.ts';
import type { Call } from '../db/schema.ts';
import { lockCall } from './calls.ts';
import { unitName } from './cards/fields.ts';
import { defineCommand, findUnitCode, need, ok, ref, STREET, TIER_WORDS, unit } from './command-def.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
import { notice } from './messages.ts';
import { modeOf } from './modes.ts';
import type { Actor } from './people.ts';
import { assertStreetAction } from './permissions.ts';
import {
  assertDepartment,
  assertState,
  assign,
  leadAndCo,
  names,
  requestDispatch,
  setCallState,
} from './shared.ts';
import { type Origin, runWork } from './work.ts';

const triageSchema = z.object({
  type: z.literal('triage'),
  ref,
  tier: z.enum(TIERS).optional(),
  category: z.string().optional(),
  lead: unit.optional(),
  co: z.array(unit).optional(),
  location: z.string().trim().max(200).optional(),
  call: z.boolean().default(true),
});

export async function triage(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof triageSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, TRIAGE_COMMAND, call);
    assertState(call, ['reported', 'triaged', 'returned'], '研判');
    const category = cmd.category ?? call.category_code;
    const item = d.catalogByCode.get(category);
    if (!item) refuse('bad_input', `没有这个事项类别“${category}”`);
    const tier: Tier = cmd.tier ?? (cmd.category ? item!.tier : (call.tier as Tier));
    const catalogUnits = category === call.category_code || cmd.category ? item! : undefined;
    const lead = cmd.lead ?? catalogUnits?.lead ?? null;
    const co = cmd.co ?? (cmd.lead ? [] : (catalogUnits?.co ?? []));
    for (const u of [lead, ...co]) if (u) assertDepartment(d, u);
    if (cmd.call && modeOf(tier).needsDepartment && !lead)
      refuse('bad_input', `请指定对口部门，例如「呼叫 ${call.no.slice(-4)} 一般 区城管委」`);
    await w.trx
      .updateTable('calls')
      .set({
        tier,
        mode: modeOf(tier).code,
        category_code: category,
        location: cmd.location ?? call.location,
        emergency: call.emergency || modeOf(tier).emergency,
        triaged_at: w.now,
      })
      .where('id', '=', call.id)
      .execute();
    Object.assign(call, {
      tier,
      mode: modeOf(tier).code,
      category_code: category,
      location: cmd.location ?? call.location,
    });
    const decided = { tier, category, lead, co, location: call.location };
    if (!cmd.call) {
      await w.event(call.id, 'triaged', decided);
      await setCallState(w, call, 'triaged');
      await w.reply(
        notice(
          `已研判 ${call.no}`,
          `等级：${tier}；部门：${names(d, [lead, ...co].filter(Boolean) as string[]) || '—'}`,
        ),
      );
      return call;
    }
    let what: string;
    const mode = modeOf(tier);
    if (mode.selfHandled) {
      await setCallState(w, call, 'dispatched');
      await assign(w, call, [{ unit: call.street_code, role: 'self', round: 1 }]);
      await setCallState(w, call, 'acknowledged');
      what = `由${unitName(d, call.street_code)}自行处置`;
    } else if (mode.dispatcher === 'street') {
      await setCallState(w, call, 'dispatched');
      await assign(w, call, [
        { unit: lead!, role: 'lead', round: 1 },
        ...co.map((u) => ({ unit: u, role: 'co' as const, round: 1 })),
      ]);
      what = co.length ? `已呼叫 ${leadAndCo(d, lead!, co)}` : `已呼叫${unitName(d, lead!)}`;
    } else {
      await setCallState(w, call, 'called');
      await requestDispatch(w, call, { lead, co });
      what = mode.handedTo!;
    }
    // One event for the command: triage and the call it makes are one decision of the street.
    await w.event(call.id, 'called', { ...decided, mode: modeOf(tier).code });
    await w.reply(notice(`呼叫单 ${call.no}`, what, 'success'), call.id);
    return call;
  });
}

/** The words that fix a tier: 自行处置 is simple, 提交呼应办 complex, 提交领导 key. */
const FIXED_TIER: Record<string, Tier | undefined> = {
  自行处置: 'simple',
  提交呼应办: 'complex',
  提交领导: 'key',
};

export const TRIAGE_COMMAND = defineCommand({
  type: 'triage',
  name: '研判呼叫',
  roles: STREET,
  who: '街道',
  schema: triageSchema,
  heads: ['呼叫', '研判', '自行处置', '提交呼应办', '提交领导'],
  glued: ['呼叫'],
  parse: ({ head, no, args, d }) => {
    if (!no) return need(`${head} 0001`);
    let tier = FIXED_TIER[head];
    let category: string | undefined;
    const units: string[] = [];
    for (const a of args.slice(1)) {
      const bare = a.replace(/(问题|等级)$/, '');
      if (TIER_WORDS[bare]) tier = TIER_WORDS[bare];
      else if (d.catalogByCode.has(a)) category = a;
      else if (d.catalog.some((c) => c.name === a)) category = d.catalog.find((c) => c.name === a)!.code;
      else {
        const u = findUnitCode(d, a);
        if (!u)
          return { ok: false, hint: `不认识“${a}”：请写等级（简单/一般/复杂/重点/突发）、类别或部门名称` };
        units.push(u);
      }
    }
    return ok({
      type: 'triage',
      ref: no,
      tier,
      category,
      lead: units[0],
      co: units.length > 1 ? units.slice(1) : undefined,
      call: head !== '研判',
    });
  },
  help: [
    { usage: '呼叫 0001 [等级] [部门…]', meaning: '研判并按等级呼叫（等级：简单/一般/复杂/重点/突发）' },
    { usage: '研判 0001 [等级] [类别] [部门…]', meaning: '只研判、暂不呼叫' },
    { usage: '自行处置 0001', meaning: '简单问题由街道自行处置' },
    { usage: '提交呼应办 0001', meaning: '按复杂问题提交呼应办派单' },
    { usage: '提交领导 0001', meaning: '按重难点问题提请区领导派单' },
  ],
  run: (ctx, inv, cmd) => triage(ctx, inv.actor, inv.origin, cmd),
});
