// Log lines an operator can follow: every line about a request carries its request id (also the
// work Lark's events get after their answer), and a command's lines carry the call number.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../config/clock.ts';
import { createLogger, type Logger, resolveLogFormat } from '../config/log.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { larkEvent, signedRequest } from '../test/fakes/lark-events.ts';
import { redisEnv } from '../test/queues.ts';
import { loadServiceEnv } from './adapters.ts';
import { createApp } from './app.ts';
import { createLarkEvents } from './lark/events.ts';
import { larkWebhook } from './lark/webhook.ts';
import { createRouter } from './router.ts';
import { type Server, startServer } from './server.ts';

type Line = Record<string, any>;

/** A real pino logger whose JSON lines are kept for the test to read. */
function capturingLogger(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const log = createLogger('debug', {
    destination: { write: (s: string) => void lines.push(JSON.parse(s)) },
  });
  return { log, lines };
}
const CALL_NO = /^JJ-\d{8}-\d{4}$/;

describe('log lines of a request on the running service (simulator)', () => {
  const { log, lines } = capturingLogger();
  let server: Server;
  let base: string;
  let t: TestDb | undefined;
  let dir: string | undefined;

  beforeAll(async () => {
    const where: Record<string, string> = {};
    if (process.env.DATABASE_URL) {
      t = await freshDb();
      Object.assign(where, { DATABASE_URL: t.url }, redisEnv());
    } else {
      dir = mkdtempSync(join(tmpdir(), 'huying-logs-'));
      where.HUYING_DATA_DIR = dir;
    }
    const env = loadServiceEnv({
      PORT: '0',
      HOST: '127.0.0.1',
      HUYING_SIM: 'on',
      NODE_ENV: 'test',
      ...where,
    });
    server = await startServer(env, { log });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.stop();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const say = async (requestId: string, chat: string, from: string, text: string) => {
    const res = await fetch(`${base}/sim/api/chats/${chat}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ from, text }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    return (await res.json()) as any;
  };
  const linesOf = (requestId: string) => lines.filter((l) => l.requestId === requestId);

  it("carries the request id on the request's lines and the call number on the call's", async () => {
    const state = (await (await fetch(`${base}/sim/api/state`)).json()) as any;
    const resident = state.personas.find((p: any) => p.roleCode === 'resident');
    const community = resident.chats[0];
    const unit = state.chats.find((c: any) => c.id === community).unit;
    const streetUnit = server.runtime.district.units.get(unit)!.parent;
    const street = state.personas.find((p: any) => p.roleCode === 'street_staff' && p.unit === streetUnit);
    const streetChat = street.chats[0];

    await say('req-report-1', community, resident.id, '@呼应 晨辉路12号路灯不亮了');
    const report = linesOf('req-report-1');
    const created = report.find((l) => l.msg === 'call changed');
    expect(created, JSON.stringify(report)).toMatchObject({ level: 30, events: ['reported'] });
    expect(created!.callNo).toMatch(CALL_NO);
    expect(created!.actorRole).toBe('resident');
    expect(created!).not.toHaveProperty('name'); // people's names stay out of the logs
    expect(report.find((l) => l.msg === 'request')).toMatchObject({
      method: 'POST',
      path: `/sim/api/chats/${community}/messages`,
      status: 200,
    });
    const callNo: string = created!.callNo;

    // A refused command: the refusal's line is the request's.
    await say('req-refused-2', community, resident.id, `结案 ${callNo}`);
    expect(linesOf('req-refused-2').find((l) => l.msg === 'command refused')).toMatchObject({
      command: 'close',
      code: expect.any(String),
    });

    // The street calls the department: the command's line carries both the request and the call.
    await say('req-call-3', streetChat, street.id, `呼叫 ${callNo}`);
    const called = linesOf('req-call-3').find((l) => l.msg === 'call changed');
    expect(called, JSON.stringify(linesOf('req-call-3'))).toMatchObject({
      callNo,
      actorRole: 'street_staff',
      actorId: street.personId,
    });
    expect(called!.events).toContain('called');
    // No line carries another request's id or another call's number.
    for (const l of linesOf('req-call-3')) if ('callNo' in l) expect(l.callNo).toBe(callNo);
  });
});

describe('log lines of a Lark delivery, also for the work after the answer', () => {
  const ENCRYPT_KEY = 'kB7qM2xV9pL4sT1wQz8r';
  const { log, lines } = capturingLogger();
  let t: TestDb;
  let idle: () => Promise<void>;
  let app: ReturnType<typeof createApp>;

  beforeAll(async () => {
    t = await freshDb();
    const ctx = { db: t.db, district: t.district, clock: systemClock, log };
    const events = createLarkEvents({
      ctx,
      router: createRouter(ctx),
      botOpenId: async () => 'ou_bot',
      exclusive: t.embedded,
    });
    idle = events.idle;
    app = createApp({ log, checks: [] });
    app.route('/webhooks/lark', larkWebhook({ encryptKey: ENCRYPT_KEY, events, log }));
  });
  afterAll(async () => {
    await idle?.();
    await t?.close();
  });

  const post = (requestId: string, body: object, key = ENCRYPT_KEY) => {
    const req = signedRequest(body, { encryptKey: key, encrypt: true });
    return app.request('/webhooks/lark', {
      method: 'POST',
      body: req.body,
      headers: { ...req.headers, 'X-Request-Id': requestId },
    });
  };

  it('gives the work done after the answer the delivering request id, and the call number', async () => {
    const event = larkEvent.message({
      chatId: 'oc_sample_chenhui',
      senderOpenId: 'ou_resident_1',
      text: '@_user_1 晨辉路8号路灯不亮了',
      mentions: [{ openId: 'ou_bot', name: '呼应' }],
    });
    expect((await post('lark-req-1', event)).status).toBe(200);
    await idle();
    const mine = lines.filter((l) => l.requestId === 'lark-req-1');
    expect(mine.find((l) => l.msg === 'request')).toMatchObject({ path: '/webhooks/lark', status: 200 });
    const changed = mine.find((l) => l.msg === 'call changed');
    expect(changed, JSON.stringify(mine)).toMatchObject({ events: ['reported'] });
    expect(changed!.callNo).toMatch(CALL_NO);
    expect(mine.find((l) => l.msg === 'lark: event processed')).toMatchObject({
      platform: 'lark',
      callNo: changed!.callNo,
    });
  });

  it("puts a refused request's id on the refusal", async () => {
    const forged = larkEvent.message({ chatId: 'oc_sample_chenhui', senderOpenId: 'ou_x', text: 'hi' });
    expect((await post('lark-req-2', forged, 'not-the-key-at-all-000')).status).toBe(401);
    expect(
      lines.find((l) => l.requestId === 'lark-req-2' && l.msg === 'lark: webhook request refused'),
    ).toMatchObject({ platform: 'lark', route: 'webhook', error: 'bad_signature' });
  });
});

describe('log format', () => {
  it('is readable on a terminal outside production, JSON otherwise, unless LOG_FORMAT says', () => {
    expect(resolveLogFormat('auto', 'development', true)).toBe('pretty');
    expect(resolveLogFormat('auto', 'development', false)).toBe('json');
    expect(resolveLogFormat('auto', 'production', true)).toBe('json');
    expect(resolveLogFormat('json', 'development', true)).toBe('json');
    expect(resolveLogFormat('pretty', 'production', false)).toBe('pretty');
  });

  it('writes one readable line an event in the pretty format, fields included', () => {
    const out: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        out.push(String(chunk));
        done();
      },
    });
    const log = createLogger('info', { format: 'pretty', destination });
    log.child({ requestId: 'r-1' }).info({ callNo: 'JJ-20261201-0001' }, 'call changed');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: call changed .*"requestId":"r-1".*"callNo":"JJ-20261201-0001"/,
    );
    expect(() => JSON.parse(out[0]!)).toThrow();
  });
});
