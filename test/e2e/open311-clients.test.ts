// Open311 as real clients use it, on the running server: FixMyStreet's requests (address_id
// alone, its parameters exactly), its servicerequestupdates poll, browser apps on configured
// origins (CORS, in a real browser too), and a chat report, which has no coordinates.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { loadServiceEnv } from '../../bot/adapters.ts';
import { type Server, startServer } from '../../bot/server.ts';
import { systemClock } from '../../config/clock.ts';
import { defaultDistrictPath, loadDistrict, parseDistrict } from '../../config/district.ts';
import { silentLogger } from '../../config/log.ts';
import type { Ctx } from '../../handlers/context.ts';
import { execute } from '../../handlers/execute.ts';
import { resolveActor } from '../../handlers/people.ts';
import { browserTitle, launchChromium, skipBrowser } from '../browser.ts';
import { freshDb, type TestDb } from '../db.ts';
import { asXmlText, parseXml, TEST_API_KEY, toPlain } from '../harness/open311.ts';
import { redisEnv } from '../queues.ts';
import { sayOnLark } from '../world.ts';

const FMS_KEY = 'fixmystreet-key-0123456789';
const APP_ORIGIN = 'https://app.example.gov.cn';
let t: TestDb;
let ctx: Ctx;
let server: Server;
let dir: string;
let base: string;
/** a page of a browser app on an allowed origin, and one on another origin */
let allowedPage: ReturnType<typeof serve>;
let otherPage: ReturnType<typeof serve>;
let allowedOrigin: string;
let otherOrigin: string;

