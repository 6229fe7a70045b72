// 有呼必应: every state in which a call waits on a person — the street's triage, the office's or the
// leaders' dispatch, a new call after a department returned it, the street's closing — has its
// own ladder of reminders and escalations from the district file, counted from when the wait
// began. A timer that fires re-reads the call and does nothing once the wait is over (or began
// anew), or when this very timer already fired.
import type { District, WaitStep, WaitTarget } from '../config/district.ts';
import type { Call } from '../db/schema.ts';
import { unitName } from './cards/fields.ts';
import { say } from './command-def.ts';
import type { Button, Message } from './messages.ts';
import { dispatcherUnit, modeOf } from './modes.ts';
import { alreadyFired, type Firing, headsOf, lateness } from './remind.ts';
import type { Work } from './work.ts';
import { addDuration, formatShanghai, parseDuration } from './worktime.ts';

export const WAIT_KINDS = [
  'triage',
  'doubt_triage',
  'office_dispatch',
  'leader_dispatch',
  'emergency_dispatch',
  'returned',
  'close',
] as const;
export type WaitKind = (typeof WAIT_KINDS)[number];

/** What the wait is for, for people: 等待{…}. */
const WAITING_FOR: Record<WaitKind, string> = {
  triage: '研判',
  doubt_triage: '核实研判',
  office_dispatch: '派单',
  leader_dispatch: '派单',
  emergency_dispatch: '派单',
  returned: '重新研判呼叫',
  close: '结案',
};

/** The call states that wait on a person (the assignments' own deadlines cover the rest). */
export const WAITING_CALL_STATES = ['reported', 'triaged', 'called', 'returned', 'resolved'] as const;

export interface Wait {
  kind: WaitKind;
  /** the unit the call waits on */
  on: string;
  /** when the wait began */
  since: Date;
  wallClock: boolean;
  ladder: WaitStep[];
}

type WaitingCall = Pick<Call, 'id' | 'state' | 'tier' | 'street_code' | 'state_since' | 'in_doubt'>;

/** What a call waits for now, on whom, since when; null when it waits on no one (or on a department). */
export function waitOf(d: District, call: WaitingCall): Wait | null {
  const mode = modeOf(call.tier);
  const since = new Date(call.state_since);
  const on = (kind: WaitKind, unit: string, wallClock = mode.wallClock): Wait => ({
    kind,
    on: unit,
    since,
    wallClock,
    ladder: d.escalation[kind],
  });
  const dispatch = (): WaitKind => mode.dispatchWait ?? 'office_dispatch';
  switch (call.state) {
    case 'reported':
    case 'triaged':
      // a report that may be an emergency: minutes, round the clock
      return call.in_doubt && !mode.wallClock
        ? on('doubt_triage', call.street_code, true)
        : on('triage', call.street_code);
    case 'called':
      return mode.dispatcher === 'street'
        ? null
        : on(dispatch(), dispatcherUnit(d, call.tier, call.street_code));
    case 'returned':
      // back to whoever dispatched it: the street calls again, the office or the leaders re-dispatch
      return mode.dispatcher === 'street'
        ? on('returned', call.street_code)
        : on(dispatch(), dispatcherUnit(d, call.tier, call.street_code));
    case 'resolved':
      return on('close', call.street_code);
    default:
      return null;
  }
}

export interface WaitTimer {
  scope: 'wait';
  /** wait:<call>:<kind>:<step>:<since epoch ms>, also the job id */
  id: string;
  callId: string;
  wait: WaitKind;
  /** 'w<N>' the ladder's rungs, 'stand_in' the office's leave to dispatch an emergency (代派) */
  step: string;
  /** the start of the wait this timer belongs to (epoch ms): a new wait makes it stale */
  since: number;
  /** when it fires (epoch ms) */
  at: number;
  target: WaitTarget;
  /** the unit whose chats it tells, as it stood when queued (see TimerSpec's) */
  unit?: string;
}

export const waitTimerId = (callId: string, wait: WaitKind, step: string, since: number) =>
  `wait:${callId}:${wait}:${step}:${since}`;

/** When the office may dispatch an emergency on the leaders' behalf, if it may at all. */
export function standInFrom(d: District, call: WaitingCall): Date | null {
  const after = d.escalation.stand_in_dispatch;
  const w = waitOf(d, call);
  if (!after || w?.kind !== 'emergency_dispatch') return null;
  return addDuration(w.since, parseDuration(after), { wallClock: true });
}

/** Every timer of the call's present wait, past or future (fired or not). */
export function waitTimers(d: District, call: WaitingCall): WaitTimer[] {
  const w = waitOf(d, call);
  if (!w) return [];
  const since = w.since.getTime();
  const timer = (step: string, at: Date, target: WaitTarget): WaitTimer => ({
    scope: 'wait',
    id: waitTimerId(String(call.id), w.kind, step, since),
    callId: String(call.id),
    wait: w.kind,
    step,
    since,
    at: at.getTime(),
    target,
    unit: target === 'office' ? d.office.code : target === 'leaders' ? d.leaders.code : w.on,
  });
  const timers = w.ladder.map((s, i) =>
    timer(`w${i}`, addDuration(w.since, parseDuration(s.after), { wallClock: w.wallClock }), s.notify),
  );
  const standIn = standInFrom(d, call);
  if (standIn) timers.push(timer('stand_in', standIn, 'office'));
  return timers;
}

