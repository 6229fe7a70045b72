// The office's read API (behind ADMIN_TOKEN): calls by filter, page by page, and one call
// with its assignments, deadlines and the whole timeline in the mechanism's words.
import { Hono } from 'hono';
import { z } from 'zod';
import { TIERS } from '../../config/district.ts';
import type { Assignment, Call } from '../../db/schema.ts';
import {
  CALL_STATES,
  callDetails,
  findCall,
  listCalls,
  STATE_NAMES,
  TIER_NAMES,
} from '../../handlers/calls.ts';
import { EVENT_NAMES, maskPhones, unitName } from '../../handlers/cards/fields.ts';
import type { Ctx } from '../../handlers/context.ts';
import { Refusal } from '../../handlers/errors.ts';
import type { TimelineEvent } from '../../handlers/personal.ts';
import type { AppEnv } from '../app.ts';
import { adminAuth } from '../auth.ts';
import type { Services } from '../services.ts';

const DAY = 24 * 3600_000;
const SHANGHAI = 8 * 3600_000;

/** "2026-11-23" is that Shanghai day (an end date includes it); a full ISO datetime is taken as is. */
export function dateParam(name: string, end: boolean) {
  return z
    .string()
    .trim()
    .transform((s, c) => {
      const day = /^\d{4}-\d{2}-\d{2}$/.test(s);
      const ms = day ? Date.parse(`${s}T00:00:00Z`) - SHANGHAI + (end ? DAY : 0) : Date.parse(s);
      const ok = day
        ? !Number.isNaN(ms) && new Date(ms + SHANGHAI - (end ? DAY : 0)).toISOString().startsWith(s)
        : /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(ms);
      if (!ok) {
        c.addIssue({
          code: 'custom',
          message: `${name} 须为日期，如 2026-11-23 或 2026-11-23T10:00:00+08:00`,
        });
        return z.NEVER;
      }
      return new Date(ms);
    });
}

const int = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} 须为整数`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} 不能小于 ${min}`).max(max, `${name} 不能大于 ${max}`));

function filterSchema(ctx: Ctx) {
  const kindOf = (code: string) => ctx.district.units.get(code)?.kind;
  return z
    .object({
      state: z.enum(CALL_STATES, { message: `state 须为 ${CALL_STATES.join('、')} 之一` }).optional(),
      street: z
        .string()
        .refine((s) => kindOf(s) === 'street', { message: '没有这个街道（street 填街道代码）' })
        .optional(),
      department: z
        .string()
        .refine((s) => kindOf(s) === 'department', { message: '没有这个部门（department 填部门代码）' })
        .optional(),
      tier: z.enum(TIERS, { message: `tier 须为 ${TIERS.join('、')} 之一` }).optional(),
      overdue: z.enum(['true', 'false'], { message: 'overdue 须为 true 或 false' }).optional(),
      from: dateParam('from', false).optional(),
      to: dateParam('to', true).optional(),
      page: int('page', 1, 100_000).optional(),
      per_page: int('per_page', 1, 100).optional(),
    })
    .strict()
    .refine((f) => !f.from || !f.to || f.from < f.to, { message: '起始日期须早于截止日期（from < to）' });
}

const iso = (at: Date | string | null | undefined) => (at ? new Date(at).toISOString() : null);

function summary(ctx: Ctx, c: Call) {
  const d = ctx.district;
  return {
    no: c.no,
    state: c.state,
    state_name: STATE_NAMES[c.state] ?? c.state,
    tier: c.tier,
    tier_name: TIER_NAMES[c.tier] ?? c.tier,
    emergency: c.emergency,
    category: c.category_code,
    category_name: d.catalogByCode.get(c.category_code)?.name ?? c.category_code,
    street: c.street_code,
    street_name: unitName(d, c.street_code),
    community: c.community_code,
    community_name: c.community_code ? unitName(d, c.community_code) : null,
    text: maskPhones(c.text),
    location: c.location,
    source: c.source,
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
    resolve_due_at: iso(c.resolve_due_at),
    closed_at: iso(c.closed_at),
  };
}

