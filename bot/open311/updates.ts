// GET servicerequestupdates: mySociety's Open311 extension, as FixMyStreet reads it — the
// status changes of the client's own requests within a window, one per timeline event, for
// the client to add to its report as updates (deduplicated on update_id).
import type { District } from '../../config/district.ts';
import type { Db } from '../../db/connect.ts';
import { unitName } from '../../handlers/cards/fields.ts';
import { modeOf } from '../../handlers/modes.ts';
import { readTimeline, type TimelineEvent } from '../../handlers/personal.ts';
import { CLOSED_STATES, MAX_RESULTS, statusNotes, w3 } from './requests.ts';
import type { XmlValue } from './xml.ts';

/** The events a requester hears about; triage, reminders, scores and the like stay internal. */
export const UPDATE_KINDS = [
  'reported',
  'called',
  'dispatched',
  'acknowledged',
  'progress',
  'resolved',
  'returned',
  'reopened',
  'closed',
  'cancelled',
  'merged',
] as const;

const names = (d: District, units: unknown) =>
  (Array.isArray(units) ? units : [])
    .map((u) => unitName(d, typeof u === 'string' ? u : (u as { unit?: string })?.unit))
    .join('、');

function describe(d: District, e: TimelineEvent, street: string): string {
  const p = e.payload;
  switch (e.kind) {
    case 'reported':
      return `已受理，由${street}研判后分级呼叫承办部门。`;
    case 'called': {
      const mode = modeOf(String(p.tier));
      if (mode.selfHandled) return `由${street}自行处置。`;
      if (mode.handedTo) return `${mode.handedTo}。`;
      return `已呼叫${names(d, [p.lead, ...((p.co as string[]) ?? [])].filter(Boolean))}办理。`;
    }
    case 'dispatched':
      return `已派单：${names(d, p.units)}。`;
    case 'closed':
      return `${street}已确认办理结果，已结案。`;
    default:
      return statusNotes(d, e);
  }
}

const closedAfter = (kind: string) => (CLOSED_STATES as readonly string[]).includes(kind);

/** The updates of one client's requests whose events fall in the window, oldest first (1,000 at most). */
export async function requestUpdates(
  db: Db,
  d: District,
  client: string,
  window: { from: Date; to: Date },
): Promise<XmlValue[]> {
  const events = await readTimeline(db, {
    kinds: UPDATE_KINDS,
    from: window.from,
    to: window.to,
    callSource: `open311:${client}`,
    byTime: true,
    limit: MAX_RESULTS,
  });
  if (!events.length) return [];
  const calls = new Map(
    (
      await db
        .selectFrom('calls')
        .select(['id', 'no', 'street_code'])
        .where('id', 'in', [...new Set(events.map((e) => e.call_id))])
        .execute()
    ).map((c) => [String(c.id), c]),
  );
  return events.map((e) => {
    const call = calls.get(String(e.call_id))!;
    const images = e.payload.images;
    const media = Array.isArray(images)
      ? images.find((i) => typeof i === 'string' && /^https?:\/\//i.test(i))
      : null;
    return {
      update_id: String(e.id),
      service_request_id: call.no,
      status: closedAfter(e.kind) ? 'closed' : 'open',
      updated_datetime: w3(e.at),
      description: describe(d, e, unitName(d, call.street_code)),
      media_url: media ?? null,
    };
  });
}
