// The APIs as the real server mounts them (bot/wiring.ts): Open311 when the district file
// names a client, the office's read API and the printable sheet behind ADMIN_TOKEN.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { loadServiceEnv } from '../../bot/adapters.ts';
import { type Server, startServer } from '../../bot/server.ts';
import { defaultDistrictPath } from '../../config/district.ts';
import { silentLogger } from '../../config/log.ts';
import { freshDb, type TestDb } from '../db.ts';
import { TEST_API_KEY } from '../harness/open311.ts';
import { redisEnv } from '../queues.ts';

const TOKEN = 'server-admin-token-0123456789';
let t: TestDb;
let server: Server;
let dir: string;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'huying-open311-'));
  const file = join(dir, 'district.yaml');
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8'));
  writeFileSync(file, stringify({ ...doc, open311: { clients: [{ name: 'dlw', api_key: TEST_API_KEY }] } }));
  t = await freshDb();
  const env = loadServiceEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: t.url,
    ...redisEnv(),
    HUYING_CONFIG: file,
    HUYING_SIM: 'off',
    HUYING_PUBLIC_URL: 'https://huying.example.gov.cn',
    ADMIN_TOKEN: TOKEN,
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
  });
  server = await startServer(env, { role: 'web', log: silentLogger });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.stop();
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the APIs on the running server', () => {
  it('serves Open311, the read API and the sheet', async () => {
    const discovery = await fetch(`${base}/open311/v2/discovery.xml`);
    expect(discovery.status).toBe(200);
    expect(await discovery.text()).toContain('<url>https://huying.example.gov.cn/open311/v2</url>');

    const created = await fetch(`${base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: TEST_API_KEY,
        service_code: 'street_light',
        address_string: '晨辉路12号',
        description: '路灯不亮',
        'attribute[street]': 'jinhualu',
      }),
    });
    expect(created.status).toBe(200);
    const [{ service_request_id: no }] = (await created.json()) as { service_request_id: string }[];
    expect((await fetch(`${base}/open311/v2/requests/${no}.xml`)).status).toBe(200);
    expect((await fetch(`${base}/open311/v2/nothing.xml`)).status).toBe(404);

    expect((await fetch(`${base}/api/calls`)).status).toBe(401);
    const list = await fetch(`${base}/api/calls`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(((await list.json()) as { items: { no: string }[] }).items.map((i) => i.no)).toEqual([no]);
    const detail = await fetch(`${base}/api/calls/${no}?token=${TOKEN}`);
    expect(((await detail.json()) as { call: { source: string } }).call.source).toBe('open311:dlw');

    const sheet = await fetch(`${base}/calls/${no}/sheet?token=${TOKEN}`);
    expect(sheet.status).toBe(200);
    expect(await sheet.text()).toContain('锦江区“街道呼·部门应”呼叫单');
    expect((await fetch(`${base}/calls/${no}/sheet`)).status).toBe(401);
  });
});
