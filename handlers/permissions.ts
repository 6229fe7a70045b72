// Who may do what: role × unit × action. A refusal says why in words a person understands.
import type { District } from '../config/district.ts';
import type { Assignment, Call } from '../db/schema.ts';
import type { Permit } from './command-def.ts';
import { refuse } from './errors.ts';
import { modeOf } from './modes.ts';
import { type Actor, isStreetStaff } from './people.ts';
import { standInFrom } from './waits.ts';
import { formatShanghai } from './worktime.ts';

const unitName = (d: District, code: string | null) => (code && d.units.get(code)?.name) || code || '';
const isAdmin = (a: Actor) => a.role === 'admin' || a.role === 'system';
const isOffice = (a: Actor) => a.role === 'office_staff' || isAdmin(a);

/** Street actions: staff of the calling street (the office may cancel or merge too). */
export function assertStreetAction(d: District, actor: Actor, permit: Permit, call: Call): void {
  if (isAdmin(actor)) return;
  if (actor.role === 'office_staff' && permit.roles.includes('office_staff')) return;
  if (isStreetStaff(actor) && actor.unitCode === call.street_code) return;
  refuse(
    'forbidden',
    `只有${unitName(d, call.street_code)}的工作人员可以${permit.name}此呼叫`,
    `${actor.role}@${actor.unitCode} may not ${permit.type} a call of ${call.street_code}`,
  );
}

/**
 * Dispatch: whoever the call's mode names — the office for complex calls, the district leaders for
 * key and emergency calls; and, where the district file allows it, the office on the leaders'
 * behalf (代派) once an emergency has waited that long for them. Says which it is.
 */
export function assertDispatcher(d: District, actor: Actor, call: Call, now: Date): 'own' | 'stand_in' {
  if (isAdmin(actor)) return 'own';
  const mode = modeOf(call.tier);
  if (mode.dispatcher === 'office' && actor.role === 'office_staff') return 'own';
  if (mode.dispatcher === 'leaders' && actor.role === 'leader') return 'own';
  const standIn = standInFrom(d, call);
  if (standIn && actor.role === 'office_staff' && now >= standIn) return 'stand_in';
  return refuse(
    'forbidden',
    `此呼叫由${mode.dispatcherName}派单${standIn && actor.role === 'office_staff' ? `（${formatShanghai(standIn)} 起无领导派单时，呼应办可代派）` : ''}`,
    `${actor.role} may not dispatch a ${call.tier} call`,
  );
}

/** Department actions: the department's liaison or head; for a simple call, the street's staff. */
export function assertAssignee(d: District, actor: Actor, permit: Permit, a: Assignment): void {
  if (isAdmin(actor)) return;
  if (a.role === 'self') {
    if (isStreetStaff(actor) && actor.unitCode === a.unit_code) return;
    refuse('forbidden', `只有${unitName(d, a.unit_code)}的工作人员可以${permit.name}此事项`);
  }
  if ((actor.role === 'liaison' || actor.role === 'department_head') && actor.unitCode === a.unit_code)
    return;
  refuse(
    'forbidden',
    `只有${unitName(d, a.unit_code)}的联络员可以${permit.name}此呼叫`,
    `${actor.role}@${actor.unitCode} may not ${permit.type} an assignment of ${a.unit_code}`,
  );
}

/** Supervision: the office and district leaders. */
export function assertSupervisor(actor: Actor, permit: Permit): void {
  if (isOffice(actor) || actor.role === 'leader') return;
  refuse('forbidden', `只有呼应办或区领导可以${permit.name}`, `${actor.role} may not ${permit.type}`);
}

export function assertOffice(actor: Actor, permit: Permit): void {
  if (isOffice(actor)) return;
  refuse('forbidden', `只有呼应办可以${permit.name}`, `${actor.role} may not ${permit.type}`);
}

/** Satisfaction: the person who reported the call. */
export function assertReporter(actor: Actor, call: Call): void {
  if (isAdmin(actor)) return;
  if (actor.personId && call.reporter_person_id && String(call.reporter_person_id) === actor.personId) return;
  refuse('forbidden', '只有反映人本人可以评价满意度', `person ${actor.personId} is not the reporter`);
}
