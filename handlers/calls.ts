// Reading calls: by number or its short form, with assignments and timeline; lists by
// state, unit and deadline; what waits on a person.
import { type ExpressionBuilder, sql, type Transaction } from 'kysely';
import type { Db } from '../db/connect.ts';
import {
  type Assignment,
  CALL_STATES,
  type Call,
  type CallState,
  type CallTier,
  type Database,
} from '../db/schema.ts';
import { refuse } from './errors.ts';
import { type Actor, isStreetStaff } from './people.ts';
import { readTimeline, type TimelineEvent } from './personal.ts';

export const OPEN_CALL_STATES = CALL_STATES.slice(0, 9) as readonly CallState[];
/** Open and still being worked on: where a new report of the same matter belongs. */
export const WORKING_CALL_STATES = OPEN_CALL_STATES.filter((s) => s !== 'resolved' && s !== 'returned');
export { CALL_STATES, type CallState };

/**
 * The allowed moves of a call's state (a command may also leave it unchanged). The
 * property test drives random commands by random people and checks every move is here.
 */
export const TRANSITIONS: Record<CallState, readonly CallState[]> = {
  reported: ['triaged', 'called', 'dispatched', 'acknowledged', 'merged', 'cancelled'],
  triaged: ['called', 'dispatched', 'acknowledged', 'merged', 'cancelled'],
  called: ['dispatched', 'acknowledged', 'merged', 'cancelled'],
  dispatched: ['acknowledged', 'in_progress', 'returned', 'cancelled'],
  acknowledged: ['dispatched', 'in_progress', 'resolved', 'returned', 'cancelled'],
  in_progress: ['dispatched', 'acknowledged', 'resolved', 'returned', 'cancelled'],
  resolved: ['closed', 'reopened', 'cancelled'],
  returned: ['triaged', 'called', 'dispatched', 'acknowledged', 'merged', 'cancelled'],
  reopened: ['resolved', 'returned', 'cancelled'],
  closed: ['archived'],
  archived: [],
  merged: [],
  cancelled: [],
};

/** Assignment states; the last three have ended and no longer count. */
export const ACTIVE_ASSIGNMENT_STATES = ['dispatched', 'acknowledged', 'in_progress', 'resolved'] as const;
export const ENDED_ASSIGNMENT_STATES = ['returned', 'reassigned', 'cancelled'] as const;

export const STATE_NAMES: Record<string, string> = {
  reported: '待研判',
  triaged: '已研判',
  called: '已呼叫',
  dispatched: '已派单',
  acknowledged: '已报到',
  in_progress: '处置中',
  resolved: '已办结',
  returned: '已退回',
  reopened: '重办中',
  closed: '已结案',
  archived: '已备案',
  merged: '已合并',
  cancelled: '已撤销',
  reassigned: '已改派',
};

export const TIER_NAMES: Record<string, string> = {
  simple: '简单问题',
  general: '一般问题',
  complex: '复杂问题',
  key: '重难点问题',
  emergency: '突发性问题',
};

export interface CallDetails {
  call: Call;
  assignments: Assignment[];
  events: TimelineEvent[];
}

/** "JJ-20261127-0001", "20261127-0001", "0001" or "1": the newest matching call. */
export function callRefPattern(ref: string): string | null {
  const t = ref.trim().toUpperCase();
  if (/^[A-Z]{2,4}-\d{8}-\d{4}$/.test(t)) return t;
  if (/^\d{8}-\d{4}$/.test(t)) return `%-${t}`;
  if (/^\d{1,4}$/.test(t)) return `%-${t.padStart(4, '0')}`;
  return null;
}

