// Open311 GeoReport v2 error documents, in XML and JSON, with the right HTTP status: unknown
// service, missing location, bad api_key, malformed bodies, bad dates, too wide a window,
// unknown request id. None creates a call; none is a 500.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN311_PATH, open311Routes } from '../../bot/open311/index.ts';
import { ManualClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import { freshDb, rowCount, type TestDb } from '../db.ts';
import {
  CONTENT_TYPES,
  districtWith,
  type Fmt,
  FORMATS,
  form,
  lightReport,
  open311Client,
} from '../harness/open311.ts';
import { MONDAY_10 } from '../world.ts';

let t: TestDb;
let client: ReturnType<typeof open311Client>;

beforeAll(async () => {
  t = await freshDb({ district: districtWith() });
  const ctx = { db: t.db, district: t.district, clock: new ManualClock(MONDAY_10), log: silentLogger };
  const app = new Hono();
  app.route(OPEN311_PATH, open311Routes(ctx));
  client = open311Client(app);
});
afterAll(async () => t?.close());

const get = (path: string) => client.get(path);
const post = (fmt: Fmt, body: string, type?: string) => client.post(fmt, body, type);
const callCount = () => rowCount(t.db, 'calls');

describe('Open311 GeoReport v2: error documents', () => {
  const errorCase = (name: string, status: number, request: (fmt: Fmt) => Response | Promise<Response>) => {
    for (const fmt of FORMATS)
      it(`${name} (${fmt}) → ${status}`, async () => expectError(await request(fmt), fmt, status));
  };

  async function expectError(res: Response, fmt: Fmt, status: number) {
    expect(res.status).toBe(status);
    const text = await res.clone().text();
    if (fmt === 'xml') {
      expect(text).toMatch(
        new RegExp(
          `^<\\?xml version="1\\.0" encoding="utf-8"\\?><errors><error><code>${status}</code><description>[^<]+</description></error></errors>$`,
        ),
      );
    } else {
      const body = JSON.parse(text);
      expect(body).toEqual([{ code: status, description: expect.any(String) }]);
      expect(body[0].description.length).toBeGreaterThan(5);
    }
    expect(res.headers.get('content-type')).toBe(CONTENT_TYPES[fmt]);
  }

  let before = 0;
  beforeAll(async () => {
    before = await callCount();
  });
  afterAll(async () => {
    expect(await callCount(), 'no refused request created a call').toBe(before);
  });

  errorCase('an unknown service definition', 404, (fmt) => get(`services/no_such.${fmt}`));
  errorCase('a request for an unknown service', 404, (fmt) =>
    post(fmt, form(lightReport({ service_code: 'no_such' }))),
  );
  errorCase('a request without service_code', 400, (fmt) =>
    post(fmt, form(lightReport({ service_code: '' }))),
  );
  errorCase('a request without a location', 400, (fmt) =>
    post(fmt, form(lightReport({ address_string: '', lat: '', long: '' }))),
  );
  errorCase('lat without long', 400, (fmt) => post(fmt, form(lightReport({ address_string: '', long: '' }))));
  errorCase('lat out of range', 400, (fmt) => post(fmt, form(lightReport({ lat: '91' }))));
  errorCase('a request without the street attribute', 400, (fmt) =>
    post(fmt, form(lightReport({ 'attribute[street]': '' }))),
  );
  errorCase('a community outside the street', 400, (fmt) =>
    post(fmt, form(lightReport({ 'attribute[community]': 'dongguang' }))),
  );
  errorCase('a bad api_key', 403, (fmt) =>
    post(fmt, form(lightReport({ api_key: 'not-the-key-0123456789' }))),
  );
  errorCase('no api_key', 403, (fmt) => {
    const { api_key: _k, ...rest } = lightReport();
    return post(fmt, form(rest));
  });
  errorCase('a malformed JSON body', 400, (fmt) => post(fmt, '{"api_key": "x", ', 'application/json'));
  errorCase('a JSON body that is not an object', 400, (fmt) => post(fmt, '["a"]', 'application/json'));
  errorCase('an XML body', 400, (fmt) =>
    post(fmt, '<service_request><service_code>x</service_code>', 'text/xml'),
  );
  errorCase('a form body with broken percent-encoding', 400, (fmt) =>
    post(fmt, `${form(lightReport())}&x=%E4%B8`),
  );
  errorCase('a start_date without a time zone', 400, (fmt) =>
    get(`requests.${fmt}?start_date=2026-11-01T00:00:00`),
  );
  errorCase('a start_date that is no date', 400, (fmt) =>
    get(`requests.${fmt}?start_date=2026-02-30T00:00:00Z`),
  );
  errorCase('a start_date that is a word', 400, (fmt) => get(`requests.${fmt}?start_date=yesterday`));
  errorCase('an end_date before the start_date', 400, (fmt) =>
    get(`requests.${fmt}?start_date=2026-11-10T00:00:00Z&end_date=2026-11-01T00:00:00Z`),
  );
  errorCase('a window over 90 days', 400, (fmt) =>
    get(`requests.${fmt}?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-11-01T00:00:00%2B08:00`),
  );
  errorCase('a bad status', 400, (fmt) => get(`requests.${fmt}?status=pending`));
  errorCase('an unknown request id', 404, (fmt) => get(`requests/JJ-20990101-0001.${fmt}`));
  errorCase('a request id that is no call number', 404, (fmt) => get(`requests/not-a-call.${fmt}`));
  errorCase('an unknown resource', 404, (fmt) => get(`tokens/123.${fmt}`));

  it('answers an unsupported format in XML', async () => {
    await expectError(await get('services.html'), 'xml', 400);
  });
});
