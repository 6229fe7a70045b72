// Personal data on the timeline: a resident's name and the phone numbers in event texts are
// kept beside the append-only events (event_personal), so the retention sweep can erase them
// without touching an event; readTimeline is the one way to read a timeline and puts them
// back, or says where they were erased.
import type { Transaction } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';
import { type Actor, ROLE_NAMES } from './people.ts';

/** What a reader sees where a personal value was erased. */
export const ERASED = '已按保留期限删除';
/** an attachment emptied by retention has this for its type, and no bytes */
export const ERASED_MIME = 'erased';
/** The same inside a text: "联系［已按保留期限删除］". */
export const ERASED_IN_TEXT = `［${ERASED}］`;

/** Mobile numbers and landlines with an area code: exactly what maskPhones masks in cards. */
const PHONES = /(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)/g;
/** Stands in an event's text for a phone number kept in event_personal (a private-use character). */
const SLOT = '\uE000';
const SLOTS = /\uE000/g;

/** The payload fields people write in (a report, a result, a reason, a note, a score's comment). */
const TEXT_FIELDS = new Set(['text', 'reason', 'note', 'comment']);
/** People whose names are personal data: residents, and unknown senders (guests). Staff act in office. */
const PERSONAL_ROLES: readonly Actor['role'][] = ['resident', 'guest'];

export interface PersonalPart {
  actor_label: string | null;
  /** per payload field, the phone numbers its text held, in order */
  phones: Record<string, string[]>;
}

/** The event as stored (name and phone numbers taken out) and what was taken out, if anything. */
export function splitPersonal(
  actor: Actor,
  payload: Record<string, unknown>,
): { actorLabel: string; payload: Record<string, unknown>; personal: PersonalPart | null } {
  const personalName = PERSONAL_ROLES.includes(actor.role) ? actor.name : null;
  const values: Record<string, string[]> = {};
  const stored: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value !== 'string' || !TEXT_FIELDS.has(key)) {
      stored[key] = value;
      continue;
    }
    const found: string[] = [];
    stored[key] = value.replace(SLOTS, '').replace(PHONES, (phone) => {
      found.push(phone);
      return SLOT;
    });
    if (found.length) values[key] = found;
  }
  if (!personalName && !Object.keys(values).length)
    return { actorLabel: actor.name, payload, personal: null };
  return {
    actorLabel: personalName ? ROLE_NAMES[actor.role] : actor.name,
    payload: stored,
    personal: { actor_label: personalName, phones: values },
  };
}

/** Writes the personal part of an event, in the event's transaction. */
export async function keepPersonal(
  trx: Transaction<Database>,
  eventId: string,
  callId: string,
  part: PersonalPart,
): Promise<void> {
  await keepPersonalMany(trx, [{ eventId, callId, part }]);
}

/** The personal parts of several events, in one statement. */
export async function keepPersonalMany(
  trx: Transaction<Database>,
  list: { eventId: string; callId: string; part: PersonalPart }[],
): Promise<void> {
  if (!list.length) return;
  await trx
    .insertInto('event_personal')
    .values(
      list.map(({ eventId, callId, part }) => ({
        event_id: eventId,
        call_id: callId,
        actor_label: part.actor_label,
        phones: JSON.stringify(part.phones),
      })),
    )
    .execute();
}

/** Phone numbers in a text replaced by the erasure note. */
export const erasePhones = (text: string) => text.replace(PHONES, ERASED_IN_TEXT);

export interface TimelineEvent {
  id: string;
  call_id: string;
  assignment_id: string | null;
  at: Date;
  kind: string;
  actor_person_id: string | null;
  actor_label: string;
  payload: Record<string, unknown>;
}

export interface TimelineQuery {
  callIds?: readonly string[];
  kinds?: readonly string[];
  /** events at or after / at or before */
  from?: Date;
  to?: Date;
  /** only the calls whose source is this (e.g. open311:dlw) */
  callSource?: string;
  /** the newest matching event of each call only */
  latestPerCall?: boolean;
  /** in the order they happened across calls (else by call, then in order) */
  byTime?: boolean;
  limit?: number;
}

interface Row extends TimelineEvent {
  p_event_id: string | null;
  p_actor_label: string | null;
  p_phones: Record<string, string[]> | null;
}

/** The stored event with its personal values back in place; erased ones read as the note. */
function restore(row: Row): TimelineEvent {
  const { p_event_id, p_actor_label, p_phones, ...event } = row;
  if (p_event_id === null) return event;
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.payload ?? {})) {
    const phones = [...(p_phones?.[key] ?? [])];
    payload[key] =
      typeof value === 'string' ? value.replace(SLOTS, () => phones.shift() ?? ERASED_IN_TEXT) : value;
  }
  return { ...event, actor_label: p_actor_label ?? event.actor_label, payload };
}

/**
 * The one way to read a timeline: events with their personal values put back, or
 * "已按保留期限删除" where the retention sweep erased them.
 */
export async function readTimeline(
  db: Db | Transaction<Database>,
  q: TimelineQuery,
): Promise<TimelineEvent[]> {
  if (q.callIds && !q.callIds.length) return [];
  let sel = db
    .selectFrom('call_events as e')
    .leftJoin('event_personal as p', 'p.event_id', 'e.id')
    .select([
      'e.id',
      'e.call_id',
      'e.assignment_id',
      'e.at',
      'e.kind',
      'e.actor_person_id',
      'e.actor_label',
      'e.payload',
      'p.event_id as p_event_id',
      'p.actor_label as p_actor_label',
      'p.phones as p_phones',
    ]);
  if (q.callIds) sel = sel.where('e.call_id', 'in', q.callIds);
  if (q.kinds) sel = sel.where('e.kind', 'in', q.kinds);
  if (q.from) sel = sel.where('e.at', '>=', q.from);
  if (q.to) sel = sel.where('e.at', '<=', q.to);
  if (q.callSource) {
    const source = q.callSource;
    sel = sel.where('e.call_id', 'in', (eb) =>
      eb.selectFrom('calls').select('calls.id').where('calls.source', '=', source),
    );
  }
  if (q.latestPerCall) sel = sel.distinctOn('e.call_id').orderBy('e.call_id').orderBy('e.id', 'desc');
  else if (q.byTime) sel = sel.orderBy('e.at').orderBy('e.id');
  else sel = sel.orderBy('e.call_id').orderBy('e.id');
  if (q.limit) sel = sel.limit(q.limit);
  const rows = (await sel.execute()) as Row[];
  return rows.map(restore);
}
