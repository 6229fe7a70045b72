// Open311 GeoReport v2 conformance, in XML and JSON: discovery, services, a service
// definition, a request created with the client's api_key and followed through the call's
// lifecycle (driven with execute()) to closed; the GET filters. Errors: open311-errors.test.ts.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN311_PATH, open311Routes } from '../../bot/open311/index.ts';
import { ManualClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import type { Ctx } from '../../handlers/context.ts';
import { execute } from '../../handlers/execute.ts';
import { resolveActor } from '../../handlers/people.ts';
import { freshDb, rowCount, type TestDb } from '../db.ts';
import {
  asXmlText,
  CONTENT_TYPES,
  districtWith,
  type Fmt,
  FORMATS,
  form,
  lightReport,
  open311Client,
  parseXml,
  TEST_API_KEY,
  toPlain,
} from '../harness/open311.ts';
import { MONDAY_10 } from '../world.ts';

const PUBLIC = 'https://huying.example.gov.cn';

let t: TestDb;
let ctx: Ctx;
let clock: ManualClock;
let app: Hono;
let client: ReturnType<typeof open311Client>;

beforeAll(async () => {
  t = await freshDb({ district: districtWith() });
  clock = new ManualClock(MONDAY_10);
  ctx = { db: t.db, district: t.district, clock, log: silentLogger };
  app = new Hono();
  app.route(OPEN311_PATH, open311Routes(ctx, { publicUrl: PUBLIC }));
  client = open311Client(app);
});
afterAll(async () => t?.close());

async function read(res: Response, fmt: Fmt): Promise<any> {
  const { contentType, body } = await client.read(res, fmt);
  expect(contentType).toBe(CONTENT_TYPES[fmt]);
  return body;
}
const get = (path: string) => client.get(path);
const post = (fmt: Fmt, body: string, type?: string) => client.post(fmt, body, type);

async function create(fmt: Fmt, fields: Record<string, string>): Promise<string> {
  const res = await post(fmt, form(fields));
  const body = await read(res, fmt);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body[0].service_request_id;
}

async function one(fmt: Fmt, id: string) {
  const res = await get(`requests/${id}.${fmt}`);
  expect(res.status).toBe(200);
  const body = await read(res, fmt);
  expect(body).toHaveLength(1);
  return body[0];
}

const actor = (id: string) => resolveActor(t.db, { platform: 'lark', userId: id });
async function as(id: string, chatId: string, unit: string, command: Record<string, unknown>) {
  clock.advance(10 * 60_000);
  const outcome = await execute(
    ctx,
    { actor: await actor(id), origin: { platform: 'lark', chatId }, chatUnit: unit },
    command,
  );
  expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: true });
}
const street = (command: Record<string, unknown>) =>
  as('ou_sample_liang', 'oc_sample_jinhualu', 'jinhualu', command);
const cgw = (command: Record<string, unknown>) => as('ou_sample_cgw1', 'oc_sample_cgw', 'cgw', command);
const callCount = () => rowCount(t.db, 'calls');

describe('Open311 GeoReport v2: services', () => {
  it.each(FORMATS)('discovery.%s names the endpoint and both formats', async (fmt) => {
    const body = await read(await get(`discovery.${fmt}`), fmt);
    expect(body.endpoints).toEqual([
      expect.objectContaining({
        specification: 'http://wiki.open311.org/GeoReport_v2',
        url: `${PUBLIC}/open311/v2`,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      }),
    ]);
    expect(body.changeset).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(body.contact).toContain('呼应办');
  });

  it('lists the catalog as services, the same in XML and JSON', async () => {
    const json = await read(await get('services.json'), 'json');
    const xml = await read(await get('services.xml'), 'xml');
    expect(xml).toEqual(asXmlText(json));
    expect(json).toHaveLength(t.district.catalog.length);
    expect(json.find((s: any) => s.service_code === 'street_light')).toEqual({
      service_code: 'street_light',
      service_name: '路灯故障',
      description: expect.stringContaining('区城管委牵头'),
      metadata: true,
      type: 'realtime',
      keywords: '路灯,灯不亮,灯坏,照明',
      group: 'general',
    });
  });

  it.each(FORMATS)('services/street_light.%s defines street, community and emergency', async (fmt) => {
    const def = await read(await get(`services/street_light.${fmt}`), fmt);
    expect(def.service_code).toBe('street_light');
    expect(def.attributes.map((a: any) => [a.code, a.datatype, String(a.required), String(a.order)])).toEqual(
      [
        ['street', 'singlevaluelist', 'true', '1'],
        ['community', 'singlevaluelist', 'false', '2'],
        ['emergency', 'singlevaluelist', 'false', '3'],
      ],
    );
    expect(def.attributes[0].values).toContainEqual({ key: 'jinhualu', name: '锦华路街道' });
    expect(def.attributes[1].values).toContainEqual({ key: 'chenhui', name: '锦华路街道 晨辉社区' });
    expect(def.attributes[2].values.map((v: any) => v.key)).toEqual(['true', 'false']);
  });
});

