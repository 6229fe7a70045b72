// The service configured the way a district first runs it (Lark on, NODE_ENV left unset), tried as
// an attacker and with the inputs a crash would leave: nobody acts as someone else, no report is
// lost, no input gets a 5xx.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { loadServiceEnv } from '../../bot/adapters.ts';
import { type Server, startServer } from '../../bot/server.ts';
import { defaultDistrictPath } from '../../config/district.ts';
import { silentLogger } from '../../config/log.ts';
import type { Db } from '../../db/connect.ts';
import { larkEvent, larkIds, signedRequest } from '../fakes/lark-events.ts';
import { type FakeLark, startFakeLark } from '../fakes/lark-open-api.ts';
import { TEST_API_KEY } from '../harness/open311.ts';
import { until } from '../queues.ts';
import { type ServerStorage, serverStorage } from '../server-storage.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

const KEY = 'hardening-encrypt-key-0123456789';
const TOKEN = 'hardening-verification-token';
const ADMIN = 'hardening-admin-token-0123456789';

interface District {
  storage: ServerStorage;
  server: Server;
  base: string;
  db: Db;
}

/** A district's first run: Lark configured, an Open311 client, NODE_ENV unset. */
async function firstRun(fake: FakeLark, extra: Record<string, string> = {}): Promise<District> {
  const storage = await serverStorage();
  const file = join(storage.dir, 'district.yaml');
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8'));
  writeFileSync(file, stringify({ ...doc, open311: { clients: [{ name: 'dlw', api_key: TEST_API_KEY }] } }));
  const env = loadServiceEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ...storage.env,
    HUYING_CONFIG: file,
    ADMIN_TOKEN: ADMIN,
    LARK_APP_ID: fake.appId,
    LARK_APP_SECRET: fake.appSecret,
    LARK_DOMAIN: fake.url,
    LARK_ENCRYPT_KEY: KEY,
    LARK_VERIFICATION_TOKEN: TOKEN,
    HUYING_INBOX_SWEEP_MS: '200',
    LOG_LEVEL: 'silent',
    ...extra,
  });
  const server = await startServer(env, { log: silentLogger });
  return { storage, server, base: `http://127.0.0.1:${server.port}`, db: server.runtime.database.db };
}

async function close(d: District | undefined) {
  await d?.server.stop();
  await d?.storage.close();
}

let fake: FakeLark;
let plain: District;
let sandboxed: District;

beforeAll(async () => {
  fake = await startFakeLark();
  plain = await firstRun(fake);
  sandboxed = await firstRun(fake, { HUYING_SIM: 'on' });
});
afterAll(async () => {
  await close(plain);
  await close(sandboxed);
  await fake?.close();
});

const lark = (d: District, envelope: object) => {
  const req = signedRequest(envelope, { encryptKey: KEY, encrypt: true });
  return fetch(`${d.base}/webhooks/lark`, { method: 'POST', body: req.body, headers: req.headers });
};
const report = (text: string, o: { messageId?: string } = {}) =>
  larkEvent.message({
    chatId: 'oc_sample_chenhui',
    senderOpenId: larkIds.openId(),
    text: `@_user_1 ${text}`,
    mentions: [{ openId: fake.botOpenId, name: '呼应' }],
    messageId: o.messageId,
    token: TOKEN,
  });
const calls = (d: District) => d.db.selectFrom('calls').selectAll().orderBy('id').execute();
const asAdmin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

