// Stage 4, dispatch (派单调度): the office's two rounds for complex calls, the leaders'
// reverse dispatch for key and emergency calls; reassignment, co-departments, deadlines.
import { z } from 'zod';
import type { Call } from '../db/schema.ts';
import { assignmentsOf, isActive, lockCall } from './calls.ts';
import { unitName } from './cards/fields.ts';
import {
  defineCommand,
  findUnitCode,
  need,
  ok,
  reason,
  ref,
  SUPERVISORS,
  type Typed,
  unit,
} from './command-def.ts';
import type { Ctx } from './context.ts';
import { refuse } from './errors.ts';
import { notice } from './messages.ts';
import type { Actor } from './people.ts';
import { assertDispatcher, assertSupervisor } from './permissions.ts';
import {
  assertDepartment,
  assertState,
  assign,
  leadAndCo,
  names,
  refreshCallState,
  setCallState,
} from './shared.ts';
import { type Origin, runWork } from './work.ts';
import { addDuration, formatShanghai, parseDuration } from './worktime.ts';

const dispatchSchema = z.object({
  type: z.literal('dispatch'),
  ref,
  departments: z.array(unit).min(1, '请指定派单部门'),
});
const addCoSchema = z.object({
  type: z.literal('add_co'),
  ref,
  departments: z.array(unit).min(1, '请指定协办部门'),
});
const reassignSchema = z.object({
  type: z.literal('reassign'),
  ref,
  from: unit,
  to: unit,
  reason: reason.optional(),
});
const setDeadlineSchema = z.object({
  type: z.literal('set_deadline'),
  ref,
  unit,
  kind: z.enum(['ack', 'resolve']).default('resolve'),
  due: z.string().trim().min(1, '请写明新的时限'),
  reason,
});

export async function dispatch(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof dispatchSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    const as = assertDispatcher(d, actor, call, w.now);
    assertState(call, ['called', 'returned', 'dispatched', 'acknowledged', 'in_progress'], '派单');
    const units = [...new Set(cmd.departments)];
    for (const u of units) assertDepartment(d, u);
    const active = (await assignmentsOf(w.trx, call.id)).filter(isActive);
    const already = units.filter((u) => active.some((a) => a.unit_code === u));
    if (already.length) refuse('already_done', `${names(d, already)}已在办理此呼叫`);
    const hasLead = active.some((a) => a.role === 'lead');
    // Round 1 is the lead department; everything after it is round 2, joint handling.
    const plan = units.map((unit, i) =>
      !hasLead && i === 0
        ? { unit, role: 'lead' as const, round: 1 }
        : { unit, role: 'co' as const, round: 2 },
    );
    if (['called', 'returned'].includes(call.state)) await setCallState(w, call, 'dispatched');
    const created = await assign(w, call, plan);
    await refreshCallState(w, call);
    await w.event(call.id, 'dispatched', {
      units: plan,
      by: as === 'stand_in' ? 'office_for_leaders' : actor.role === 'leader' ? 'leaders' : 'office',
      assignments: created.map((a) => a.id),
    });
    const lead = plan.find((p) => p.role === 'lead')?.unit;
    const who = leadAndCo(
      d,
      lead,
      plan.filter((p) => p.role === 'co').map((p) => p.unit),
    );
    const by = as === 'stand_in' ? '（呼应办代区领导派单）' : '';
    await w.toUnit(call.street_code, notice(`呼叫单 ${call.no} 已派单`, `${who}${by}`), call.id);
    if (as === 'stand_in')
      await w.toUnit(
        d.leaders.code,
        notice(`呼应办已代为派单 ${call.no}`, `${who}。区领导未在时限内派单，由呼应办代派。`, 'warning'),
        call.id,
      );
    await w.reply(notice(`已派单 ${call.no}`, `${who}${by}`, 'success'), call.id);
    return call;
  });
}

