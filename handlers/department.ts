// Stage 5, track (全程跟踪): a department acknowledges (报到), reports progress, resolves,
// or returns a mis-routed assignment to whoever dispatched it.
import type { Assignment, Call } from '../db/schema.ts';
import { assignmentsOf, isActive, lockCall } from './calls.ts';
import { resolvedCard, triageCard, unitName, workCard } from './cards.ts';
import type { CommandOf } from './commands.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
import { type Message, notice } from './messages.ts';
import { modeOf } from './modes.ts';
import type { Actor } from './people.ts';
import { assertAssignee } from './permissions.ts';
import { refreshCallState, requestDispatch } from './shared.ts';
import { type Origin, runWork, type Work } from './work.ts';

type DepartmentCommand = CommandOf<'acknowledge' | 'progress' | 'resolve' | 'return'>;
const ACTION = {
  acknowledge: 'acknowledge',
  progress: 'progress',
  resolve: 'resolve',
  return: 'return',
} as const;

/** The assignment the actor acts on: their unit's active one (or the named unit's). */
async function pick(
  w: Work,
  call: Call,
  cmd: DepartmentCommand,
): Promise<{ a: Assignment; all: Assignment[] }> {
  const all = await assignmentsOf(w.trx, call.id);
  const unit = cmd.unit ?? w.actor.unitCode;
  const mine = all.filter((a) => a.unit_code === unit);
  const a = mine.find(isActive) ?? mine.at(-1);
  const target = a ?? all.find((x) => x.role === 'lead' && isActive(x)) ?? all.find(isActive);
  if (!target) refuse('wrong_state', `呼叫单 ${call.no} 还没有派单`);
  assertAssignee(w.ctx.district, w.actor, ACTION[cmd.type], target!);
  if (!isActive(target!))
    refuse(
      'already_done',
      `此呼叫已${target!.state === 'returned' ? '退回' : target!.state === 'reassigned' ? '改派' : '撤销'}，无需再办理`,
    );
  if (['closed', 'archived', 'merged', 'cancelled'].includes(call.state))
    refuse(
      'already_done',
      `呼叫单 ${call.no} 已${call.state === 'closed' || call.state === 'archived' ? '结案' : '关闭'}`,
    );
  return { a: target!, all };
}

async function update(w: Work, a: Assignment, set: Partial<Record<string, unknown>>) {
  await w.trx
    .updateTable('assignments')
    .set({ ...set, version: a.version + 1 })
    .where('id', '=', a.id)
    .execute();
  Object.assign(a, set);
}

export async function acknowledge(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: CommandOf<'acknowledge'>,
) {
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    const { a } = await pick(w, call, cmd);
    if (a.state !== 'dispatched')
      refuse('already_done', `${unitName(ctx.district, a.unit_code)}已报到过此呼叫`);
    await update(w, a, { state: 'acknowledged', acknowledged_at: w.now, acknowledged_by: actor.personId });
    await refreshCallState(w, call);
    const late = a.ack_due_at && w.now > new Date(a.ack_due_at);
    await w.event(call.id, 'acknowledged', { unit: a.unit_code, late: !!late }, a.id);
    w.timersChanged(call.id);
    await w.toUnit(a.unit_code, workCard(ctx.district, call, a), call.id);
    await w.toUnit(
      call.street_code,
      notice(`${unitName(ctx.district, a.unit_code)}已报到 ${call.no}`, `报到人：${actor.name}`),
      call.id,
    );
    // the reporter of an emergency hears at once that help is on its way
    if (call.emergency && call.source_chat_platform && call.source_chat_id)
      await w.toChat(
        call.source_chat_platform,
        call.source_chat_id,
        notice(
          `${unitName(ctx.district, a.unit_code)}已响应 ${call.no}`,
          `您报告的紧急情况已由${unitName(ctx.district, a.unit_code)}接手处置。请保持电话畅通，注意安全；如有人员危险，请立即拨打 119 / 110 / 120。`,
          'danger',
        ),
        call.id,
        call.source_message_id ?? undefined,
      );
    return call;
  });
}