describe('the simulator is a sandbox', () => {
  it('is off where a real platform is configured and nobody switched it on', async () => {
    for (const [method, path] of [
      ['GET', '/sim'],
      ['GET', '/sim/api/state'],
      ['GET', '/sim/api/events'],
      ['GET', '/sim/api/chats/sim-jinhualu/messages'],
      ['POST', '/sim/api/chats/sim-jinhualu/messages'],
      ['POST', '/sim/api/actions'],
    ]) {
      const res = await fetch(`${plain.base}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? JSON.stringify({ from: 'sim-p1', text: '呼叫 0001' }) : undefined,
      });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
  });

  it('switched on beside a real platform, needs the admin login and says it is a sandbox', async () => {
    expect((await fetch(`${sandboxed.base}/sim/api/state`)).status).toBe(401);
    const page = await fetch(`${sandboxed.base}/sim`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/sim/login');
    const wrong = await fetch(`${sandboxed.base}/sim/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'not-the-token-at-all' }),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    const login = await fetch(`${sandboxed.base}/sim/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: ADMIN }),
      redirect: 'manual',
    });
    expect(login.status).toBe(302);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const html = await (
      await fetch(`${sandboxed.base}/sim`, { headers: { cookie: cookie.split(';')[0] } })
    ).text();
    expect(html).toContain('data-testid="sandbox-banner"');
    const state = (await (
      await fetch(`${sandboxed.base}/sim/api/state`, { headers: asAdmin })
    ).json()) as any;
    expect(state.sandbox).toBe(true);
    // nobody of the district file: stand-ins only
    const names = state.personas.map((p: { name: string }) => p.name);
    for (const real of ['梁益莉', '城管联络员', '城管负责人', '呼应办值班'])
      expect(names).not.toContain(real);
  });

  it('never sees or acts on a call that came from a real platform, and never writes to real chats', async () => {
    expect((await lark(sandboxed, report('晨辉路12号路灯不亮了'))).status).toBe(200);
    await until(async () => (await calls(sandboxed)).length === 1, 'the Lark report to become a call');
    const real = (await calls(sandboxed))[0];
    const state = (await (
      await fetch(`${sandboxed.base}/sim/api/state`, { headers: asAdmin })
    ).json()) as any;
    const persona = (unit: string, role: string) =>
      state.personas.find((p: { unit: string; roleCode: string }) => p.unit === unit && p.roleCode === role)
        .id;
    const say = async (chat: string, from: string, text: string): Promise<any> =>
      (
        await fetch(`${sandboxed.base}/sim/api/chats/${chat}/messages`, {
          method: 'POST',
          headers: asAdmin,
          body: JSON.stringify({ from, text }),
        })
      ).json();
    const short = real.no.slice(-4);
    const call = await say('sim-jinhualu', persona('jinhualu', 'street_staff'), `呼叫 ${real.no}`);
    expect(call.result).toMatchObject({ status: 'refused', toast: `没有找到呼叫单 ${real.no}` });
    const extend = await say(
      'sim-office',
      persona('office', 'office_staff'),
      `延期 ${short} cgw 9999-12-31 演练`,
    );
    expect(extend.result.status).toBe('refused');
    // the real call is as it was; the real report is nowhere in the simulator
    expect((await calls(sandboxed))[0]).toMatchObject({ state: real.state, version: real.version });
    for (const chat of ['sim-chenhui', 'sim-jinhualu', 'sim-office']) {
      const seen = await (
        await fetch(`${sandboxed.base}/sim/api/chats/${chat}/messages`, { headers: asAdmin })
      ).text();
      expect(seen).not.toContain('晨辉路12号路灯不亮了');
    }
    // a sandbox report is a sandbox call: not in the district's database, nothing to Lark
    const outboxBefore = await sandboxed.db.selectFrom('outbox').select('id').execute();
    const said = await say('sim-chenhui', persona('chenhui', 'resident'), '@呼应 晨辉路20号井盖没了');
    expect(said.result.status).toBe('handled');
    expect(await calls(sandboxed)).toHaveLength(1);
    expect(await sandboxed.db.selectFrom('outbox').select('id').execute()).toHaveLength(outboxBefore.length);
  });
});

describe('no report is lost to the characters it carries', () => {
  it('keeps a Lark report carrying NUL or a lone surrogate, cleaned', async () => {
    const before = (await calls(plain)).length;
    for (const text of ['晨辉路8号路灯\u0000不亮', '晨辉路9号路灯\ud800不亮'])
      expect((await lark(plain, report(text))).status).toBe(200);
    await until(async () => (await calls(plain)).length === before + 2, 'both reports to become calls');
    // answered first and worked on after, side by side: either may become a call first
    const texts = (await calls(plain)).slice(-2).map((c) => c.text);
    expect(texts.sort()).toEqual(['晨辉路8号路灯不亮', '晨辉路9号路灯不亮']);
  });

  it('keeps an Open311 request carrying NUL (form) or a lone surrogate (JSON)', async () => {
    const form = await fetch(`${plain.base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `api_key=${TEST_API_KEY}&service_code=street_light&address_string=%E6%99%A8%E8%BE%89%E8%B7%AF&attribute%5Bstreet%5D=jinhualu&description=%E8%B7%AF%E7%81%AF%00%E4%B8%8D%E4%BA%AE`,
    });
    expect(form.status).toBe(200);
    const json = await fetch(`${plain.base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"api_key":"${TEST_API_KEY}","service_code":"street_light","address_string":"晨辉路","attribute":{"street":"jinhualu"},"description":"路灯\\ud800不亮"}`,
    });
    expect(json.status).toBe(200);
    expect((await calls(plain)).slice(-2).map((c) => c.text)).toEqual(['路灯不亮', '路灯不亮']);
  });
});

