// Reverse evaluation (逆向评议, 一事一评): the calling street scores each department on five
// dimensions after closure; no 感情分: low or undeserved full marks need a written reason.
import type { Assignment, Call } from '../db/schema.ts';
import { lockCall } from './calls.ts';
import { shortName, unitName } from './cards.ts';
import type { CommandOf } from './commands.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
import { SCORE_DIMENSIONS } from './grammar.ts';
import { notice } from './messages.ts';
import type { Actor } from './people.ts';
import { assertStreetAction } from './permissions.ts';
import { archiveNow, assertState, scorableAssignments, unscoredAssignments } from './shared.ts';
import { type Origin, runWork } from './work.ts';

const CORRECTION_WINDOW_MS = 24 * 3600_000;

/** The 报到 dimension from the acknowledgement: 20 on time, down to 10 at one ack-limit late, 0 at two. */
export function ackScore(a: Assignment): number {
  if (!a.ack_due_at || !a.acknowledged_at) return a.acknowledged_at ? 20 : 0;
  const late = new Date(a.acknowledged_at).getTime() - new Date(a.ack_due_at).getTime();
  if (late <= 0) return 20;
  const limit = Math.max(60_000, new Date(a.ack_due_at).getTime() - new Date(a.dispatched_at).getTime());
  return Math.max(0, Math.round(20 - (10 * late) / limit));
}

export const wasOverdue = (a: Assignment) =>
  (!!a.ack_due_at && (!a.acknowledged_at || new Date(a.acknowledged_at) > new Date(a.ack_due_at))) ||
  (!!a.resolve_due_at && (!a.resolved_at || new Date(a.resolved_at) > new Date(a.resolve_due_at)));

export async function score(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: CommandOf<'score'>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, 'score', call);
    assertState(call, ['closed', 'archived'], '评分');
    const scorable = await scorableAssignments(w, call.id);
    const candidates = cmd.unit ? scorable.filter((a) => a.unit_code === cmd.unit) : scorable;
    if (!candidates.length)
      refuse('bad_input', cmd.unit ? `${unitName(d, cmd.unit)}没有承办此呼叫` : '此呼叫没有需要评分的部门');
    if (candidates.length > 1)
      refuse(
        'bad_input',
        `此呼叫有多个承办部门，请注明部门：${candidates.map((a) => `「评分 ${call.no.slice(-4)} ${shortName(d, a.unit_code)} …」`).join(' ')}`,
      );
    const a = candidates[0];
    const [ack, professional, ownership, cooperation, result] = cmd.scores;
    const total = cmd.scores.reduce((s, x) => s + x, 0);
    const low = cmd.scores.map((s, i) => [s, i] as const).filter(([s]) => s < 12);
    const reason = cmd.comment?.trim() ?? '';
    if (low.length && reason.length < 2)
      refuse(
        'reason_required',
        `${low.map(([s, i]) => `${SCORE_DIMENSIONS[i]} ${s}分`).join('、')}低于12分，请写明理由`,
      );
    if (total === 100 && wasOverdue(a) && reason.length < 2)
      refuse('reason_required', '此呼叫曾逾期，给满分请写明理由（不打感情分、人情分）');
    const previous = await w.trx
      .selectFrom('scores')
      .selectAll()
      .where('assignment_id', '=', a.id)
      .where('current', '=', true)
      .executeTakeFirst();
    if (previous && w.now.getTime() - new Date(previous.created_at).getTime() > CORRECTION_WINDOW_MS)
      refuse('already_done', `${unitName(d, a.unit_code)}已评分，超过24小时不能更正`);
    if (!previous && call.state === 'archived') refuse('already_done', '此呼叫已备案');
    if (previous)
      await w.trx.updateTable('scores').set({ current: false }).where('id', '=', previous.id).execute();
    await w.trx
      .insertInto('scores')
      .values({
        assignment_id: a.id,
        call_id: call.id,
        unit_code: a.unit_code,
        street_code: call.street_code,
        scored_by: actor.personId,
        ack,
        professional,
        ownership,
        cooperation,
        result,
        total,
        comment: reason || null,
        reason: low.length || (total === 100 && wasOverdue(a)) ? reason : null,
        supersedes_id: previous?.id ?? null,
        created_at: w.now,
      })
      .execute();
    await w.event(
      call.id,
      previous ? 'score_corrected' : 'scored',
      { unit: a.unit_code, scores: cmd.scores, total, comment: reason || null },
      a.id,
    );
    const all = (await unscoredAssignments(w, call.id)).length === 0;
    if (all && call.state === 'closed') await archiveNow(w, call, 'all scored');
    await w.toUnit(
      a.unit_code,
      notice(
        `${unitName(d, call.street_code)}对 ${call.no} 的评分`,
        `${SCORE_DIMENSIONS.map((n, i) => `${n}${cmd.scores[i]}`).join(' ')}，合计 ${total} 分${reason ? `\n意见：${reason}` : ''}`,
      ),
      call.id,
    );
    await w.reply(
      notice(
        `${previous ? '已更正评分' : '已评分'} ${call.no}`,
        `${unitName(d, a.unit_code)} ${total} 分${all ? '，已备案' : ''}`,
        'success',
      ),
      call.id,
    );
    return call;
  });
}