export async function progress(ctx: Ctx, actor: Actor, origin: Origin | null, cmd: CommandOf<'progress'>) {
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    const { a } = await pick(w, call, cmd);
    if (a.state === 'dispatched')
      refuse('wrong_state', `请先报到，再反馈进展（「报到 ${call.no.slice(-4)}」）`);
    if (a.state === 'resolved') refuse('already_done', '此事项已办结');
    await update(w, a, { state: 'in_progress' });
    await refreshCallState(w, call);
    await w.event(call.id, 'progress', { unit: a.unit_code, text: cmd.text }, a.id);
    await w.toUnit(
      call.street_code,
      notice(`${unitName(ctx.district, a.unit_code)}反馈进展 ${call.no}`, cmd.text),
      call.id,
    );
    await w.reply(notice(`已记录进展 ${call.no}`, cmd.text, 'success'), call.id);
    return call;
  });
}

export async function resolve(ctx: Ctx, actor: Actor, origin: Origin | null, cmd: CommandOf<'resolve'>) {
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    const { a } = await pick(w, call, cmd);
    if (a.state === 'dispatched') refuse('wrong_state', `请先报到，再办结（「报到 ${call.no.slice(-4)}」）`);
    if (a.state === 'resolved') refuse('already_done', `${unitName(ctx.district, a.unit_code)}已办结此呼叫`);
    await update(w, a, {
      state: 'resolved',
      resolved_at: w.now,
      resolved_by: actor.personId,
      result_text: cmd.text,
      result_images: JSON.stringify(cmd.images),
    });
    const all = await refreshCallState(w, call);
    await w.event(call.id, 'resolved', { unit: a.unit_code, text: cmd.text, images: cmd.images }, a.id);
    w.timersChanged(call.id);
    if (call.state === 'resolved')
      await w.toUnit(call.street_code, resolvedCard(ctx.district, call, all.filter(isActive)), call.id);
    else
      await w.toUnit(
        call.street_code,
        notice(
          `${unitName(ctx.district, a.unit_code)}已办结 ${call.no}`,
          `${cmd.text}\n（其他部门仍在办理）`,
        ),
        call.id,
      );
    await w.reply(notice(`已办结 ${call.no}`, cmd.text, 'success'), call.id);
    return call;
  });
}

export async function returnAssignment(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: CommandOf<'return'>,
) {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    const { a } = await pick(w, call, cmd);
    if (a.role === 'self') refuse('wrong_state', '街道自行处置的事项不能退回，可撤销或重新研判');
    if (a.state === 'resolved') refuse('already_done', '已办结的事项不能退回');
    await update(w, a, { state: 'returned', returned_at: w.now, return_reason: cmd.reason, ended_at: w.now });
    await refreshCallState(w, call);
    await w.event(
      call.id,
      'returned',
      { unit: a.unit_code, reason: cmd.reason, to: a.dispatched_by_unit },
      a.id,
    );
    w.timersChanged(call.id);
    // Back to whoever dispatched it: the street calls again, the office or the leaders re-dispatch.
    const returned = (card: Message) => {
      card.title = `${unitName(d, a.unit_code)}退回 ${call.no}`;
      card.fields = [...(card.fields ?? []), { label: '退回理由', value: cmd.reason }];
    };
    if (modeOf(call.tier).dispatcher === 'street') {
      const card = triageCard(d, call, { lead: null, co: [] });
      returned(card);
      await w.toUnit(call.street_code, card, call.id);
    } else {
      // the departments still on it are no choice for the new dispatch
      const busy = (await assignmentsOf(w.trx, call.id)).filter(isActive).map((x) => x.unit_code);
      await requestDispatch(w, call, { lead: null, co: [], busy }, returned);
      await w.toUnit(
        call.street_code,
        notice(`${unitName(d, a.unit_code)}退回 ${call.no}`, cmd.reason, 'warning'),
        call.id,
      );
    }
    await w.reply(notice(`已退回 ${call.no}`, cmd.reason), call.id);
    return call;
  });
}
