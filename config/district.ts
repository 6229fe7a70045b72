// The district file: its schema (catalog of matter types, time limits, ladders, chat bindings,
// people), loaded from YAML/JSON and validated with zod at start; the org chart it names is
// config/org-chart.ts.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssues } from './errors.ts';
import {
  buildUnits,
  CHAT_ROLE_UNIT,
  CHAT_ROLES,
  PERSON_ROLES,
  ROLE_UNITS,
  type Unit,
  unitRef,
} from './org-chart.ts';

export * from './org-chart.ts';

export const TIERS = ['simple', 'general', 'complex', 'key', 'emergency'] as const;
export type Tier = (typeof TIERS)[number];
/** A chat platform's name ('lark'…): which exist is the bot's registry's to say (bot/adapters.ts). */
const platformName = z.string().regex(/^[a-z][a-z0-9]*$/, 'must be a platform name (lower-case letters)');
export const NOTIFY_TARGETS = ['assignee_chat', 'department_head', 'office', 'leaders'] as const;
export type NotifyTarget = (typeof NOTIFY_TARGETS)[number];
/** Who a waiting call's ladder tells: the chat of whoever it waits on, that unit's head, the office, the leaders. */
export const WAIT_TARGETS = ['chat', 'head', 'office', 'leaders'] as const;
export type WaitTarget = (typeof WAIT_TARGETS)[number];

/** "2wh" working hours, "5wd" working days, "30m" / "24h" / "1d" wall-clock. */
export const DURATION_PATTERN = /^\d+(\.\d+)?(m|h|d|wh|wd)$/;
/** "3y", "18mo", "8w", "90d": how long personal data is kept (handlers/retention.ts). */
export const RETENTION_PERIOD_PATTERN = /^(\d+)(y|mo|w|d)$/;
/** A browser origin: scheme, host and port, nothing after. */
const origin = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return /^https?:$/.test(u.protocol) && u.origin === v;
  } catch {
    return false;
  }
}, 'must be an origin such as https://app.example.gov.cn (scheme, host, optional port; no path or slash)');
const duration = z
  .string()
  .regex(DURATION_PATTERN, 'must be a duration such as 30m, 24h, 2wh (working hours) or 5wd (working days)');
const code = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must be lower-case letters, digits and _ (starting with a letter)');
const named = z.object({ code, name: z.string().min(1) });
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date like 2027-01-01')
  .refine((d) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) return true; // the pattern has said it
    const t = Date.parse(`${d}T00:00:00Z`);
    return !Number.isNaN(t) && new Date(t).toISOString().startsWith(d);
  }, 'is not a real date');

const escalationStep = z.object({ after: duration, notify: z.enum(NOTIFY_TARGETS) });
const waitStep = z.object({ after: duration, notify: z.enum(WAIT_TARGETS) });
const ladder = (steps: { after: string; notify: WaitTarget }[]) => z.array(waitStep).default(steps);

const chatBinding = z
  .object({
    platform: platformName,
    chat_id: z.string().min(1).optional(),
    /** a chat some platforms know only by its topic (a WeChat room): bound as "topic:<topic>" */
    room_topic: z.string().min(1).optional(),
    unit: z.string().min(1),
    role: z.enum(CHAT_ROLES),
  })
  .refine((c) => c.chat_id || c.room_topic, 'needs chat_id (or room_topic, for a chat known by its topic)')
  .transform((c) => ({ ...c, chat_id: c.chat_id ?? `topic:${c.room_topic}` }));

/**
 * A person's ids on the platforms, by platform: `ids: { lark: ou_…, wechat: wxid_… }`. Older files
 * give them as `<platform>_open_id` / `<platform>_id`, or `<platform>_name` for a platform that knows
 * people only by their display name (bound as "name:<name>"); those still read.
 */
const LEGACY_ID = /^([a-z][a-z0-9]*)_(open_id|user_id|id)$/;
const LEGACY_NAME = /^([a-z][a-z0-9]*)_name$/;
const person = z
  .object({
    name: z.string().min(1),
    unit: z.string().min(1),
    role: z.enum(PERSON_ROLES),
    phone: z.string().optional(),
    ids: z.record(platformName, z.string().min(1)).default({}),
  })
  .catchall(z.string().min(1))
  .superRefine((p, ctx) => {
    for (const key of Object.keys(p))
      if (
        !['name', 'unit', 'role', 'phone', 'ids'].includes(key) &&
        !LEGACY_ID.test(key) &&
        !LEGACY_NAME.test(key)
      )
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is not a field of a person (platform ids go under ids: { <platform>: <id> })',
        });
  })
  .transform(({ name, unit, role, phone, ids, ...legacy }) => {
    const all: Record<string, string> = { ...ids };
    for (const [key, value] of Object.entries(legacy)) {
      const id = LEGACY_ID.exec(key);
      const byName = LEGACY_NAME.exec(key);
      if (id) all[id[1]] ??= value;
      else if (byName) all[byName[1]] ??= `name:${value}`;
    }
    return { name, unit, role, phone, ids: all };
  });

