// Stage 5, track (全程跟踪): a department acknowledges (报到), reports progress, resolves,
// or returns a mis-routed assignment to whoever dispatched it.
import { z } from 'zod';
import type { Assignment, Call } from '../db/schema.ts';
import { assignmentsOf, isActive, lockCall } from './calls.ts';
import { IN_DANGER, triageCard } from './cards/collect.ts';
import { unitName } from './cards/fields.ts';
import { resolvedCard, workCard } from './cards/track.ts';
import { DEPARTMENT, defineCommand, findUnitCode, need, ok, reason, ref, unit } from './command-def.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
import { type Message, notice } from './messages.ts';
import { modeOf } from './modes.ts';
import type { Actor } from './people.ts';
import { assertAssignee } from './permissions.ts';
import { refreshCallState, requestDispatch } from './shared.ts';
import { type Origin, runWork, type Work } from './work.ts';

const acknowledgeSchema = z.object({ type: z.literal('acknowledge'), ref, unit: unit.optional() });
const progressSchema = z.object({
  type: z.literal('progress'),
  ref,
  text: z.string().trim().min(1, '请写明进展').max(1000),
  unit: unit.optional(),
});
const resolveSchema = z.object({
  type: z.literal('resolve'),
  ref,
  text: z.string().trim().min(2, '请写明办理结果').max(1000),
  images: z.array(z.string()).max(9).default([]),
  unit: unit.optional(),
});
const returnSchema = z.object({ type: z.literal('return'), ref, reason, unit: unit.optional() });
type DepartmentCommand = z.output<
  typeof acknowledgeSchema | typeof progressSchema | typeof resolveSchema | typeof returnSchema
>;

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
  assertAssignee(w.ctx.district, w.actor, DEPARTMENT_COMMANDS[cmd.type], target!);
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
  cmd: z.output<typeof acknowledgeSchema>,
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
          `您报告的紧急情况已由${unitName(ctx.district, a.unit_code)}接手处置。请保持电话畅通，注意安全；${IN_DANGER}`,
          'danger',
        ),
        call.id,
        call.source_message_id ?? undefined,
      );
    return call;
  });
}

export async function progress(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof progressSchema>,
) {
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

export async function resolve(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof resolveSchema>,
) {
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
  cmd: z.output<typeof returnSchema>,
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
    const stillWorking = (await assignmentsOf(w.trx, call.id)).some(isActive);
    if (modeOf(call.tier).dispatcher === 'street' && !stillWorking) {
      const card = triageCard(d, call, { lead: null, co: [] });
      returned(card);
      await w.toUnit(call.street_code, card, call.id);
    } else if (modeOf(call.tier).dispatcher === 'street') {
      // other departments are still on it: nothing to call again, the street is told
      await w.toUnit(
        call.street_code,
        notice(
          `${unitName(d, a.unit_code)}退回 ${call.no}`,
          `${cmd.reason}（其余承办部门继续办理）`,
          'warning',
        ),
        call.id,
      );
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

const WHO = '部门联络员';

export const DEPARTMENT_COMMANDS = {
  acknowledge: defineCommand({
    type: 'acknowledge',
    name: '报到',
    roles: DEPARTMENT,
    who: WHO,
    schema: acknowledgeSchema,
    heads: ['报到'],
    glued: ['报到'],
    parse: ({ no, args, d }) =>
      no
        ? ok({ type: 'acknowledge', ref: no, unit: args[1] && findUnitCode(d, args[1]) })
        : need('报到 0001'),
    help: [{ usage: '报到 0001', meaning: '部门报到' }],
    run: (ctx, inv, cmd) => acknowledge(ctx, inv.actor, inv.origin, cmd),
  }),
  progress: defineCommand({
    type: 'progress',
    name: '反馈进展',
    roles: DEPARTMENT,
    who: WHO,
    schema: progressSchema,
    heads: ['进展'],
    parse: ({ no, after }) =>
      no && after(1) ? ok({ type: 'progress', ref: no, text: after(1) }) : need('进展 0001 处置进展'),
    help: [{ usage: '进展 0001 内容', meaning: '反馈处置进展' }],
    run: (ctx, inv, cmd) => progress(ctx, inv.actor, inv.origin, cmd),
  }),
  resolve: defineCommand({
    type: 'resolve',
    name: '办结',
    roles: DEPARTMENT,
    who: WHO,
    schema: resolveSchema,
    heads: ['办结'],
    parse: ({ no, after }) =>
      no && after(1)
        ? ok({ type: 'resolve', ref: no, text: after(1), images: [] })
        : need('办结 0001 办理结果'),
    help: [{ usage: '办结 0001 结果', meaning: '办结并说明结果' }],
    run: (ctx, inv, cmd) => resolve(ctx, inv.actor, inv.origin, cmd),
  }),
  return: defineCommand({
    type: 'return',
    name: '退回',
    roles: DEPARTMENT,
    who: WHO,
    schema: returnSchema,
    heads: ['退回'],
    parse: ({ no, after }) =>
      no && after(1) ? ok({ type: 'return', ref: no, reason: after(1) }) : need('退回 0001 退回理由'),
    help: [{ usage: '退回 0001 理由', meaning: '退回错派的呼叫' }],
    run: (ctx, inv, cmd) => returnAssignment(ctx, inv.actor, inv.origin, cmd),
  }),
};
