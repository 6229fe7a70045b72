// Stage 6, close and archive (结案备案): the street confirms or rejects the result, merges
// duplicates, cancels; the reporter rates; the office flags spot checks.

import { z } from 'zod';
import type { Tier } from '../config/district.ts';
import type { Call } from '../db/schema.ts';
import { assignmentsOf, isActive, lockCall, OPEN_CALL_STATES } from './calls.ts';
import { satisfactionCard, scoreCard } from './cards/close.ts';
import { workCard } from './cards/track.ts';
import { defineCommand, need, ok, reason, ref, SATISFACTION_WORDS, STREET } from './command-def.ts';
import type { Ctx } from './context.ts';
import { limitsFor } from './deadlines.ts';
import { refuse } from './errors.ts';
import { notice } from './messages.ts';
import { modeOf } from './modes.ts';
import type { Actor } from './people.ts';
import { assertOffice, assertReporter, assertStreetAction } from './permissions.ts';
import { ackScore } from './scoring.ts';
import { archiveNow, assertState, setCallState } from './shared.ts';
import { type Origin, runWork, type Work } from './work.ts';
import { addDuration, parseDuration } from './worktime.ts';

const closeSchema = z.object({ type: z.literal('close'), ref });
const reopenSchema = z.object({ type: z.literal('reopen'), ref, reason });
const mergeSchema = z.object({ type: z.literal('merge'), ref, into: ref });
const cancelSchema = z.object({ type: z.literal('cancel'), ref, reason });
const rateSchema = z.object({
  type: z.literal('rate'),
  ref,
  answer: z.enum(['satisfied', 'basic', 'unsatisfied']),
});
const spotCheckSchema = z.object({
  type: z.literal('spot_check'),
  ref,
  note: z.string().trim().max(500).optional(),
});

export async function close(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof closeSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, CLOSING_COMMANDS.close, call);
    assertState(call, ['resolved'], '结案');
    const active = (await assignmentsOf(w.trx, call.id)).filter(isActive);
    if (!active.length || active.some((a) => a.state !== 'resolved'))
      refuse('wrong_state', '还有部门未办结，不能结案');
    await setCallState(w, call, 'closed', { closed_at: w.now });
    await w.event(call.id, 'closed', {});
    w.timersChanged(call.id);
    const toScore = active.filter((a) => a.role !== 'self');
    // the street's own answer first, then the cards it asked for
    await w.reply(
      notice(
        `已结案 ${call.no}`,
        toScore.length ? '请对承办部门逐一评分（逆向评议）。' : '已备案。',
        'success',
      ),
      call.id,
    );
    for (const a of toScore) await w.toUnit(call.street_code, scoreCard(d, call, a, ackScore(a)), call.id);
    if (call.source_chat_platform && call.source_chat_id && call.reporter_person_id)
      await w.toChat(
        call.source_chat_platform,
        call.source_chat_id,
        satisfactionCard(d, call, active),
        call.id,
      );
    // Nothing to score when the street handled it itself: the call is archived at once.
    if (!toScore.length) await archiveNow(w, call, 'nothing to score');
    return call;
  });
}

export async function reopen(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof reopenSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, CLOSING_COMMANDS.reopen, call);
    assertState(call, ['resolved'], '重办');
    const limits = limitsFor(d, call.category_code, call.tier as Tier);
    const due = addDuration(w.now, parseDuration(limits.resolve), { wallClock: modeOf(call.tier).wallClock });
    const active = (await assignmentsOf(w.trx, call.id)).filter(isActive);
    for (const a of active) {
      await w.trx
        .updateTable('assignments')
        .set({ state: 'in_progress', resolved_at: null, resolve_due_at: due, version: a.version + 1 })
        .where('id', '=', a.id)
        .execute();
      Object.assign(a, { state: 'in_progress', resolved_at: null, resolve_due_at: due });
      const card = workCard(d, call, a);
      card.title = `要求重办 ${call.no}`;
      card.fields = [...(card.fields ?? []), { label: '重办理由', value: cmd.reason }];
      card.buttons = card.buttons?.filter((b) => !b.command.startsWith('退回'));
      await w.toUnit(a.unit_code, card, call.id);
    }
    await setCallState(w, call, 'reopened', { resolved_at: null });
    await w.event(call.id, 'reopened', { reason: cmd.reason });
    w.timersChanged(call.id);
    await w.reply(notice(`已要求重办 ${call.no}`, cmd.reason), call.id);
    return call;
  });
}

