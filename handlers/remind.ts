// Tracking on its own (全程跟踪): the reminders, deadline notices and escalations that timers
// fire. A timer re-reads the assignment and does nothing when the matter has moved on, when
// the deadline changed, or when this very timer already fired — so firing twice is harmless.
import { sql } from 'kysely';
import type { NotifyTarget } from '../config/district.ts';
import { unitName } from './cards.ts';
import type { Ctx } from './context.ts';
import { say } from './grammar.ts';
import type { Message } from './messages.ts';
import { systemActor } from './people.ts';
import { runWork } from './work.ts';
import { formatShanghai } from './worktime.ts';

export interface TimerSpec {
  id: string;
  assignmentId: string;
  callId: string;
  /** which deadline */
  kind: 'ack' | 'resolve';
  /** 'remind' before the deadline, 'due' at it, 'esc<N>' the escalation ladder's steps */
  step: string;
  /** the deadline this timer belongs to (epoch ms): a changed deadline makes it stale */
  due: number;
  at: number;
  target: NotifyTarget | 'assignee_chat';
}

const WAITING: Record<TimerSpec['kind'], string[]> = {
  ack: ['dispatched'],
  resolve: ['dispatched', 'acknowledged', 'in_progress'],
};

export type TimerOutcome = 'fired' | 'done' | 'stale' | 'already';

export async function fireTimer(ctx: Ctx, t: TimerSpec): Promise<TimerOutcome> {
  const d = ctx.district;
  return runWork(ctx, systemActor, null, async (w) => {
    const a = await w.trx
      .selectFrom('assignments')
      .selectAll()
      .where('id', '=', t.assignmentId)
      .forUpdate()
      .executeTakeFirst();
    if (!a || !WAITING[t.kind].includes(a.state)) return 'done';
    const deadline = t.kind === 'ack' ? a.ack_due_at : a.resolve_due_at;
    if (!deadline || new Date(deadline).getTime() !== t.due) return 'stale';
    const seen = await w.trx
      .selectFrom('call_events')
      .select('id')
      .where('call_id', '=', a.call_id)
      .where(sql<boolean>`payload->>'timer' = ${t.id}`)
      .executeTakeFirst();
    if (seen) return 'already';
    const call = await w.trx
      .selectFrom('calls')
      .selectAll()
      .where('id', '=', a.call_id)
      .executeTakeFirstOrThrow();
    const what = t.kind === 'ack' ? '报到' : '办结';
    const dept = unitName(d, a.unit_code);
    const lateMin = Math.max(0, Math.round((w.now.getTime() - t.due) / 60_000));
    const late =
      lateMin >= 60
        ? `${Math.floor(lateMin / 60)}小时${lateMin % 60 ? `${lateMin % 60}分钟` : ''}`
        : `${lateMin}分钟`;
    const base = {
      callNo: call.no,
      assignmentId: a.id,
      fields: [
        { label: '编号', value: call.no },
        { label: '问题', value: call.text.slice(0, 60) },
        { label: '承办部门', value: dept },
        { label: `${what}时限`, value: formatShanghai(new Date(t.due)) },
      ],
      buttons:
        t.kind === 'ack'
          ? [{ label: '报到', command: say.acknowledge(call.no, a.unit_code), style: 'primary' as const }]
          : [
              {
                label: '办结',
                command: say.resolve(call.no),
                style: 'primary' as const,
                needsText: '办理结果',
              },
            ],
    };
    let message: Message;
    if (t.step === 'remind')
      message = {
        ...base,
        kind: 'remind',
        tone: 'warning',
        title: `督办提醒：${call.no} ${what}时限将到`,
        text: `请${dept}在 ${formatShanghai(new Date(t.due))} 前${what}。`,
      };
    else if (t.step === 'due')
      message = {
        ...base,
        kind: 'overdue',
        tone: 'danger',
        title: `已超时：${call.no} 未按时${what}`,
        text: `${dept}已超过${what}时限，请立即办理。`,
      };
    else
      message = {
        ...base,
        kind: 'escalate',
        tone: 'danger',
        title: `升级督办：${dept} ${call.no} ${what}超时${late}`,
        text: `${dept}已超过${what}时限${late}，按督办规则升级报告。`,
        buttons: t.target === 'assignee_chat' || t.target === 'department_head' ? base.buttons : [],
      };
    if (t.target === 'department_head') {
      const heads = await w.trx
        .selectFrom('people')
        .select(['id', 'name'])
        .where('unit_code', '=', a.unit_code)
        .where('role', '=', 'department_head')
        .execute();
      message.mentions = heads.map((h) => ({ personId: h.id, name: h.name }));
    }
    const unit =
      t.target === 'office' ? d.office.code : t.target === 'leaders' ? d.leaders.code : a.unit_code;
    await w.toUnit(unit, message, call.id);
    await w.event(
      call.id,
      t.step === 'remind' || t.step === 'due' ? 'reminded' : 'escalated',
      { timer: t.id, unit: a.unit_code, kind: t.kind, step: t.step, target: t.target, lateMinutes: lateMin },
      a.id,
    );
    return 'fired';
  });
}
