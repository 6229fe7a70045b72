// Stages 2 and 3, triage and tiered call (集中研判、分级呼叫): the street sets tier, category
// and departments, then calls by the mode its tier demands.
import type { Tier } from '../config/district.ts';
import type { Call } from '../db/schema.ts';
import { lockCall } from './calls.ts';
import { unitName } from './cards.ts';
import type { CommandOf } from './commands.ts';
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

export async function triage(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: CommandOf<'triage'>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, 'triage', call);
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