async function endActive(w: Work, call: Call, state: 'cancelled', why: string) {
  const active = (await assignmentsOf(w.trx, call.id)).filter(isActive);
  for (const a of active) {
    await w.trx
      .updateTable('assignments')
      .set({ state, ended_at: w.now, version: a.version + 1 })
      .where('id', '=', a.id)
      .execute();
    if (a.role !== 'self')
      await w.toUnit(a.unit_code, notice(`呼叫单 ${call.no} ${why}`, '无需再办理。'), call.id);
  }
  w.timersChanged(call.id);
}

export async function merge(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof mergeSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, CLOSING_COMMANDS.merge, call);
    assertState(call, ['reported', 'triaged', 'called', 'returned'], '合并');
    const target = await lockCall(w.trx, cmd.into);
    if (target.id === call.id) refuse('bad_input', '不能合并到自身');
    if (!(OPEN_CALL_STATES as readonly string[]).includes(target.state) || target.state === 'resolved')
      refuse(
        'wrong_state',
        `呼叫单 ${target.no} 已${target.state === 'resolved' ? '办结' : '关闭'}，请另行呼叫`,
      );
    await endActive(w, call, 'cancelled', '已合并');
    await setCallState(w, call, 'merged', { merged_into_id: target.id });
    await w.event(call.id, 'merged', { into: target.no });
    await w.event(target.id, 'merge_received', { from: call.no, text: call.text });
    if (call.source_chat_platform && call.source_chat_id)
      await w.toChat(
        call.source_chat_platform,
        call.source_chat_id,
        notice(`您反映的问题已并入 ${target.no}`, '同一问题已在办理中，进展将一并告知。'),
        call.id,
      );
    await w.reply(notice(`已合并 ${call.no} → ${target.no}`, ''), call.id);
    return call;
  });
}

export async function cancel(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof cancelSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, CLOSING_COMMANDS.cancel, call);
    assertState(call, OPEN_CALL_STATES, '撤销');
    await endActive(w, call, 'cancelled', '已撤销');
    await setCallState(w, call, 'cancelled');
    await w.event(call.id, 'cancelled', { reason: cmd.reason });
    if (call.source_chat_platform && call.source_chat_id)
      await w.toChat(
        call.source_chat_platform,
        call.source_chat_id,
        notice(`呼叫单 ${call.no} 已撤销`, cmd.reason),
        call.id,
      );
    await w.reply(notice(`已撤销 ${call.no}`, cmd.reason), call.id);
    return call;
  });
}

const ANSWER_NAMES = { satisfied: '满意', basic: '基本满意', unsatisfied: '不满意' } as const;

export async function rate(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof rateSchema>,
): Promise<Call> {
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertReporter(actor, call);
    assertState(call, ['closed', 'archived'], '评价满意度');
    const done = await w.trx
      .selectFrom('satisfaction')
      .select('id')
      .where('call_id', '=', call.id)
      .executeTakeFirst();
    if (done) refuse('already_done', '您已评价过，谢谢！');
    await w.trx
      .insertInto('satisfaction')
      .values({ call_id: call.id, answer: cmd.answer, person_id: actor.personId, at: w.now })
      .execute();
    await w.event(call.id, 'rated', { answer: cmd.answer });
    await w.reply(
      notice('感谢您的评价', `呼叫单 ${call.no}：${ANSWER_NAMES[cmd.answer]}`, 'success'),
      call.id,
    );
    if (cmd.answer === 'unsatisfied')
      await w.toUnit(
        call.street_code,
        notice(`居民对 ${call.no} 不满意`, '请回访了解情况。', 'warning'),
        call.id,
      );
    return call;
  });
}

