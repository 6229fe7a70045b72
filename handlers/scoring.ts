// Reverse evaluation (逆向评议, 一事一评): the calling street scores each department on five
// dimensions after closure; no 感情分: low or undeserved full marks need a written reason.
import { z } from 'zod';
import type { Assignment, Call } from '../db/schema.ts';
import { lockCall } from './calls.ts';
import { shortName, unitName } from './cards/fields.ts';
import {
  defineCommand,
  dim,
  findUnitCode,
  need,
  ok,
  ref,
  SCORE_DIMENSIONS,
  STREET,
  unit,
} from './command-def.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
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

const scoreSchema = z.object({
  type: z.literal('score'),
  ref,
  unit: unit.optional(),
  scores: z.tuple([dim, dim, dim, dim, dim], {
    message: '请给出五项评分：报到 专业性 担当意识 配合度 办理结果',
  }),
  comment: z.string().trim().max(500).optional(),
});

export async function score(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof scoreSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertStreetAction(d, actor, SCORE_COMMAND, call);
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

export const SCORE_COMMAND = defineCommand({
  type: 'score',
  name: '评分',
  roles: STREET,
  who: '街道',
  schema: scoreSchema,
  heads: ['评分'],
  parse: ({ no, args, after, d }) => {
    if (!no) return need('评分 0001 20 18 20 19 20 意见');
    let i = 1;
    let unit: string | undefined;
    if (args[1] && !/^\d+$/.test(args[1])) {
      unit = findUnitCode(d, args[1]);
      if (!unit) return { ok: false, hint: `没有找到部门“${args[1]}”` };
      i = 2;
    }
    const nums = args.slice(i, i + 5);
    const bad = nums.find((n) => !/^\d+$/.test(n));
    if (nums.length < 5 || bad)
      return {
        ok: false,
        hint: `评分需要五项0–20的整数：报到 专业性 担当意识 配合度 办理结果${bad ? `（“${bad}”不是整数）` : `（只给了${nums.filter((n) => /^\d+$/.test(n)).length}项）`}\n例：评分 0001 20 18 20 19 20 处置及时`,
      };
    const scores = nums.map(Number);
    const out = scores.map((s, k) => [s, k] as const).filter(([s]) => s > 20);
    if (out.length)
      return {
        ok: false,
        hint: `每项评分在0到20之间：${out.map(([s, k]) => `${SCORE_DIMENSIONS[k]} ${s}`).join('，')} 超出范围`,
      };
    return ok({
      type: 'score',
      ref: no,
      unit,
      scores: scores as [number, number, number, number, number],
      comment: after(i + 5) || undefined,
    });
  },
  help: [
    {
      usage: '评分 0001 [部门] 20 18 20 19 20 意见',
      meaning: '逆向评议：报到 专业性 担当意识 配合度 办理结果，各0–20分（部门可写简称，如 城管委）',
    },
  ],
  run: (ctx, inv, cmd) => score(ctx, inv.actor, inv.origin, cmd),
});