const catalogItem = z.object({
  code,
  name: z.string().min(1),
  tier: z.enum(TIERS),
  lead: code.optional(),
  co: z.array(code).default([]),
  ack: duration.nullable().optional(),
  resolve: duration.optional(),
  keywords: z.array(z.string().min(1)).default([]),
  synonyms: z.array(z.string().min(1)).default([]),
});

const webhookSubscriber = z.object({
  name: z.string().min(1),
  url: z.string().url(),
  secret: z.string().min(16, 'must be at least 16 characters'),
  events: z.array(z.string()).default(['*']),
  give_up_after: duration.default('24h'),
});

export const districtSchema = z
  .object({
    district: z.object({
      code,
      name: z.string().min(1),
      call_prefix: z
        .string()
        .regex(/^[A-Z]{2,4}$/, 'must be 2–4 capital letters')
        .default('JJ'),
    }),
    office: named,
    leaders: named,
    streets: z
      .array(named.extend({ communities: z.array(named).default([]) }))
      .min(1, 'needs at least one street'),
    departments: z.array(named).min(1, 'needs at least one department'),
    tiers: z.object(
      Object.fromEntries(
        TIERS.map((t) => [t, z.object({ ack: duration.nullable(), resolve: duration })]),
      ) as Record<Tier, z.ZodObject<{ ack: z.ZodNullable<typeof duration>; resolve: typeof duration }>>,
    ),
    escalation: z.object({
      ack: z.array(escalationStep).default([]),
      resolve: z.array(escalationStep).default([]),
      remind_before: z.number().gt(0).lt(1).default(0.25),
      /** reminders and escalations due for one chat within this many seconds go as one message */
      coalesce_seconds: z.number().min(0).max(60).default(3),
      // Every state in which a call waits on a person has its ladder, counted from when the
      // wait began ("after"), in working time unless the call is an emergency.
      /** a report the street has not triaged */
      triage: ladder([
        { after: '2wh', notify: 'chat' },
        { after: '4wh', notify: 'head' },
        { after: '1wd', notify: 'office' },
      ]),
      /** a report the parser was in doubt about (it may be an emergency) the street has not
       * triaged: minutes, round the clock */
      doubt_triage: ladder([
        { after: '15m', notify: 'chat' },
        { after: '30m', notify: 'head' },
        { after: '1h', notify: 'office' },
      ]),
      /** a complex call the office has not dispatched */
      office_dispatch: ladder([
        { after: '2wh', notify: 'chat' },
        { after: '1wd', notify: 'leaders' },
      ]),
      /** a key call the leaders have not dispatched */
      leader_dispatch: ladder([
        { after: '2wh', notify: 'chat' },
        { after: '4wh', notify: 'office' },
      ]),
      /** an emergency the leaders have not dispatched: minutes, round the clock */
      emergency_dispatch: ladder([
        { after: '5m', notify: 'chat' },
        { after: '10m', notify: 'leaders' },
        { after: '10m', notify: 'office' },
      ]),
      /** a call a department returned, waiting for the street to call it again */
      returned: ladder([
        { after: '2wh', notify: 'chat' },
        { after: '1wd', notify: 'head' },
        { after: '2wd', notify: 'office' },
      ]),
      /** resolved, waiting for the street to close it (or ask for it to be redone) */
      close: ladder([
        { after: '1wd', notify: 'chat' },
        { after: '3wd', notify: 'head' },
      ]),
      /** 代派: with no leader dispatching an emergency this long, the office may dispatch it on
       * the leaders' behalf (recorded as such); null: never */
      stand_in_dispatch: duration.nullable().default('15m'),
    }),
    catalog: z.array(catalogItem).min(1),
    emergency_words: z.array(z.string().min(1)).default([]),
    /** days off and 调休 working days the calendar library does not list yet (a new year's schedule) */
    calendar: z
      .object({ holidays: z.array(isoDay).default([]), workdays: z.array(isoDay).default([]) })
      .default({ holidays: [], workdays: [] }),
    chats: z.array(chatBinding).default([]),
    people: z.array(person).default([]),
    open311: z
      .object({
        clients: z.array(z.object({ name: z.string().min(1), api_key: z.string().min(16) })).default([]),
        /** browser apps on these origins may call the API (CORS); no other origin gets CORS headers */
        cors_origins: z.array(origin).default([]),
      })
      .default({ clients: [], cors_origins: [] }),
    /** personal data of finished calls is erased after this period; the monthly sweep is off without it */
    retention: z
      .object({
        personal_data: z
          .string()
          .regex(RETENTION_PERIOD_PATTERN, 'must be a period such as 3y, 18mo, 8w or 90d')
          .refine((v) => !/^0+\D/.test(v), 'must be at least 1')
          .optional(),
      })
      .default({}),
    webhooks: z.array(webhookSubscriber).default([]),
  })
  .superRefine((d, ctx) => {
    const seen = new Map<string, string>();
    const claim = (unitCode: string, path: (string | number)[]) => {
      const before = seen.get(unitCode);
      if (before)
        ctx.addIssue({ code: 'custom', path, message: `code "${unitCode}" is already used by ${before}` });
      else seen.set(unitCode, path.join('.'));
    };
    claim(d.office.code, ['office', 'code']);
    claim(d.leaders.code, ['leaders', 'code']);
    d.streets.forEach((s, i) => {
      claim(s.code, ['streets', i, 'code']);
      for (const [j, c] of s.communities.entries()) claim(c.code, ['streets', i, 'communities', j, 'code']);
    });
    for (const [i, u] of d.departments.entries()) claim(u.code, ['departments', i, 'code']);
    const departments = new Set(d.departments.map((u) => u.code));
    const catalogCodes = new Set<string>();
    d.catalog.forEach((item, i) => {
      if (catalogCodes.has(item.code))
        ctx.addIssue({
          code: 'custom',
          path: ['catalog', i, 'code'],
          message: `duplicate code "${item.code}"`,
        });
      catalogCodes.add(item.code);
      if (item.lead && !departments.has(item.lead))
        ctx.addIssue({
          code: 'custom',
          path: ['catalog', i, 'lead'],
          message: `no department "${item.lead}"`,
        });
      item.co.forEach((c, j) => {
        if (!departments.has(c))
          ctx.addIssue({ code: 'custom', path: ['catalog', i, 'co', j], message: `no department "${c}"` });
      });
      if (!item.lead && item.tier !== 'simple' && item.code !== 'other')
        ctx.addIssue({
          code: 'custom',
          path: ['catalog', i, 'lead'],
          message: `a ${item.tier} matter needs a lead department`,
        });
    });
    if (!catalogCodes.has('other'))
      ctx.addIssue({
        code: 'custom',
        path: ['catalog'],
        message: 'needs an item with code "other" for matters nobody recognises',
      });
    const resolveUnit = (ref: string) => unitRef(d, ref);
    d.chats.forEach((c, i) => {
      const u = resolveUnit(c.unit);
      if (!u) ctx.addIssue({ code: 'custom', path: ['chats', i, 'unit'], message: `no unit "${c.unit}"` });
      else if (CHAT_ROLE_UNIT[c.role] !== u.kind)
        ctx.addIssue({
          code: 'custom',
          path: ['chats', i, 'role'],
          message: `a ${c.role} chat must belong to a ${CHAT_ROLE_UNIT[c.role]}, but "${c.unit}" is a ${u.kind}`,
        });
    });
    d.people.forEach((p, i) => {
      const u = resolveUnit(p.unit);
      if (!u) ctx.addIssue({ code: 'custom', path: ['people', i, 'unit'], message: `no unit "${p.unit}"` });
      else if (!ROLE_UNITS[p.role].includes(u.kind))
        ctx.addIssue({
          code: 'custom',
          path: ['people', i, 'role'],
          message: `a ${p.role} belongs to a ${ROLE_UNITS[p.role].join(' or ')}, but "${p.unit}" is a ${u.kind}`,
        });
    });
  });

