// Tracking on its own (全程跟踪): the reminders, deadline notices and escalations that timers
// fire. A timer re-reads its assignment under a row lock and does nothing when the matter has
// moved on, when the deadline changed, or when this very timer already fired, so a timer
// scheduled or fired twice still makes one reminder. Timers falling due together are read and
// written together (handlers/timers.ts's fireTimers).
import { sql } from 'kysely';
import type { NotifyTarget } from '../config/district.ts';
import type { Assignment, AssignmentState, Call } from '../db/schema.ts';
import { unitName } from './cards/fields.ts';
import { say } from './command-def.ts';
import type { Message } from './messages.ts';
import type { NewEvent, Work } from './work.ts';
import { formatShanghai } from './worktime.ts';

export interface TimerSpec {
  /** an assignment's deadline (a call's wait is handlers/waits.ts's WaitTimer) */
  scope?: 'deadline';
  /** timer:<assignment>:<ack|resolve>:<step>:<deadline epoch ms>, also the job id */
  id: string;
  assignmentId: string;
  callId: string;
  /** which deadline */
  kind: 'ack' | 'resolve';
  /** 'remind' before the deadline, 'due' at it, 'esc<N>' the escalation ladder's rungs */
  step: string;
  /** the deadline this timer belongs to (epoch ms): a changed deadline makes it stale */
  due: number;
  /** when it fires (epoch ms) */
  at: number;
  target: NotifyTarget;
  /** the unit whose chats it tells, as it stood when queued: timers for one chat share jobs (and
   * so merged messages); the firing decides again where it goes */
  unit?: string;
}

/** Which assignment states still wait for each deadline. */
export const ASSIGNMENT_WAITS: Record<TimerSpec['kind'], AssignmentState[]> = {
  ack: ['dispatched'],
  resolve: ['dispatched', 'acknowledged', 'in_progress'],
};

export type TimerOutcome = 'fired' | 'done' | 'stale' | 'already';

/** What a timer that fires asks for: a message to a unit's chats and an event on its call. */
export interface Fired {
  outcome: 'fired';
  unit: string;
  message: Message;
  event: NewEvent;
}
export type Firing = Exclude<TimerOutcome, 'fired'> | Fired;

/** Timer ids among these that already fired (a statement of its own, after the locks: it must
 * see what a firing we waited for wrote; the locking statement still reads from before the wait). */
export async function alreadyFired(w: Work, callIds: string[], timerIds: string[]): Promise<Set<string>> {
  if (!timerIds.length) return new Set();
  const rows = await w.trx
    .selectFrom('call_events')
    .select(sql<string>`payload->>'timer'`.as('timer'))
    .where('call_id', 'in', [...new Set(callIds)])
    .where('kind', 'in', ['reminded', 'escalated'])
    .where(sql<string>`payload->>'timer'`, 'in', timerIds)
    .execute();
  return new Set(rows.map((r) => r.timer));
}

/**
 * What each of these deadline timers does, in the order given; writes nothing (the caller writes
 * the messages and events of all timers firing together). The assignments are locked, in id
 * order, so that two firings of one timer queue up here.
 */
export async function deadlineFirings(w: Work, specs: TimerSpec[]): Promise<Firing[]> {
  if (!specs.length) return [];
  const rows = await w.trx
    .selectFrom('assignments as a')
    .innerJoin('calls as c', 'c.id', 'a.call_id')
    .selectAll('a')
    .select(['c.no', 'c.text', 'c.street_code'])
    .where('a.id', 'in', [...new Set(specs.map((t) => t.assignmentId))])
    .orderBy('a.id')
    .forUpdate('a')
    .execute();
  const byId = new Map(rows.map((r) => [String(r.id), r]));
  const live = specs.filter((t) => byId.has(t.assignmentId));
  const seen = await alreadyFired(
    w,
    live.map((t) => t.callId),
    live.map((t) => t.id),
  );
  const heads = await headsOf(
    w,
    live
      .filter((t) => t.target === 'department_head')
      .map((t) => ({ unit: byId.get(t.assignmentId)!.unit_code, role: 'department_head' })),
  );
  const d = w.ctx.district;
  return specs.map((t): Firing => {
    const a = byId.get(t.assignmentId);
    if (!a || !ASSIGNMENT_WAITS[t.kind].includes(a.state)) return 'done';
    const deadline = t.kind === 'ack' ? a.ack_due_at : a.resolve_due_at;
    if (!deadline || new Date(deadline).getTime() !== t.due) return 'stale';
    // "the deadline is near" is no use once it passed (a restart, a clock jump): the notice at
    // the deadline says it better
    if (t.step === 'remind' && w.now.getTime() >= t.due) return 'stale';
    if (seen.has(t.id)) return 'already';
    const call: CallFacts = { id: String(a.call_id), no: a.no, text: a.text, street_code: a.street_code };
    const lateMinutes = Math.max(0, Math.floor((w.now.getTime() - t.due) / 60_000));
    const message = timerMessage(w, t, call, a, lateMinutes);
    if (t.target === 'department_head') message.mentions = heads(a.unit_code, 'department_head');
    // an escalation goes ahead of routine messages in its chat's line
    if (message.kind === 'escalate') message.urgent = true;
    const unit =
      t.target === 'office' ? d.office.code : t.target === 'leaders' ? d.leaders.code : a.unit_code;
    return {
      outcome: 'fired',
      unit,
      message,
      event: {
        callId: call.id,
        kind: t.step === 'remind' || t.step === 'due' ? 'reminded' : 'escalated',
        payload: {
          timer: t.id,
          unit: a.unit_code,
          kind: t.kind,
          step: t.step,
          target: t.target,
          lateMinutes,
        },
        assignmentId: a.id,
      },
    };
  });
}