export async function addCo(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof addCoSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertSupervisor(actor, DISPATCH_COMMANDS.add_co);
    assertState(call, ['dispatched', 'acknowledged', 'in_progress', 'reopened'], '增派协办部门');
    const active = (await assignmentsOf(w.trx, call.id)).filter(isActive);
    for (const u of cmd.departments) {
      assertDepartment(d, u);
      if (active.some((a) => a.unit_code === u)) refuse('already_done', `${unitName(d, u)}已在办理此呼叫`);
    }
    await assign(
      w,
      call,
      cmd.departments.map((unit) => ({ unit, role: 'co' as const, round: 2 })),
    );
    await refreshCallState(w, call);
    await w.event(call.id, 'co_added', { units: cmd.departments });
    await w.reply(notice(`已增派协办 ${call.no}`, names(d, cmd.departments), 'success'), call.id);
    return call;
  });
}

export async function reassign(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof reassignSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertSupervisor(actor, DISPATCH_COMMANDS.reassign);
    assertDepartment(d, cmd.to);
    const all = await assignmentsOf(w.trx, call.id);
    const from = all.find((a) => a.unit_code === cmd.from && isActive(a) && a.state !== 'resolved');
    if (!from) refuse('wrong_state', `${unitName(d, cmd.from)}没有在办的此呼叫，无法改派`);
    if (all.some((a) => a.unit_code === cmd.to && isActive(a)))
      refuse('already_done', `${unitName(d, cmd.to)}已在办理此呼叫`);
    await w.trx
      .updateTable('assignments')
      .set({ state: 'reassigned', ended_at: w.now, version: from!.version + 1 })
      .where('id', '=', from!.id)
      .execute();
    const [created] = await assign(w, call, [{ unit: cmd.to, role: from!.role, round: from!.round }]);
    await refreshCallState(w, call);
    await w.event(
      call.id,
      'reassigned',
      { from: cmd.from, to: cmd.to, reason: cmd.reason ?? null, assignment: created.id },
      from!.id,
    );
    await w.toUnit(
      cmd.from,
      notice(`呼叫单 ${call.no} 已改派`, `已改由${unitName(d, cmd.to)}承办，无需再办理。`),
      call.id,
    );
    await w.reply(
      notice(`已改派 ${call.no}`, `${unitName(d, cmd.from)} → ${unitName(d, cmd.to)}`, 'success'),
      call.id,
    );
    return call;
  });
}

/** "2026-12-01", "2026-12-01 18:00" (Shanghai), or a duration added to the current deadline. */
export function parseDue(text: string, current: Date | null, now: Date): Date | null {
  const abs = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2}))?$/.exec(text.trim());
  if (abs) {
    const [, y, mo, da, h = '18', mi = '00'] = abs;
    const at = new Date(`${y}-${mo}-${da}T${h.padStart(2, '0')}:${mi}:00+08:00`);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  try {
    return addDuration(current ?? now, parseDuration(text.trim()));
  } catch {
    return null;
  }
}

export async function setDeadline(
  ctx: Ctx,
  actor: Actor,
  origin: Origin | null,
  cmd: z.output<typeof setDeadlineSchema>,
): Promise<Call> {
  const d = ctx.district;
  return runWork(ctx, actor, origin, async (w) => {
    const call = await lockCall(w.trx, cmd.ref);
    assertSupervisor(actor, DISPATCH_COMMANDS.set_deadline);
    const a = (await assignmentsOf(w.trx, call.id)).find((x) => x.unit_code === cmd.unit && isActive(x));
    if (!a) refuse('wrong_state', `${unitName(d, cmd.unit)}没有在办的此呼叫`);
    const column = cmd.kind === 'ack' ? 'ack_due_at' : 'resolve_due_at';
    const current = a![column] ? new Date(a![column]!) : null;
    const due = parseDue(cmd.due, current, w.now);
    if (!due)
      refuse(
        'bad_input',
        `看不懂时限“${cmd.due}”：请写日期 2026-12-01、日期时间 2026-12-01 18:00，或时长 3wd、2wh`,
      );
    if (due! <= w.now) refuse('bad_input', '新的时限必须晚于现在');
    await w.trx
      .updateTable('assignments')
      .set({ [column]: due!, version: a!.version + 1 })
      .where('id', '=', a!.id)
      .execute();
    if (cmd.kind === 'resolve' && (!call.resolve_due_at || due! > new Date(call.resolve_due_at)))
      await w.trx.updateTable('calls').set({ resolve_due_at: due! }).where('id', '=', call.id).execute();
    await w.event(
      call.id,
      'deadline_changed',
      {
        unit: cmd.unit,
        kind: cmd.kind,
        from: current?.toISOString() ?? null,
        to: due!.toISOString(),
        reason: cmd.reason,
      },
      a!.id,
    );
    w.timersChanged(call.id);
    const text = `${cmd.kind === 'ack' ? '报到' : '办结'}时限调整为 ${formatShanghai(due!)}（${cmd.reason}）`;
    await w.toUnit(cmd.unit, notice(`呼叫单 ${call.no} 时限调整`, text), call.id);
    await w.reply(notice(`已调整时限 ${call.no}`, text, 'success'), call.id);
    return call;
  });
}

