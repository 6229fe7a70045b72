// POST requests: read the body (form-encoded as the spec says, or JSON), check the client's
// api_key, and create the call through the same path as a chat report, so it enters triage
// in the street's chat.
import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { District } from '../../config/district.ts';
import type { Ctx } from '../../handlers/context.ts';
import { execute } from '../../handlers/execute.ts';
import type { Actor } from '../../handlers/people.ts';
import { callByNumber, serviceNotice } from './requests.ts';
import { badRequest, Open311Error } from './respond.ts';
import { findService } from './services.ts';

const MAX_BODY = 64 * 1024;
const MAX_DESCRIPTION = 2000;
/** FixMyStreet's address_id for a report its user did not place on the map */
const NOT_PINPOINTED = '#NOTPINPOINTED#';
export type Fields = Map<string, string>;

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw badRequest('malformed form body: bad percent-encoding（表单编码有误）');
  }
}

function fromForm(text: string): Fields {
  const fields: Fields = new Map();
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq)).replace(/\[\]$/, '');
    if (!fields.has(key)) fields.set(key, eq === -1 ? '' : decode(pair.slice(eq + 1)));
  }
  return fields;
}

function scalar(key: string, v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return '';
  throw badRequest(`malformed JSON body: ${key} must be a string or a number（字段格式有误）`);
}

function fromJson(text: string): Fields {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw badRequest('malformed JSON body（JSON 格式有误）');
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc))
    throw badRequest('malformed JSON body: expected an object（JSON 须为对象）');
  const fields: Fields = new Map();
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'attribute' && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [code, value] of Object.entries(v))
        fields.set(
          `attribute[${code}]`,
          scalar(`attribute[${code}]`, Array.isArray(value) ? value[0] : value),
        );
    } else fields.set(k, scalar(k, v));
  }
  return fields;
}

/** The POST body as flat fields: `attribute[street]` stays one key. */
export async function readBody(c: Context): Promise<Fields> {
  const type = (c.req.header('content-type') ?? 'application/x-www-form-urlencoded').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      throw badRequest('malformed multipart body（表单格式有误）');
    }
    const fields: Fields = new Map();
    for (const [k, v] of form)
      if (typeof v === 'string' && !fields.has(k)) fields.set(k.replace(/\[\]$/, ''), v);
    return fields;
  }
  const text = await c.req.text();
  if (text.length > MAX_BODY) throw badRequest('request body too large（请求过大）');
  if (type.startsWith('application/json')) return fromJson(text);
  if (type.startsWith('application/x-www-form-urlencoded')) return fromForm(text);
  throw badRequest(
    `unsupported Content-Type ${type.split(';')[0]}: send application/x-www-form-urlencoded or application/json（请求格式不支持）`,
  );
}

export function findClient(d: District, apiKey: string | undefined, action = 'create_request') {
  const given = Buffer.from(apiKey ?? '');
  const client = d.open311.clients.find((cl) => {
    const want = Buffer.from(cl.api_key);
    return want.length === given.length && timingSafeEqual(want, given);
  });
  if (!client)
    throw new Open311Error(403, `Invalid api_key received -- can't proceed with ${action}.（api_key 无效）`);
  return client;
}

function coordinate(name: 'lat' | 'long', text: string, limit: number): number {
  const v = /^[+-]?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(Math.abs(v) <= limit))
    throw badRequest(`${name} must be a WGS84 number within ±${limit}（坐标有误）`);
  return v;
}

function contactOf(f: Fields): string | undefined {
  const name = `${f.get('last_name')?.trim() ?? ''}${f.get('first_name')?.trim() ?? ''}`;
  const reach = f.get('phone')?.trim() || f.get('email')?.trim() || '';
  const full = [name, reach].filter(Boolean).join(' ');
  if (!full) return undefined;
  return (full.length <= 50 ? full : reach.length <= 50 ? reach : reach.slice(0, 50)) || undefined;
}