async function staticPage(): Promise<{ server: ReturnType<typeof serve>; origin: string }> {
  const app = new Hono().get('/', (c) => c.html('<!doctype html><title>app</title>'));
  const s = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const srv = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(srv));
    srv.once('error', reject);
  });
  return { server: s, origin: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  ({ server: allowedPage, origin: allowedOrigin } = await staticPage());
  ({ server: otherPage, origin: otherOrigin } = await staticPage());
  dir = mkdtempSync(join(tmpdir(), 'huying-open311-clients-'));
  const file = join(dir, 'district.yaml');
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8'));
  writeFileSync(
    file,
    stringify({
      ...doc,
      open311: {
        clients: [
          { name: 'dlw', api_key: TEST_API_KEY },
          { name: 'fms', api_key: FMS_KEY },
        ],
        cors_origins: [APP_ORIGIN, allowedOrigin],
      },
    }),
  );
  t = await freshDb({ district: loadDistrict(file) });
  ctx = { db: t.db, district: t.district, clock: systemClock, log: silentLogger };
  const env = loadServiceEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: t.url,
    ...redisEnv(),
    HUYING_CONFIG: file,
    HUYING_SIM: 'off',
    HUYING_PUBLIC_URL: 'https://huying.example.gov.cn',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
  });
  server = await startServer(env, { role: 'web', log: silentLogger });
  base = `http://127.0.0.1:${server.port}/open311/v2`;
});
afterAll(async () => {
  await server?.stop();
  await t?.close();
  for (const s of [allowedPage, otherPage]) await new Promise((r) => (s ? s.close(r) : r(null)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A POST exactly as FixMyStreet's Open311 client sends one (form-encoded, its field names). */
const postForm = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(`${base}/requests.xml`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });

const fixMyStreetReport = (location: Record<string, string>) => ({
  jurisdiction_id: 'jinjiang',
  api_key: FMS_KEY,
  service_code: 'street_light',
  description:
    '路灯不亮\n\n小区门口那盏灯坏了好几天，晚上很黑，电话13812345678\n\nhttps://fms.example.org/report/42\n',
  first_name: '小明',
  last_name: '王',
  email: 'wang@example.org',
  phone: '13812345678',
  'attribute[street]': 'jinhualu',
  'attribute[community]': 'chenhui',
  ...location,
});

/** What FixMyStreet reads from a POST's answer: request[0].service_request_id. */
async function requestId(res: Response): Promise<string> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const doc = parseXml(text);
  expect(doc.name).toBe('service_requests');
  const [request] = toPlain(doc) as { service_request_id: string }[];
  return request.service_request_id;
}

const xml = async (res: Response) => toPlain(parseXml(await res.text())) as any;
const callOf = (no: string) =>
  t.db.selectFrom('calls').selectAll().where('no', '=', no).executeTakeFirstOrThrow();

async function as(userId: string, chatId: string, unit: string, command: Record<string, unknown>) {
  const out = await execute(
    ctx,
    {
      actor: await resolveActor(t.db, { platform: 'lark', userId }),
      origin: { platform: 'lark', chatId },
      chatUnit: unit,
    },
    command,
  );
  expect(out, JSON.stringify(out)).toMatchObject({ ok: true });
}
const street = (c: Record<string, unknown>) => as('ou_sample_liang', 'oc_sample_jinhualu', 'jinhualu', c);
const cgw = (c: Record<string, unknown>) => as('ou_sample_cgw1', 'oc_sample_cgw', 'cgw', c);

/** W3C datetimes in UTC, as FixMyStreet formats its window */
const w3utc = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

let fmsNo: string;
let started: Date;

describe('FixMyStreet creating requests', () => {
  it('accepts address_id alone, also its "#NOTPINPOINTED#", and answers as FixMyStreet reads it', async () => {
    started = new Date(Date.now() - 1000);
    fmsNo = await requestId(await postForm(fixMyStreetReport({ address_id: '#NOTPINPOINTED#' })));
    expect(fmsNo).toMatch(/^JJ-\d{8}-\d{4}$/);
    expect(await callOf(fmsNo)).toMatchObject({
      source: 'open311:fms',
      location: '小区门口', // not placed: the place is read from the description, as in a chat

      latitude: null,
      longitude: null,
      street_code: 'jinhualu',
      community_code: 'chenhui',
      reporter_contact: '王小明 13812345678',
    });
    const coded = await requestId(await postForm(fixMyStreetReport({ address_id: 'JJ-510104-0012' })));
    expect((await callOf(coded)).location).toBe('地址编码 JJ-510104-0012');
    const [request] = await xml(await fetch(`${base}/requests/${coded}.xml`));
    expect(request).toMatchObject({
      address: '锦华路街道晨辉社区 地址编码 JJ-510104-0012',
      lat: '',
      long: '',
    });
    expect(request.service_notice).toContain('（没有坐标：位置以地址文字为准）');
  });

  it('still wants some location, and says which ones count', async () => {
    const res = await postForm(fixMyStreetReport({}));
    expect(res.status).toBe(400);
    expect((await xml(res))[0].description).toContain('address_string, address_id, or lat and long');
  });
});

describe('servicerequestupdates, as FixMyStreet polls it', () => {
  it('lists the status changes of the client’s own requests in the window, oldest first', async () => {
    const other = await requestId(
      await postForm({
        api_key: TEST_API_KEY,
        service_code: 'street_light',
        address_string: '晨辉路1号',
        'attribute[street]': 'jinhualu',
      }),
    );
    await street({ type: 'triage', ref: fmsNo, call: true, tier: 'general', lead: 'cgw' });
    await street({ type: 'triage', ref: other, call: true, tier: 'general', lead: 'cgw' });
    await cgw({ type: 'acknowledge', ref: fmsNo });
    await cgw({ type: 'progress', ref: fmsNo, text: '已派人查看，联系电话13900001111' });
    await cgw({ type: 'resolve', ref: fmsNo, text: '已更换灯泡，恢复照明' });
    await street({ type: 'close', ref: fmsNo });

    const window = `start_date=${w3utc(started)}&end_date=${w3utc(new Date(Date.now() + 60_000))}`;
    const res = await fetch(
      `${base}/servicerequestupdates.xml?jurisdiction_id=jinjiang&api_key=${FMS_KEY}&${window}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const text = await res.text();
    expect(text).toMatch(
      /^<\?xml version="1\.0" encoding="utf-8"\?><service_request_updates><request_update>/,
    );
    const updates = toPlain(parseXml(text)) as Record<string, string>[];
    const mine = updates.filter((u) => u.service_request_id === fmsNo);
    expect(mine.map((u) => [u.status, u.description])).toEqual([
      ['open', '已受理，由锦华路街道研判后分级呼叫承办部门。'],
      ['open', '已呼叫区城管委办理。'],
      ['open', '区城管委已报到，正在办理'],
      ['open', '区城管委进展：已派人查看，联系电话139****1111'],
      ['open', '区城管委办结：已更换灯泡，恢复照明'],
      ['closed', '锦华路街道已确认办理结果，已结案。'],
    ]);
    // only this client's requests; update ids unique; times inside the window, in order
    expect(new Set(updates.map((u) => u.service_request_id)).size).toBe(2); // the other FMS request too
    expect(updates.map((u) => u.service_request_id)).not.toContain(other);
    expect(new Set(updates.map((u) => u.update_id)).size).toBe(updates.length);
    for (const u of updates) {
      expect(u.update_id).toMatch(/^\d+$/);
      expect(Object.keys(u)).toEqual([
        'update_id',
        'service_request_id',
        'status',
        'updated_datetime',
        'description',
        'media_url',
      ]);
      const at = new Date(u.updated_datetime).getTime();
      expect(u.updated_datetime).toMatch(/\+08:00$/);
      expect(at).toBeGreaterThanOrEqual(started.getTime() - 1000);
    }
    const times = updates.map((u) => new Date(u.updated_datetime).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));

    const json = await fetch(`${base}/servicerequestupdates.json?api_key=${FMS_KEY}&${window}`);
    expect(json.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(asXmlText(await json.json())).toEqual(updates);

    // the other client sees its own request and nothing of FixMyStreet's
    const theirs = await xml(
      await fetch(`${base}/servicerequestupdates.xml?api_key=${TEST_API_KEY}&${window}`),
    );
    expect(new Set(theirs.map((u: any) => u.service_request_id))).toEqual(new Set([other]));
  });

  it('wants the client’s api_key, a window of at most 90 days, and takes no updates in', async () => {
    const anonymous = await fetch(`${base}/servicerequestupdates.xml`);
    expect(anonymous.status).toBe(403);
    expect((await xml(anonymous))[0].description).toContain("can't proceed with servicerequestupdates");
    expect((await fetch(`${base}/servicerequestupdates.json?api_key=nope`)).status).toBe(403);
    const wide = await fetch(
      `${base}/servicerequestupdates.xml?api_key=${FMS_KEY}&start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z`,
    );
    expect(wide.status).toBe(400);
    expect((await xml(wide))[0].description).toContain('90 days');
    const posted = await fetch(`${base}/servicerequestupdates.xml`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key: FMS_KEY, service_request_id: fmsNo, description: '居民补充' }),
    });
    expect(posted.status).toBe(400);
    expect((await xml(posted))[0].description).toContain('updates are not accepted from clients');
  });
});

describe('a request reported in a chat', () => {
  it('has no coordinates, and says so: the address in words and a note', async () => {
    const out = await sayOnLark(ctx, 'ou_resident_li', 'oc_sample_chenhui', '@呼应 晨辉路12号路灯不亮');
    const no = (out as { callNo: string }).callNo;
    for (const fmt of ['json', 'xml'] as const) {
      const res = await fetch(`${base}/requests/${no}.${fmt}`);
      const [request] = fmt === 'json' ? ((await res.json()) as any[]) : await xml(res);
      expect(request).toMatchObject({
        address: '锦华路街道晨辉社区 晨辉路12号',
        lat: fmt === 'json' ? null : '',
        long: fmt === 'json' ? null : '',
        address_id: fmt === 'json' ? null : '',
      });
      expect(request.service_notice).toBe(
        '已受理，由锦华路街道研判后分级呼叫承办部门。（群聊反映，没有坐标：位置以地址文字为准）',
      );
    }
    // a request with coordinates keeps its plain address and notice
    const placed = await requestId(
      await postForm({
        api_key: TEST_API_KEY,
        service_code: 'street_light',
        address_string: '晨辉路12号',
        lat: '30.6521',
        long: '104.0912',
        'attribute[street]': 'jinhualu',
      }),
    );
    const [request] = await xml(await fetch(`${base}/requests/${placed}.xml`));
    expect(request).toMatchObject({ address: '晨辉路12号', lat: '30.6521' });
    expect(request.service_notice).not.toContain('没有坐标');
  });
});

describe('CORS for browser apps on the configured origins', () => {
  it('takes origins only, checked at start', () => {
    const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8')) as Record<string, unknown>;
    const withOrigins = (cors_origins: string[]) =>
      parseDistrict({ ...doc, open311: { clients: [], cors_origins } });
    expect(
      withOrigins(['https://app.example.gov.cn', 'http://10.1.2.3:8080']).open311.cors_origins,
    ).toHaveLength(2);
    for (const bad of [
      'https://app.example.gov.cn/',
      'app.example.gov.cn',
      '*',
      'ftp://x.cn',
      'https://a.cn/path',
    ])
      expect(() => withOrigins([bad]), bad).toThrow(
        expect.objectContaining({
          problems: [expect.stringMatching(/^open311\.cors_origins\[0\]: must be an origin/)],
        }),
      );
  });

  it('answers a preflight from a configured origin, and marks its answers', async () => {
    const pre = await fetch(`${base}/requests.json`, {
      method: 'OPTIONS',
      headers: {
        Origin: APP_ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
    expect(pre.headers.get('access-control-allow-headers')).toBe('Content-Type');
    expect(pre.headers.get('access-control-max-age')).toBe('600');
    expect(pre.headers.get('vary')).toContain('Origin');
    const got = await fetch(`${base}/services.json`, { headers: { Origin: APP_ORIGIN } });
    expect(got.status).toBe(200);
    expect(got.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(got.headers.get('vary')).toContain('Origin');
  });

  it('gives another origin, or none, no CORS header at all', async () => {
    const evil = 'https://evil.example.com';
    const pre = await fetch(`${base}/requests.json`, {
      method: 'OPTIONS',
      headers: { Origin: evil, 'Access-Control-Request-Method': 'POST' },
    });
    const got = await fetch(`${base}/services.json`, { headers: { Origin: evil } });
    const none = await fetch(`${base}/services.json`);
    expect(got.status).toBe(200);
    for (const res of [pre, got, none])
      expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    expect(got.headers.get('vary')).toContain('Origin');
  });

  it.skipIf(skipBrowser)(
    browserTitle('lets a page on a configured origin post a request from the browser, and no other page'),
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const post = `fetch(${JSON.stringify(`${base}/requests.json`)}, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ api_key: ${JSON.stringify(TEST_API_KEY)}, service_code: 'street_light',
              address_string: '晨辉路9号', 'attribute[street]': 'jinhualu', description: '浏览器里报的路灯' }),
          }).then((r) => r.json()).then((b) => b[0].service_request_id, (e) => 'blocked: ' + e.message)`;
        await page.goto(allowedOrigin);
        const no = String(await page.evaluate(post));
        expect(no).toMatch(/^JJ-\d{8}-\d{4}$/);
        expect((await callOf(no)).text).toBe('浏览器里报的路灯');
        await page.goto(otherOrigin);
        const before = await t.db.selectFrom('calls').select('id').execute();
        expect(String(await page.evaluate(post))).toMatch(/^blocked: /);
        // the preflight was refused, so the POST itself never went out
        expect(await t.db.selectFrom('calls').select('id').execute()).toHaveLength(before.length);
      } finally {
        await browser.close();
      }
    },
  );
});
