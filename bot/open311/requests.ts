// Reading calls as Open311 service requests: one by number, or many by id list, service
// code, status and a date window of at most 90 days (1,000 results at most).
import type { District } from '../../config/district.ts';
import type { Db } from '../../db/connect.ts';
import type { Assignment, Call, CallState } from '../../db/schema.ts';
import { CALL_STATES, callRefPattern } from '../../handlers/calls.ts';
import { maskPhones, unitName } from '../../handlers/cards/fields.ts';
import { modeOf } from '../../handlers/modes.ts';
import { readTimeline } from '../../handlers/personal.ts';
import { formatShanghai } from '../../handlers/worktime.ts';
import { badRequest, notFound } from './respond.ts';
import type { XmlValue } from './xml.ts';

export const CLOSED_STATES = ['closed', 'archived', 'cancelled', 'merged'] as const;
const OPEN_STATES = CALL_STATES.filter((s) => !(CLOSED_STATES as readonly string[]).includes(s));
export const MAX_RESULTS = 1000;
export const MAX_WINDOW_DAYS = 90;
const DAY = 24 * 3600_000;
/** Timeline kinds that explain the current status (status_notes). */
const NOTE_KINDS = ['acknowledged', 'progress', 'resolved', 'returned', 'reopened', 'cancelled', 'merged'];