/**
 * What each of these wait timers does, in the order given; writes nothing (the caller writes the
 * messages and events of all timers firing together). The calls are locked, in id order.
 */
export async function waitFirings(w: Work, specs: WaitTimer[]): Promise<Firing[]> {
  if (!specs.length) return [];
  const calls = await w.trx
    .selectFrom('calls')
    .selectAll()
    .where('id', 'in', [...new Set(specs.map((t) => t.callId))])
    .orderBy('id')
    .forUpdate()
    .execute();
  const byId = new Map(calls.map((c) => [String(c.id), c]));
  const d = w.ctx.district;
  interface Live {
    t: WaitTimer;
    call: Call;
    wait: Wait;
    unit: string;
    role: string;
    mention: boolean;
  }
  const live = specs.map((t): Live | 'done' | 'stale' => {
    const call = byId.get(t.callId);
    const wait = call && waitOf(d, call);
    if (!call || !wait) return 'done';
    if (wait.kind !== t.wait || wait.since.getTime() !== t.since) return 'stale';
    const unit = t.target === 'office' ? d.office.code : t.target === 'leaders' ? d.leaders.code : wait.on;
    const role = t.target === 'leaders' ? 'leader' : headRole(d, unit);
    return { t, call, wait, unit, role, mention: t.target === 'head' || t.target === 'leaders' };
  });
  const ready = live.filter((x): x is Live => typeof x === 'object');
  const seen = await alreadyFired(
    w,
    ready.map((x) => x.t.callId),
    ready.map((x) => x.t.id),
  );
  const heads = await headsOf(
    w,
    ready.filter((x) => x.mention).map((x) => ({ unit: x.unit, role: x.role })),
  );
  return live.map((x): Firing => {
    if (typeof x !== 'object') return x;
    const { t, call, wait, unit } = x;
    if (seen.has(t.id)) return 'already';
    const waited = Math.max(0, Math.floor((w.now.getTime() - t.since) / 60_000));
    const message = waitMessage(w, call, wait, t, waited);
    if (x.mention) message.mentions = heads(unit, x.role);
    return {
      outcome: 'fired',
      unit,
      message,
      event: {
        callId: String(call.id),
        kind: t.step === 'w0' ? 'reminded' : 'escalated',
        payload: {
          timer: t.id,
          wait: t.wait,
          step: t.step,
          target: t.target,
          on: wait.on,
          waitedMinutes: waited,
        },
      },
    };
  });
}

/** The head of a unit by its kind: a street's 负责人, a department's. */
function headRole(d: District, unit: string): string {
  return d.units.get(unit)?.kind === 'street' ? 'street_head' : 'department_head';
}

function waitMessage(w: Work, call: Call, wait: Wait, t: WaitTimer, waitedMinutes: number): Message {
  const d = w.ctx.district;
  const onName = unitName(d, wait.on);
  const what = WAITING_FOR[wait.kind];
  const waited = lateness(waitedMinutes);
  const fields = [
    { label: '编号', value: call.no },
    { label: '问题', value: call.text.slice(0, 60) },
    { label: '所属街道', value: unitName(d, call.street_code) },
    { label: '等待', value: `${onName}${what}` },
    { label: '已等待', value: `${waited}（自 ${formatShanghai(wait.since)}）` },
  ];
  const base = { callNo: call.no, fields, tone: call.emergency ? ('danger' as const) : ('warning' as const) };
  const query: Button = { label: '查询进度', command: say.query(call.no) };
  if (t.step === 'stand_in')
    return {
      ...base,
      kind: 'stand_in',
      tone: 'danger',
      title: `【紧急】区领导${waited}未派单，呼应办可代为派单 ${call.no}`,
      text: `突发性问题 ${call.no} 已等待区领导派单${waited}。按规定，呼应办现可代区领导派单（记为代派），请立即派单。`,
      buttons: [query],
      form: {
        command: `派单 ${call.no} {lead} {co}`,
        submitLabel: '代为派单',
        fields: [
          {
            name: 'lead',
            label: '牵头部门',
            type: 'select',
            options: d.departments.map((u) => ({ value: u.code, label: u.name })),
            initial: d.catalogByCode.get(call.category_code)?.lead,
          },
          {
            name: 'co',
            label: '协办部门',
            type: 'multiselect',
            options: d.departments.map((u) => ({ value: u.code, label: u.name })),
          },
        ],
      },
    };
  const first = t.step === 'w0';
  const who = t.target === 'chat' ? `请${onName}尽快${what}。` : `请督促${onName}尽快${what}。`;
  return {
    ...base,
    kind: first ? 'wait_remind' : 'wait_escalate',
    title: `${first ? '催办' : '督办'}：${call.no} 等待${onName}${what}已${waited}`,
    text: `${call.emergency ? '【紧急】' : wait.kind === 'doubt_triage' ? '【请核实】' : ''}呼叫单 ${call.no} 已等待${onName}${what}${waited}。${who}`,
    buttons: [query],
  };
}