function assignmentView(ctx: Ctx, a: Assignment, now: Date) {
  const open = ['dispatched', 'acknowledged', 'in_progress'].includes(a.state);
  return {
    unit: a.unit_code,
    unit_name: unitName(ctx.district, a.unit_code),
    role: a.role,
    role_name: a.role === 'lead' ? '牵头' : a.role === 'co' ? '协办' : '自行处置',
    round: a.round,
    state: a.state,
    state_name: STATE_NAMES[a.state] ?? a.state,
    dispatched_at: iso(a.dispatched_at),
    ack_due_at: iso(a.ack_due_at),
    acknowledged_at: iso(a.acknowledged_at),
    resolve_due_at: iso(a.resolve_due_at),
    resolved_at: iso(a.resolved_at),
    ack_overdue: open && !a.acknowledged_at && !!a.ack_due_at && new Date(a.ack_due_at) < now,
    resolve_overdue: open && !!a.resolve_due_at && new Date(a.resolve_due_at) < now,
    result_text: a.result_text === null ? null : maskPhones(a.result_text),
    return_reason: a.return_reason,
  };
}

/** Phone numbers masked in every string of a payload (numbers and keys left alone). */
function maskDeep(v: unknown): unknown {
  if (typeof v === 'string') return maskPhones(v);
  if (Array.isArray(v)) return v.map(maskDeep);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, maskDeep(x)]));
  return v;
}

const eventView = (e: TimelineEvent) => ({
  id: e.id,
  at: iso(e.at),
  kind: e.kind,
  name: EVENT_NAMES[e.kind] ?? e.kind,
  actor: e.actor_label,
  unit: (e.payload?.unit as string | undefined) ?? null,
  payload: maskDeep(e.payload),
});

export function callsApi(ctx: Ctx, adminToken: string | undefined): Hono {
  const app = new Hono();
  app.use('*', adminAuth(adminToken));
  const schema = filterSchema(ctx);
  app.get('/', async (c) => {
    // ?token= is the admin token (see adminAuth), not a filter
    const { token: _token, ...query } = c.req.query();
    const parsed = schema.safeParse(query);
    if (!parsed.success)
      return c.json(
        {
          error: 'bad_filter',
          message: parsed.error.issues
            .map((i) => (i.code === 'unrecognized_keys' ? `不支持的参数：${i.keys.join('、')}` : i.message))
            .join('；'),
        },
        400,
      );
    const f = parsed.data;
    const page = f.page ?? 1;
    const perPage = f.per_page ?? 20;
    // one more than a page: whether another page follows, without counting every row
    const rows = await listCalls(
      ctx.db,
      { ...f, overdue: f.overdue === 'true', limit: perPage + 1, offset: (page - 1) * perPage },
      ctx.clock.now(),
    );
    return c.json({
      items: rows.slice(0, perPage).map((r) => summary(ctx, r)),
      page,
      per_page: perPage,
      has_more: rows.length > perPage,
    });
  });
  app.get('/:no', async (c) => {
    let call: Call;
    try {
      call = await findCall(ctx.db, c.req.param('no'));
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      return c.json({ error: e.code, message: e.reason }, e.code === 'unknown_call' ? 404 : 400);
    }
    const det = await callDetails(ctx.db, call.id);
    const now = ctx.clock.now();
    return c.json({
      call: {
        ...summary(ctx, det.call),
        reporter_name: det.call.reporter_name,
        reporter_contact: det.call.reporter_contact ? maskPhones(det.call.reporter_contact) : null,
        latitude: det.call.latitude,
        longitude: det.call.longitude,
        images: det.call.images,
        triaged_at: iso(det.call.triaged_at),
        resolved_at: iso(det.call.resolved_at),
        archived_at: iso(det.call.archived_at),
      },
      assignments: det.assignments.map((a) => assignmentView(ctx, a, now)),
      timeline: det.events.map(eventView),
    });
  });
  return app;
}

/** Mounts the read API at /api/calls, behind the admin token. */
export function mountCallsApi(app: Hono<AppEnv>, services: Services) {
  app.route('/api/calls', callsApi(services.ctx, services.runtime.env.ADMIN_TOKEN));
}