/** w3 datetime with +08:00, as the district reads its clocks. */
export function w3(at: Date | string | null | undefined): string | null {
  if (!at) return null;
  const ms = new Date(at).getTime();
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

const W3 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** A w3 datetime with its time zone, checked field by field (2026-02-30 is no date). */
export function parseW3(name: string, text: string): Date {
  const m = W3.exec(text.trim());
  const fail = () =>
    badRequest(
      `${name} must be a w3 datetime with a time zone, e.g. 2026-11-01T00:00:00+08:00（日期格式有误）`,
    );
  if (!m) throw fail();
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const frac = m[7] ? Math.round(Number(`0${m[7]}`) * 1000) : 0;
  const local = Date.UTC(y, mo - 1, d, h, mi, s, frac);
  const check = new Date(Date.UTC(y, mo - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    throw fail();
  if (h > 23 || mi > 59 || s > 59) throw fail();
  let offset = 0;
  if (m[8] !== 'Z') {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 14 || om > 59) throw fail();
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return new Date(local - offset);
}

export interface RequestQuery {
  ids: string[];
  serviceCodes: string[];
  states: CallState[] | null;
  from: Date;
  to: Date;
}

const list = (values: string[]) =>
  values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/**
 * start_date and end_date: w3 datetimes, at most 90 days apart; one alone runs 90 days from or
 * to it; neither: the last 90 days.
 */
export function parseWindow(get: (name: string) => string[], now: Date): { from: Date; to: Date } {
  const start = list(get('start_date'))[0];
  const end = list(get('end_date'))[0];
  const from0 = start ? parseW3('start_date', start) : undefined;
  const to0 = end ? parseW3('end_date', end) : undefined;
  const window = MAX_WINDOW_DAYS * DAY;
  const to = to0 ?? (from0 ? new Date(from0.getTime() + window) : now);
  const from = from0 ?? new Date(to.getTime() - window);
  if (to < from) throw badRequest('end_date is before start_date（结束时间早于开始时间）');
  if (to.getTime() - from.getTime() > window)
    throw badRequest(
      `start_date to end_date spans more than ${MAX_WINDOW_DAYS} days（查询跨度不能超过90天）`,
    );
  return { from, to };
}

/** The query string of GET requests, validated; `get` returns every value of a name. */
export function parseRequestQuery(get: (name: string) => string[], now: Date): RequestQuery {
  const ids = list(get('service_request_id')).map((id) => id.toUpperCase());
  const statuses = list(get('status')).map((s) => s.toLowerCase());
  for (const s of statuses)
    if (s !== 'open' && s !== 'closed')
      throw badRequest(`status must be open or closed, not "${s}"（状态有误）`);
  const states = statuses.length
    ? [
        ...(statuses.includes('open') ? OPEN_STATES : []),
        ...(statuses.includes('closed') ? CLOSED_STATES : []),
      ]
    : null;
  const { from, to } = parseWindow(get, now);
  return { ids: ids.slice(0, MAX_RESULTS), serviceCodes: list(get('service_code')), states, from, to };
}

export async function queryCalls(db: Db, q: RequestQuery): Promise<Call[]> {
  let sel = db.selectFrom('calls').selectAll();
  if (q.ids.length) sel = sel.where('no', 'in', q.ids);
  else {
    sel = sel.where('created_at', '>=', q.from).where('created_at', '<=', q.to);
    if (q.serviceCodes.length) sel = sel.where('category_code', 'in', q.serviceCodes);
    if (q.states) sel = sel.where('state', 'in', q.states);
  }
  return sel.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(MAX_RESULTS).execute();
}

/** One call by its number (the service_request_id); 404 when there is none. */
export async function callByNumber(db: Db, id: string): Promise<Call> {
  const no = id.trim().toUpperCase();
  const pattern = callRefPattern(no);
  const call =
    pattern === no
      ? await db.selectFrom('calls').selectAll().where('no', '=', no).executeTakeFirst()
      : undefined;
  if (!call) throw notFound(`service_request_id not found: ${id}（没有这个呼叫单）`);
  return call;
}

interface Extras {
  assignments: Map<string, Assignment[]>;
  updated: Map<string, Date>;
  notes: Map<string, { kind: string; payload: Record<string, unknown>; assignment_id: string | null }>;
}

async function extrasFor(db: Db, calls: Call[]): Promise<Extras> {
  const ids = calls.map((c) => c.id);
  const out: Extras = { assignments: new Map(), updated: new Map(), notes: new Map() };
  if (!ids.length) return out;
  const assignments = await db
    .selectFrom('assignments')
    .selectAll()
    .where('call_id', 'in', ids)
    .orderBy('id')
    .execute();
  for (const a of assignments)
    out.assignments.set(String(a.call_id), [...(out.assignments.get(String(a.call_id)) ?? []), a]);
  for (const e of await readTimeline(db, { callIds: ids, latestPerCall: true }))
    out.updated.set(String(e.call_id), new Date(e.at));
  for (const n of await readTimeline(db, { callIds: ids, kinds: NOTE_KINDS, latestPerCall: true }))
    out.notes.set(String(n.call_id), {
      kind: n.kind,
      payload: n.payload,
      assignment_id: n.assignment_id === null ? null : String(n.assignment_id),
    });
  return out;
}

/** The department answering for the call: the active lead, else the latest lead, else the street handling it. */
function responsible(assignments: Assignment[]): Assignment | undefined {
  const ended = ['returned', 'reassigned', 'cancelled'];
  const leads = assignments.filter((a) => a.role === 'lead');
  return (
    leads.filter((a) => !ended.includes(a.state)).at(-1) ??
    assignments.filter((a) => a.role === 'self' && !ended.includes(a.state)).at(-1) ??
    leads.at(-1)
  );
}

/** A timeline event as words for the requester: the status notes of a request, its updates. */
export function statusNotes(d: District, note: { kind: string; payload: Record<string, unknown> }): string {
  const p = note.payload;
  const unit = unitName(d, p.unit as string | undefined);
  const text = (k: string) => maskPhones(String(p[k] ?? ''));
  switch (note.kind) {
    case 'acknowledged':
      return `${unit}已报到，正在办理`;
    case 'progress':
      return `${unit}进展：${text('text')}`;
    case 'resolved':
      return `${unit}办结：${text('text')}`;
    case 'returned':
      return `${unit}退回：${text('reason')}`;
    case 'reopened':
      return `街道要求重办：${text('reason')}`;
    case 'cancelled':
      return `已撤销：${text('reason')}`;
    case 'merged':
      return `重复反映，已合并到 ${text('into')}`;
    default:
      return '';
  }
}

/** What the district expects to do next, for the requester. */
export function serviceNotice(d: District, call: Call, agency: string | null): string {
  const street = unitName(d, call.street_code);
  const due = call.resolve_due_at ? `，办结时限 ${formatShanghai(new Date(call.resolve_due_at))}` : '';
  switch (call.state) {
    case 'reported':
    case 'triaged':
    case 'returned':
      return `已受理，由${street}研判后分级呼叫承办部门。`;
    case 'called':
      return call.emergency || modeOf(call.tier).dispatcher === 'leaders'
        ? '已报区领导和呼应办，由区领导派单。'
        : '已提交呼应办派单。';
    case 'resolved':
      return `${agency ?? '承办部门'}已办结，待${street}确认结案。`;
    case 'closed':
    case 'archived':
      return '已结案。';
    case 'merged':
      return '重复反映，已并入已有呼叫单。';
    case 'cancelled':
      return '已撤销。';
    default:
      return `${agency ?? '承办部门'}办理中${due}。`;
  }
}

/**
 * Without coordinates (a chat report; a request with an address only) the address carries the
 * street and community too, and the notice says the place is the address text.
 */
function place(d: District, call: Call): { address: string | null; note: string } {
  if (call.latitude !== null && call.longitude !== null) return { address: call.location, note: '' };
  const area = `${unitName(d, call.street_code)}${call.community_code ? unitName(d, call.community_code) : ''}`;
  const from = call.source.startsWith('open311:') ? '' : '群聊反映，';
  return {
    address: call.location ? `${area} ${call.location}` : area,
    note: `（${from}没有坐标：位置以地址文字为准）`,
  };
}

function toRequest(d: District, call: Call, x: Extras): XmlValue {
  const lead = responsible(x.assignments.get(call.id) ?? []);
  const agency = lead ? unitName(d, lead.unit_code) : null;
  const note = x.notes.get(call.id);
  const images = call.images as unknown as string[];
  const where = place(d, call);
  return {
    service_request_id: call.no,
    status: (CLOSED_STATES as readonly string[]).includes(call.state) ? 'closed' : 'open',
    status_notes: note ? statusNotes(d, note) || null : null,
    service_name: d.catalogByCode.get(call.category_code)?.name ?? call.category_code,
    service_code: call.category_code,
    description: maskPhones(call.text),
    agency_responsible: agency,
    service_notice: `${serviceNotice(d, call, agency)}${where.note}`,
    requested_datetime: w3(call.created_at),
    updated_datetime: w3(x.updated.get(call.id) ?? call.updated_at),
    expected_datetime: w3(call.resolve_due_at ?? lead?.resolve_due_at),
    address: where.address,
    address_id: null,
    zipcode: null,
    lat: call.latitude,
    long: call.longitude,
    media_url: Array.isArray(images) && images.length ? images[0] : null,
  };
}

export async function describeCalls(db: Db, d: District, calls: Call[]): Promise<XmlValue[]> {
  const extras = await extrasFor(db, calls);
  return calls.map((c) => toRequest(d, c, extras));
}