/** The people holding these roles in these units, to @-mention: (unit, role) → them, by id. */
export async function headsOf(w: Work, wanted: { unit: string; role: string }[]) {
  const rows = wanted.length
    ? await w.trx
        .selectFrom('people')
        .select(['id', 'name', 'unit_code', 'role'])
        .where('unit_code', 'in', [...new Set(wanted.map((x) => x.unit))])
        .where('role', 'in', [...new Set(wanted.map((x) => x.role))])
        .orderBy('id')
        .execute()
    : [];
  return (unit: string, role: string) =>
    rows
      .filter((h) => h.unit_code === unit && h.role === role)
      .map((h) => ({ personId: h.id, name: h.name }));
}

/** "2小时15分钟", "3天4小时": how late, for people. */
export function lateness(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return `${days}天${hours ? `${hours}小时` : ''}`;
  if (hours) return `${hours}小时${mins ? `${mins}分钟` : ''}`;
  return `${mins}分钟`;
}

/** what a timer's message says of its call */
type CallFacts = Pick<Call, 'id' | 'no' | 'text' | 'street_code'>;

function timerMessage(w: Work, t: TimerSpec, call: CallFacts, a: Assignment, lateMinutes: number): Message {
  const d = w.ctx.district;
  const what = t.kind === 'ack' ? '报到' : '办结';
  const dept = unitName(d, a.unit_code);
  const deadline = formatShanghai(new Date(t.due));
  const late = lateness(lateMinutes);
  const fields = [
    { label: '编号', value: call.no },
    { label: '问题', value: call.text.slice(0, 60) },
    { label: '呼叫街道', value: unitName(d, call.street_code) },
    { label: '承办部门', value: dept },
    { label: `${what}时限`, value: deadline },
  ];
  // what the department can do now: report in first if it has not, then resolve
  const act =
    t.kind === 'ack' || a.state === 'dispatched'
      ? [{ label: '报到', command: say.acknowledge(call.no, a.unit_code), style: 'primary' as const }]
      : [{ label: '办结', command: say.resolve(call.no), style: 'primary' as const, needsText: '办理结果' }];
  const base = { callNo: call.no, assignmentId: a.id, fields };
  if (t.step === 'remind')
    return {
      ...base,
      kind: 'remind',
      tone: 'warning',
      title: `催办：${call.no} ${what}时限将到`,
      text: `请${dept}在 ${deadline} 前${what}。`,
      buttons: act,
    };
  if (t.step === 'due')
    return {
      ...base,
      kind: 'overdue',
      tone: 'danger',
      title: `已超时：${call.no} 未按时${what}`,
      text: `${dept}已超过${what}时限（${deadline}），请立即${what}。`,
      buttons: act,
    };
  const overdue = [...fields, { label: '超时', value: late }];
  switch (t.target) {
    case 'department_head':
      return {
        ...base,
        fields: overdue,
        kind: 'escalate',
        tone: 'danger',
        title: `督办：${dept} ${call.no} ${what}已超时${late}`,
        text: `请部门负责人督促落实，尽快${what}。`,
        buttons: act,
      };
    case 'office':
    case 'leaders':
      return {
        ...base,
        fields: overdue,
        kind: 'escalate',
        tone: 'danger',
        title: `升级督办：${dept} ${call.no} ${what}超时${late}`,
        text: `${dept}未在时限（${deadline}）内${what}，已超时${late}，按督办规则报${t.target === 'office' ? '呼应办' : '区领导'}。`,
      };
    default:
      return {
        ...base,
        fields: overdue,
        kind: 'escalate',
        tone: 'danger',
        title: `催办：${call.no} ${what}已超时${late}`,
        text: `${dept}已超过${what}时限${late}，请立即${what}。`,
        buttons: act,
      };
  }
}