describe('Open311 GeoReport v2: a request through the lifecycle', () => {
  it('creates a call that enters triage in the street chat, and follows it to closed', async () => {
    const id = await create('xml', lightReport());
    expect(id).toMatch(/^JJ-20261123-\d{4}$/);
    const call = await t.db.selectFrom('calls').selectAll().where('no', '=', id).executeTakeFirstOrThrow();
    expect(call).toMatchObject({
      source: 'open311:dlw',
      state: 'reported',
      category_code: 'street_light',
      street_code: 'jinhualu',
      community_code: 'chenhui',
      location: '晨辉路12号',
      latitude: 30.6521,
      longitude: 104.0912,
      reporter_name: 'dlw（Open311）',
      reporter_contact: '王小明 13812345678',
      images: ['https://img.example.com/light.jpg'],
    });
    const triage = await t.db
      .selectFrom('outbox')
      .select('payload')
      .where('chat_id', '=', 'oc_sample_jinhualu')
      .where('call_id', '=', call.id)
      .execute();
    expect(triage.map((r: any) => r.payload.message.kind)).toContain('triage');

    const opened = await one('json', id);
    expect(opened).toMatchObject({
      service_request_id: id,
      status: 'open',
      status_notes: null,
      service_name: '路灯故障',
      service_code: 'street_light',
      description: '晨辉路12号路灯不亮，晚上很黑',
      agency_responsible: null,
      requested_datetime: '2026-11-23T10:00:00+08:00',
      updated_datetime: '2026-11-23T10:00:00+08:00',
      address: '晨辉路12号',
      lat: 30.6521,
      long: 104.0912,
      media_url: 'https://img.example.com/light.jpg',
    });
    expect(opened.service_notice).toContain('锦华路街道研判');
    expect(toPlain(parseXml(await (await get(`requests/${id}.xml`)).text()))).toEqual(asXmlText([opened]));

    await street({ type: 'triage', ref: id });
    const called = await one('xml', id);
    expect(called).toMatchObject({ status: 'open', agency_responsible: '区城管委' });
    expect(called.expected_datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(called.updated_datetime > opened.updated_datetime).toBe(true);

    await cgw({ type: 'acknowledge', ref: id });
    const acked = await one('json', id);
    expect(acked.status_notes).toBe('区城管委已报到，正在办理');
    expect(acked.updated_datetime > called.updated_datetime).toBe(true);

    await cgw({ type: 'resolve', ref: id, text: '已更换灯泡，恢复照明' });
    const resolved = await one('xml', id);
    expect(resolved).toMatchObject({ status: 'open', status_notes: '区城管委办结：已更换灯泡，恢复照明' });

    await street({ type: 'close', ref: id });
    for (const fmt of FORMATS) {
      const closed = await one(fmt, id);
      expect(closed).toMatchObject({
        status: 'closed',
        status_notes: '区城管委办结：已更换灯泡，恢复照明',
        agency_responsible: '区城管委',
        service_notice: '已结案。',
      });
      expect(closed.updated_datetime > resolved.updated_datetime).toBe(true);
    }
  });

  it('takes a JSON body too, with attributes as an object', async () => {
    const res = await post(
      'json',
      JSON.stringify({
        api_key: TEST_API_KEY,
        service_code: 'garbage',
        address_string: '东光路3号',
        description: '垃圾桶满了没人清运',
        attribute: { street: 'donghu', community: 'dongguang', emergency: 'false' },
      }),
      'application/json',
    );
    const [created] = await read(res, 'json');
    expect(res.status).toBe(200);
    expect(created).toEqual({
      service_request_id: expect.stringMatching(/^JJ-/),
      service_notice: expect.any(String),
      account_id: null,
    });
  });
});

describe('Open311 GeoReport v2: GET requests filters', () => {
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    clock.advance(3600_000);
    ids.noise = await create('json', lightReport({ service_code: 'noise', description: '夜间施工噪音扰民' }));
    ids.road = await create(
      'xml',
      lightReport({ service_code: 'road_damage', description: '人行道破损', 'attribute[emergency]': 'true' }),
    );
    await street({ type: 'cancel', ref: ids.road, reason: '重复反映，已另案处理' });
  });

  const list = async (query: string, fmt: Fmt = 'json') => {
    const res = await get(`requests.${fmt}?${query}`);
    expect(res.status).toBe(200);
    return (await read(res, fmt)) as any[];
  };

  it('filters by service_code, status and ids (ids override the rest)', async () => {
    expect((await list('service_code=noise')).map((r) => r.service_request_id)).toEqual([ids.noise]);
    const closed = await list('status=closed');
    expect(closed.map((r) => r.service_request_id)).toContain(ids.road);
    expect(closed.every((r) => r.status === 'closed')).toBe(true);
    expect(closed.find((r) => r.service_request_id === ids.road).status_notes).toBe(
      '已撤销：重复反映，已另案处理',
    );
    expect((await list('status=open')).every((r) => r.status === 'open')).toBe(true);
    const all = await list('status=open,closed');
    expect(all.length).toBe(await callCount());
    expect(all.map((r) => r.requested_datetime)).toEqual(
      [...all.map((r) => r.requested_datetime)].sort().reverse(),
    );
    const byId = await list(
      `service_request_id=${ids.noise},${ids.road.toLowerCase()}&status=open&service_code=garbage`,
      'xml',
    );
    expect(byId.map((r) => r.service_request_id).sort()).toEqual([ids.noise, ids.road].sort());
  });

  it('takes the emergency attribute as an emergency call and windows by requested_datetime', async () => {
    const road = await t.db
      .selectFrom('calls')
      .select(['text', 'emergency', 'tier'])
      .where('no', '=', ids.road)
      .executeTakeFirstOrThrow();
    // 人行道破损 alone is a general matter: the attribute made it an emergency
    expect(road).toEqual({ text: '人行道破损', emergency: true, tier: 'emergency' });
    expect(await list('end_date=2026-11-01T00:00:00Z')).toEqual([]);
    const window = await list('start_date=2026-11-23T11:00:00%2B08:00&end_date=2026-11-23T23:00:00%2B08:00');
    expect(window.map((r) => r.service_request_id).sort()).toEqual([ids.noise, ids.road].sort());
    expect(await list('start_date=2026-11-24T00:00:00Z')).toEqual([]);
  });
});