export async function spotCheck(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof spotCheckSchema>,
) {
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertOffice(actor, CLOSING_COMMANDS.spot_check);
    await w.trx.updateTable('calls').set({ spot_check: true }).where('id', '=', call.id).execute();
    await w.event(call.id, 'spot_checked', { note: cmd.note ?? null });
    await w.reply(notice(`已标记暗访督查 ${call.no}`, cmd.note ?? ''), call.id);
    return call;
  });
}

const STREET_AND_OFFICE = [...STREET, 'office_staff' as const];

export const CLOSING_COMMANDS = {
  close: defineCommand({
    type: 'close',
    name: '结案',
    roles: STREET,
    who: '街道',
    schema: closeSchema,
    heads: ['结案'],
    glued: ['结案'],
    parse: ({ no }) => (no ? ok({ type: 'close', ref: no }) : need('结案 0001')),
    help: [{ usage: '结案 0001', meaning: '确认办理结果并结案' }],
    run: (ctx, inv, cmd) => close(ctx, inv.actor, inv.origin, cmd),
  }),
  reopen: defineCommand({
    type: 'reopen',
    name: '重办',
    roles: STREET,
    who: '街道',
    schema: reopenSchema,
    heads: ['重办'],
    parse: ({ no, after }) =>
      no && after(1) ? ok({ type: 'reopen', ref: no, reason: after(1) }) : need('重办 0001 重办理由'),
    help: [{ usage: '重办 0001 理由', meaning: '不认可结果，要求重办' }],
    run: (ctx, inv, cmd) => reopen(ctx, inv.actor, inv.origin, cmd),
  }),
  merge: defineCommand({
    type: 'merge',
    name: '合并',
    roles: STREET_AND_OFFICE,
    who: '街道',
    schema: mergeSchema,
    heads: ['合并'],
    parse: ({ no, args }) => {
      const into = args[1] === '到' || args[1] === '入' ? args[2] : args[1];
      return no && into ? ok({ type: 'merge', ref: no, into }) : need('合并 0002 到 0001');
    },
    help: [{ usage: '合并 0002 到 0001', meaning: '重复反映并入已有呼叫单' }],
    run: (ctx, inv, cmd) => merge(ctx, inv.actor, inv.origin, cmd),
  }),
  cancel: defineCommand({
    type: 'cancel',
    name: '撤销',
    roles: STREET_AND_OFFICE,
    who: '街道、呼应办',
    schema: cancelSchema,
    heads: ['撤销'],
    parse: ({ no, after }) =>
      no && after(1) ? ok({ type: 'cancel', ref: no, reason: after(1) }) : need('撤销 0001 撤销理由'),
    help: [{ usage: '撤销 0001 理由', meaning: '撤销（非真实问题等）' }],
    run: (ctx, inv, cmd) => cancel(ctx, inv.actor, inv.origin, cmd),
  }),
  rate: defineCommand({
    type: 'rate',
    name: '评价满意度',
    roles: ['resident', 'grid_worker'],
    who: '反映人',
    schema: rateSchema,
    heads: Object.keys(SATISFACTION_WORDS),
    glued: Object.keys(SATISFACTION_WORDS),
    parse: ({ head, no }) =>
      no
        ? ok({ type: 'rate', ref: no, answer: SATISFACTION_WORDS[head as keyof typeof SATISFACTION_WORDS] })
        : need(`${head} 0001`),
    help: [{ usage: '满意 0001 / 基本满意 0001 / 不满意 0001', meaning: '评价满意度' }],
    run: (ctx, inv, cmd) => rate(ctx, inv.actor, inv.origin, cmd),
  }),
  spot_check: defineCommand({
    type: 'spot_check',
    name: '暗访督查',
    roles: ['office_staff'],
    who: '呼应办',
    schema: spotCheckSchema,
    heads: ['督查'],
    glued: ['督查'],
    parse: ({ no, after }) =>
      no ? ok({ type: 'spot_check', ref: no, note: after(1) || undefined }) : need('督查 0001 备注'),
    help: [{ usage: '督查 0001 [备注]', meaning: '标记暗访督查' }],
    run: (ctx, inv, cmd) => spotCheck(ctx, inv.actor, inv.origin, cmd),
  }),
};