async function findBy(db: Db | Transaction<Database>, ref: string, lock: boolean): Promise<Call> {
  const pattern = callRefPattern(ref);
  if (!pattern) refuse('bad_input', `“${ref}”不是呼叫单编号，编号形如 JJ-20261127-0001，也可只写末四位 0001`);
  let q = db.selectFrom('calls').selectAll();
  q = pattern!.startsWith('%') ? q.where('no', 'like', pattern!) : q.where('no', '=', pattern!);
  // A short number means the newest call ending in it; open calls first.
  const candidates = await q.orderBy('created_at', 'desc').limit(20).execute();
  const open = candidates.find((c) => (OPEN_CALL_STATES as readonly string[]).includes(c.state));
  const hit = open ?? candidates[0];
  if (!hit) return refuse('unknown_call', `没有找到呼叫单 ${ref}`, `unknown call ${ref}`);
  if (!lock) return hit;
  return (db as Transaction<Database>)
    .selectFrom('calls')
    .selectAll()
    .where('id', '=', hit.id)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

export const findCall = (db: Db, ref: string) => findBy(db, ref, false);
/** Finds and locks the call row: concurrent actions on one call run one after the other. */
export const lockCall = (trx: Transaction<Database>, ref: string) => findBy(trx, ref, true);

export async function assignmentsOf(db: Db | Transaction<Database>, callId: string): Promise<Assignment[]> {
  return db.selectFrom('assignments').selectAll().where('call_id', '=', callId).orderBy('id').execute();
}

export async function callDetails(db: Db | Transaction<Database>, callId: string): Promise<CallDetails> {
  const [call, assignments, events] = await Promise.all([
    db.selectFrom('calls').selectAll().where('id', '=', callId).executeTakeFirstOrThrow(),
    assignmentsOf(db, callId),
    readTimeline(db, { callIds: [callId] }),
  ]);
  return { call, assignments, events };
}

export const isActive = (a: Assignment) => (ACTIVE_ASSIGNMENT_STATES as readonly string[]).includes(a.state);

export interface CallFilter {
  state?: CallState;
  /** any of these states (the console's "open" filter) */
  states?: readonly CallState[];
  street?: string;
  department?: string;
  tier?: CallTier;
  category?: string;
  /** words in the call's number, text or location */
  text?: string;
  overdue?: boolean;
  from?: Date;
  to?: Date;
  /** only what this unit may see: a street its calls, a community its calls, a department its assignments */
  visibleTo?: { kind: 'street' | 'community' | 'department'; code: string };
  /** newest first (default), oldest first, soonest due first, last changed first */
  sort?: 'newest' | 'oldest' | 'due' | 'updated';
  limit?: number;
  offset?: number;
}

const hasAssignment = (department: string) => (eb: ExpressionBuilder<Database, 'calls'>) =>
  eb.exists(
    eb
      .selectFrom('assignments as a')
      .select('a.id')
      .whereRef('a.call_id', '=', 'calls.id')
      .where('a.unit_code', '=', department),
  );

function filteredCalls(db: Db, f: CallFilter, now: Date) {
  let q = db.selectFrom('calls');
  if (f.state) q = q.where('calls.state', '=', f.state);
  if (f.states) q = q.where('calls.state', 'in', f.states.length ? f.states : ['-' as CallState]);
  if (f.street) q = q.where('calls.street_code', '=', f.street);
  if (f.tier) q = q.where('calls.tier', '=', f.tier);
  if (f.category) q = q.where('calls.category_code', '=', f.category);
  if (f.from) q = q.where('calls.created_at', '>=', f.from);
  if (f.to) q = q.where('calls.created_at', '<', f.to);
  if (f.text) {
    const like = `%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb('calls.no', 'ilike', like),
        eb('calls.text', 'ilike', like),
        eb('calls.location', 'ilike', like),
      ]),
    );
  }
  if (f.department) q = q.where(hasAssignment(f.department));
  const v = f.visibleTo;
  if (v?.kind === 'street') q = q.where('calls.street_code', '=', v.code);
  if (v?.kind === 'community') q = q.where('calls.community_code', '=', v.code);
  if (v?.kind === 'department') q = q.where(hasAssignment(v.code));
  if (f.overdue)
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('assignments as a')
          .select('a.id')
          .whereRef('a.call_id', '=', 'calls.id')
          .where('a.state', 'in', ['dispatched', 'acknowledged', 'in_progress'])
          .where((e) =>
            e.or([
              e.and([e('a.acknowledged_at', 'is', null), e('a.ack_due_at', '<', now)]),
              e('a.resolve_due_at', '<', now),
            ]),
          ),
      ),
    );
  return q;
}

export async function listCalls(db: Db, f: CallFilter, now: Date): Promise<Call[]> {
  let q = filteredCalls(db, f, now).selectAll('calls');
  if (f.sort === 'oldest') q = q.orderBy('calls.created_at', 'asc');
  else if (f.sort === 'due') q = q.orderBy(sql`calls.resolve_due_at asc nulls last`);
  else if (f.sort === 'updated') q = q.orderBy('calls.updated_at', 'desc');
  else q = q.orderBy('calls.created_at', 'desc');
  return q
    .orderBy('calls.id', f.sort === 'oldest' ? 'asc' : 'desc')
    .limit(f.limit ?? 50)
    .offset(f.offset ?? 0)
    .execute();
}

/** How many calls the filter matches (its limit and offset aside). */
export async function countCalls(db: Db, f: CallFilter, now: Date): Promise<number> {
  const row = await filteredCalls(db, f, now)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What waits on this person: calls to triage or close for street staff, assignments for departments. */
export async function pendingFor(db: Db, actor: Actor): Promise<{ call: Call; what: string }[]> {
  if (!actor.unitCode) return [];
  if (isStreetStaff(actor)) {
    const calls = await db
      .selectFrom('calls')
      .selectAll()
      .where('street_code', '=', actor.unitCode)
      .where('state', 'in', ['reported', 'triaged', 'returned', 'resolved'])
      .orderBy('created_at')
      .limit(30)
      .execute();
    return calls.map((call) => ({ call, what: call.state === 'resolved' ? '待结案' : '待研判' }));
  }
  if (actor.role === 'office_staff' || actor.role === 'leader') {
    const tiers: CallTier[] = actor.role === 'office_staff' ? ['complex'] : ['key', 'emergency'];
    const calls = await db
      .selectFrom('calls')
      .selectAll()
      .where('state', 'in', ['called', 'returned'])
      .where('tier', 'in', tiers)
      .orderBy('created_at')
      .limit(30)
      .execute();
    return calls.map((call) => ({ call, what: '待派单' }));
  }
  if (actor.role === 'liaison' || actor.role === 'department_head') {
    const rows = await db
      .selectFrom('assignments as a')
      .innerJoin('calls as c', 'c.id', 'a.call_id')
      .selectAll('c')
      .select(['a.state as assignment_state'])
      .where('a.unit_code', '=', actor.unitCode)
      .where('a.state', 'in', ['dispatched', 'acknowledged', 'in_progress'])
      .orderBy('a.dispatched_at')
      .limit(30)
      .execute();
    return rows.map(({ assignment_state, ...call }) => ({
      call: call as Call,
      what: assignment_state === 'dispatched' ? '待报到' : '待办结',
    }));
  }
  return [];
}