export type DistrictFile = z.infer<typeof districtSchema>;
export type CatalogItemConfig = DistrictFile['catalog'][number];
export type EscalationStep = z.infer<typeof escalationStep>;
export type WaitStep = z.infer<typeof waitStep>;
export type WebhookSubscriber = z.infer<typeof webhookSubscriber>;

export interface District extends DistrictFile {
  units: Map<string, Unit>;
  catalogByCode: Map<string, CatalogItemConfig>;
  source: string;
}

export const defaultDistrictPath = join(dirname(fileURLToPath(import.meta.url)), 'sample-district.yaml');

/** Validates an already-parsed district document. */
export function parseDistrict(doc: unknown, source = 'district file'): District {
  const parsed = districtSchema.safeParse(doc);
  if (!parsed.success) throw new ConfigError(source, describeIssues(parsed.error.issues));
  const d = parsed.data;
  return {
    ...d,
    units: buildUnits(d),
    catalogByCode: new Map(d.catalog.map((c) => [c.code, c])),
    source,
  };
}

/** Reads and validates the district file (YAML or JSON). */
export function loadDistrict(path: string = defaultDistrictPath): District {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(path, [`cannot read the file: ${(e as Error).message}`]);
  }
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigError(path, [
      `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    ]);
  }
  return parseDistrict(doc, path);
}
