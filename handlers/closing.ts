// Stage 6, close and archive (结案备案): the street confirms or rejects the result, merges
// duplicates, cancels; the reporter rates; the office flags spot checks.

import type { Tier } from '../config/district.ts';
import type { Call } from '../db/schema.ts';
import { assignmentsOf, isActive, lockCall, OPEN_CALL_STATES } from './calls.ts';
import { satisfactionCard, scoreCard, workCard } from './cards.ts';
import type { CommandOf } from './commands.ts';
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

export async function close(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: CommandOf<'close'>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, 'close', call);
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
  cmd: CommandOf<'reopen'>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, 'reopen', call);
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
  cmd: CommandOf<'merge'>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, 'merge', call);
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
  cmd: CommandOf<'cancel'>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, 'cancel', call);
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
  cmd: CommandOf<'rate'>,
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

export async function spotCheck(ctx: Ctx, actor: Actor, origin: Origin | null, cmd: CommandOf<'spot_check'>) {
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertOffice(actor, 'spot_check');
    await w.trx.updateTable('calls').set({ spot_check: true }).where('id', '=', call.id).execute();
    await w.event(call.id, 'spot_checked', { note: cmd.note ?? null });
    await w.reply(notice(`已标记暗访督查 ${call.no}`, cmd.note ?? ''), call.id);
    return call;
  });
}