/** The report command this request amounts to; every client mistake is a 400 with the reason. */
export function reportCommand(d: District, f: Fields, clientName: string) {
  const code = f.get('service_code')?.trim();
  if (!code) throw badRequest('service_code was not provided（缺少事项类别）');
  const item = findService(d, code);
  const address = f.get('address_string')?.trim() || undefined;
  const latText = f.get('lat')?.trim();
  const longText = f.get('long')?.trim();
  if (!!latText !== !!longText) throw badRequest('lat and long must be sent together（经纬度须成对提供）');
  const latitude = latText ? coordinate('lat', latText, 90) : undefined;
  const longitude = longText ? coordinate('long', longText, 180) : undefined;
  // address_id alone is a location too (FixMyStreet sends "#NOTPINPOINTED#" for a report not
  // placed on its map); Huying has no address register, so it is kept as text for the street.
  const addressId = f.get('address_id')?.trim() || undefined;
  if (!address && latitude === undefined && !addressId)
    throw badRequest('a location is required: address_string, address_id, or lat and long（缺少地点）');
  if (address && address.length > 200)
    throw badRequest('address_string is longer than 200 characters（地址过长）');
  if (addressId && addressId.length > 100)
    throw badRequest('address_id is longer than 100 characters（地址编码过长）');
  const street = f.get('attribute[street]')?.trim();
  if (!street) throw badRequest('attribute[street] is required（缺少所属街道）');
  if (d.units.get(street)?.kind !== 'street')
    throw badRequest(`attribute[street]: no street "${street}"（没有这个街道）`);
  const community = f.get('attribute[community]')?.trim() || undefined;
  if (community) {
    const u = d.units.get(community);
    if (u?.kind !== 'community' || u.parent !== street)
      throw badRequest(`attribute[community]: no community "${community}" in ${street}（社区不属于该街道）`);
  }
  const emergencyText = f.get('attribute[emergency]')?.trim().toLowerCase() || 'false';
  if (emergencyText !== 'true' && emergencyText !== 'false')
    throw badRequest('attribute[emergency] must be true or false（紧急标记有误）');
  const text = f.get('description')?.trim() || item.name;
  if (text.length > MAX_DESCRIPTION)
    throw badRequest(`description is longer than ${MAX_DESCRIPTION} characters（描述过长）`);
  const media = f.get('media_url')?.trim();
  if (media && !/^https?:\/\/[^\s]+$/i.test(media))
    throw badRequest('media_url must be an http(s) URL（图片地址有误）');
  if (media && media.length > 2000) throw badRequest('media_url is too long（图片地址过长）');
  return {
    type: 'report' as const,
    text,
    location: address ?? (addressId && addressId !== NOT_PINPOINTED ? `地址编码 ${addressId}` : undefined),
    category: item.code,
    street,
    community,
    latitude,
    longitude,
    contact: contactOf(f),
    images: media ? [media] : [],
    emergency: emergencyText === 'true',
    source: `open311:${clientName}`,
  };
}

/** Creates the call; returns its number and the notice for the requester. */
export async function createRequest(ctx: Ctx, f: Fields): Promise<{ id: string; notice: string }> {
  const d = ctx.district;
  const client = findClient(d, f.get('api_key'));
  const command = reportCommand(d, f, client.name);
  // Another system reports on someone's behalf: a guest in rank (a report needs no permission),
  // so a mistake elsewhere could never let it triage, dispatch or close anything.
  const actor: Actor = { personId: null, name: `${client.name}（Open311）`, role: 'guest', unitCode: null };
  const outcome = await execute(ctx, { actor, origin: null, chatUnit: null }, command);
  if (!outcome.ok) throw badRequest(`${outcome.reason}（${outcome.code}）`);
  const call = await callByNumber(ctx.db, outcome.callNo!);
  ctx.log.info({ call: call.no, client: client.name }, 'open311: request created');
  return { id: call.no, notice: serviceNotice(d, call, null) };
}
