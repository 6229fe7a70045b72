// Small pieces the flows share: call modes, unit checks, state derivation, notifications.
import type { District, Tier } from '../config/district.ts';
import type { Assignment, Call, CallState } from '../db/schema.ts';
import { assignmentsOf, isActive, STATE_NAMES } from './calls.ts';
import { dispatchCard, dispatchRequestCard } from './cards/dispatch.ts';
import { unitName } from './cards/fields.ts';
import { deadlinesFor } from './deadlines.ts';
import { refuse } from './errors.ts';
import type { Message } from './messages.ts';
import { dispatcherUnit, modeOf } from './modes.ts';
import type { Work } from './work.ts';

export function assertState(call: Call, allowed: readonly string[], what: string): void {
  if (allowed.includes(call.state)) return;
  const done = ['closed', 'archived', 'merged', 'cancelled'].includes(call.state);
  refuse(
    done ? 'already_done' : 'wrong_state',
    `呼叫单 ${call.no} 当前${stateWord(call.state)}，不能${what}`,
    `call ${call.no} is ${call.state}; ${what} needs ${allowed.join('|')}`,
  );
}

const stateWord = (s: string) => (s === 'called' ? '等待派单' : (STATE_NAMES[s] ?? s));

export function assertDepartment(d: District, code: string): void {
  if (d.units.get(code)?.kind !== 'department') refuse('unknown_unit', `没有找到部门“${code}”`);
}

/** The call's state after its assignments changed. */
export function deriveState(call: Call, assignments: Assignment[]): CallState {
  const active = assignments.filter(isActive);
  if (!active.length) return assignments.some((a) => a.state === 'returned') ? 'returned' : call.state;
  if (active.every((a) => a.state === 'resolved')) return 'resolved';
  if (call.state === 'reopened') return 'reopened';
  if (active.some((a) => a.state === 'in_progress')) return 'in_progress';
  if (active.some((a) => a.state === 'acknowledged' || a.state === 'resolved')) return 'acknowledged';
  return 'dispatched';
}

/** Moves the call to `state`; a new state is a new wait (or none): its reminders are derived anew. */
export async function setCallState(
  w: Work,
  call: Call,
  state: CallState,
  extra: Record<string, unknown> = {},
) {
  const moved = state !== call.state;
  await w.trx
    .updateTable('calls')
    .set({
      state,
      updated_at: w.now,
      version: call.version + 1,
      ...(moved ? { state_since: w.now } : {}),
      ...extra,
    })
    .where('id', '=', call.id)
    .execute();
  call.state = state;
  if (moved) {
    call.state_since = w.now;
    w.timersChanged(call.id);
  }
}

export async function refreshCallState(w: Work, call: Call): Promise<Assignment[]> {
  const assignments = await assignmentsOf(w.trx, call.id);
  const next = deriveState(call, assignments);
  if (next !== call.state)
    await setCallState(w, call, next, next === 'resolved' ? { resolved_at: w.now } : {});
  return assignments;
}

export async function liaisonsOf(w: Work, unitCode: string) {
  const people = await w.trx
    .selectFrom('people')
    .select(['id', 'name'])
    .where('unit_code', '=', unitCode)
    .where('role', 'in', ['liaison', 'street_staff'])
    .execute();
  return people.map((p) => ({ personId: p.id, name: p.name }));
}

/** Creates assignments with their deadlines and sends each its dispatch card. */
export async function assign(
  w: Work,
  call: Call,
  units: { unit: string; role: 'lead' | 'co' | 'self'; round: number }[],
): Promise<Assignment[]> {
  const { district } = w.ctx;
  const created: Assignment[] = [];
  for (const u of units) {
    const due = deadlinesFor(district, call.category_code, call.tier as Tier, w.now);
    const a = await w.trx
      .insertInto('assignments')
      .values({
        call_id: call.id,
        unit_code: u.unit,
        role: u.role,
        round: u.round,
        // nobody reports in to themselves: a street handling its own matter starts acknowledged
        state: u.role === 'self' || !due.ackDueAt ? 'acknowledged' : 'dispatched',
        acknowledged_at: u.role === 'self' || !due.ackDueAt ? w.now : null,
        dispatched_by_person_id: w.actor.personId,
        dispatched_by_unit: w.actor.unitCode,
        dispatched_at: w.now,
        ack_due_at: u.role === 'self' ? null : due.ackDueAt,
        resolve_due_at: due.resolveDueAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    created.push(a);
    await w.toUnit(u.unit, dispatchCard(district, call, a, await liaisonsOf(w, u.unit)), call.id);
  }
  const latest = created.reduce<Date | null>(
    (m, a) => (a.resolve_due_at && (!m || a.resolve_due_at > m) ? new Date(a.resolve_due_at) : m),
    null,
  );
  if (latest)
    await w.trx.updateTable('calls').set({ resolve_due_at: latest }).where('id', '=', call.id).execute();
  w.timersChanged(call.id);
  return created;
}

export const names = (d: District, units: string[]) => units.map((u) => unitName(d, u)).join('、');

/** 牵头：A；协办：B、C — who leads and who helps, in one line. */
export const leadAndCo = (d: District, lead: string | undefined, co: string[]) =>
  [lead ? `牵头：${unitName(d, lead)}` : '', co.length ? `协办：${names(d, co)}` : '']
    .filter(Boolean)
    .join('；');

/**
 * The call goes to whoever dispatches it: their chats get the card to act on; for the leaders'
 * calls the office gets a copy to follow (and, for an emergency, a reminder when it may stand in).
 */
export async function requestDispatch(
  w: Work,
  call: Call,
  suggested: { lead: string | null; co: string[]; busy?: string[] },
  decorate: (m: Message) => void = () => {},
) {
  const d = w.ctx.district;
  const card = dispatchRequestCard(d, call, suggested, 'dispatcher');
  decorate(card);
  await w.toUnit(dispatcherUnit(d, call.tier, call.street_code), card, call.id);
  if (modeOf(call.tier).dispatcher === 'leaders') {
    const copy = dispatchRequestCard(d, call, suggested, 'observer');
    decorate(copy);
    await w.toUnit(d.office.code, copy, call.id);
  }
}

export async function archiveNow(w: Work, call: Call, why: string) {
  await setCallState(w, call, 'archived', { archived_at: w.now });
  await w.event(call.id, 'archived', { why });
}

/** The assignments of a call its street scores: the departments', still active. */
export async function scorableAssignments(w: Work, callId: string): Promise<Assignment[]> {
  return (await assignmentsOf(w.trx, callId)).filter((a) => isActive(a) && a.role !== 'self');
}

/** Those of them with no current score yet. */
export async function unscoredAssignments(w: Work, callId: string): Promise<Assignment[]> {
  const scored = await w.trx
    .selectFrom('scores')
    .select('assignment_id')
    .where('call_id', '=', callId)
    .where('current', '=', true)
    .execute();
  return (await scorableAssignments(w, callId)).filter(
    (a) => !scored.some((s) => String(s.assignment_id) === a.id),
  );
}
