// What a viewer may see in the console, by the chats' permission matrix: the office and the
// leaders everything, a street its calls, a community its calls, a department the calls it has
// (or had) an assignment on.
import type { Call } from '../../db/schema.ts';
import { assignmentsOf, type CallFilter } from '../../handlers/calls.ts';
import type { Ctx } from '../../handlers/context.ts';
import { type Actor, isStreetStaff } from '../../handlers/people.ts';

export type Scope = { kind: 'all' } | NonNullable<CallFilter['visibleTo']>;

export function scopeOf(actor: Pick<Actor, 'role' | 'unitCode'>): Scope | null {
  if (['office_staff', 'leader', 'admin'].includes(actor.role)) return { kind: 'all' };
  if (!actor.unitCode) return null;
  if (isStreetStaff(actor)) return { kind: 'street', code: actor.unitCode };
  if (actor.role === 'grid_worker') return { kind: 'community', code: actor.unitCode };
  if (actor.role === 'liaison' || actor.role === 'department_head')
    return { kind: 'department', code: actor.unitCode };
  return null;
}

/** The list filter that keeps a viewer to their calls. */
export const visibleTo = (s: Scope | null): CallFilter['visibleTo'] =>
  s === null ? { kind: 'street', code: '\u0000none' } : s.kind === 'all' ? undefined : s;

export async function mayView(ctx: Ctx, s: Scope | null, call: Call): Promise<boolean> {
  if (!s) return false;
  if (s.kind === 'all') return true;
  if (s.kind === 'street') return call.street_code === s.code;
  if (s.kind === 'community') return call.community_code === s.code;
  return (await assignmentsOf(ctx.db, call.id)).some((a) => a.unit_code === s.code);
}

/** The office and the leaders: people and chats, every unit's figures. */
export const seesEverything = (s: Scope | null) => s?.kind === 'all';