const WHO = '呼应办、区领导';

/** 派单 and 协办: the departments named after the number. */
const departmentsAfter =
  <T extends 'dispatch' | 'add_co'>(type: T) =>
  ({ head, no, args, d }: Typed) => {
    const units = args.slice(1).map((a) => [a, findUnitCode(d, a)] as const);
    const unknown = units.find(([, u]) => !u);
    if (unknown) return { ok: false as const, hint: `没有找到部门“${unknown[0]}”` };
    if (!no || !units.length) return need(`${head} 0001 部门`);
    return ok({ type, ref: no, departments: units.map(([, u]) => u!) });
  };

export const DISPATCH_COMMANDS = {
  dispatch: defineCommand({
    type: 'dispatch',
    name: '派单',
    roles: SUPERVISORS,
    who: WHO,
    schema: dispatchSchema,
    heads: ['派单'],
    parse: departmentsAfter('dispatch'),
    help: [
      {
        usage: '派单 0001 牵头部门 [协办部门…]',
        meaning: '派单（复杂问题由呼应办，重点/突发由区领导；突发问题超时无领导派单时呼应办可代派）',
      },
    ],
    run: (ctx, inv, cmd) => dispatch(ctx, inv.actor, inv.origin, cmd),
  }),
  add_co: defineCommand({
    type: 'add_co',
    name: '增派协办部门',
    roles: SUPERVISORS,
    who: WHO,
    schema: addCoSchema,
    heads: ['协办'],
    parse: departmentsAfter('add_co'),
    help: [{ usage: '协办 0001 部门…', meaning: '第二轮派单：增派协办部门' }],
    run: (ctx, inv, cmd) => addCo(ctx, inv.actor, inv.origin, cmd),
  }),
  reassign: defineCommand({
    type: 'reassign',
    name: '改派',
    roles: SUPERVISORS,
    who: WHO,
    schema: reassignSchema,
    heads: ['改派'],
    parse: ({ no, args, after, d }) => {
      const from = args[1] && findUnitCode(d, args[1]);
      const to = args[2] && findUnitCode(d, args[2]);
      if (!no || !from || !to) return need('改派 0001 原部门 新部门 理由');
      return ok({ type: 'reassign', ref: no, from, to, reason: after(3) || undefined });
    },
    help: [{ usage: '改派 0001 原部门 新部门 [理由]', meaning: '改派承办部门' }],
    run: (ctx, inv, cmd) => reassign(ctx, inv.actor, inv.origin, cmd),
  }),
  set_deadline: defineCommand({
    type: 'set_deadline',
    name: '调整时限',
    roles: SUPERVISORS,
    who: WHO,
    schema: setDeadlineSchema,
    heads: ['延期'],
    parse: ({ no, args, after, d }) => {
      const unit = args[1] && findUnitCode(d, args[1]);
      let i = 2;
      let kind: 'ack' | 'resolve' = 'resolve';
      if (args[i] === '报到' || args[i] === '办结') kind = args[i++] === '报到' ? 'ack' : 'resolve';
      let due = args[i++];
      if (due && /^\d{1,2}:\d{2}$/.test(args[i] ?? '')) due = `${due} ${args[i++]}`;
      const why = after(i);
      if (!no || !unit || !due || !why) return need('延期 0001 部门 2026-12-01 理由（或 3wd、2wh）');
      return ok({ type: 'set_deadline', ref: no, unit, kind, due, reason: why });
    },
    help: [{ usage: '延期 0001 部门 2026-12-01 理由', meaning: '调整办结时限（也可写 3wd、2wh）' }],
    run: (ctx, inv, cmd) => setDeadline(ctx, inv.actor, inv.origin, cmd),
  }),
};