describe('bodies are capped before they are read', () => {
  const big = (bytes: number) => 'a'.repeat(bytes);
  it('answers 413 to a body over its route’s cap, declared or streamed', async () => {
    const declared = await fetch(`${plain.base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `description=${big(2 * 1024 * 1024)}`,
    });
    expect(declared.status).toBe(413);
    const streamed = await fetch(`${plain.base}/api/calls/spot-check`, {
      method: 'POST',
      headers: asAdmin,
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(big(200 * 1024)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await fetch(`${plain.base}/healthz`)).status).toBe(200);
  });
});

describe('well-formed but wrong input is a 400, never a 5xx', () => {
  it('refuses Lark events with fields of the wrong shape', async () => {
    const nullMention = report('路灯不亮') as any;
    nullMention.event.message.mentions = [null];
    const r1 = await lark(plain, nullMention);
    expect(r1.status).toBe(400);
    expect(await r1.json()).toMatchObject({
      error: 'malformed_event',
      reason: expect.stringMatching(/mentions/),
    });
    const objectInForm = larkEvent.cardAction({
      operatorOpenId: 'ou_sample_liang',
      messageId: larkIds.messageId(),
      chatId: 'oc_sample_jinhualu',
      value: { cmd: '呼叫 0001' },
      formValue: { tier: { nested: true } } as never,
      token: TOKEN,
    });
    const r2 = await lark(plain, objectInForm);
    expect(r2.status).toBe(400);
  });

  it('refuses months outside the mechanism’s years', async () => {
    for (const month of ['9999-12', '0000-01', '2026-13']) {
      const res = await fetch(`${plain.base}/api/reports/monthly?month=${month}`, { headers: asAdmin });
      expect(res.status, month).toBe(400);
    }
  });
});

describe('the simulator alone: bad ids and characters', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSimServer();
  });
  afterAll(async () => sim?.close());

  it('answers ids past bigint and unknown pictures with 4xx, and keeps text carrying NUL', async () => {
    const act = await sim.api('POST', '/sim/api/actions', {
      from: 'sim-p1',
      message: '9223372036854775808',
      action: 0,
    });
    expect(act.status).toBe(404);
    const after = await sim.api('GET', '/sim/api/chats/sim-jinhualu/messages?after=99999999999999999999999');
    expect(after.status).toBe(400);
    const chart = await fetch(`${sim.url}/sim/api/images/${encodeURIComponent('chart:bulletin:9999-12')}`);
    expect(chart.status).toBe(404);
    const state = await sim.api('GET', '/sim/api/state');
    const resident = state.body.personas.find((p: { roleCode: string }) => p.roleCode === 'resident');
    const said = await sim.api('POST', `/sim/api/chats/${resident.chats[0]}/messages`, {
      from: resident.id,
      text: '@呼应 晨辉路10号路灯\u0000不亮\ud800',
    });
    expect(said.status).toBe(200);
    expect(said.body.result.status).toBe('handled');
  });
});
