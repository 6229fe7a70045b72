// GET /status on the running service: version, role, database, queue and the integrations with
// their last delivery, as JSON and as a Chinese page; /admin/queues in Chinese on either queue.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { systemClock } from '../config/clock.ts';
import { defaultDistrictPath } from '../config/district.ts';
import { silentLogger } from '../config/log.ts';
import { MemoryDriver } from '../jobs/memory.ts';
import { browserTitle, launchChromium, skipBrowser } from '../test/browser.ts';
import { freshDb, type TestDb } from '../test/db.ts';
import { redisEnv, until } from '../test/queues.ts';
import { loadServiceEnv } from './adapters.ts';
import { mountQueueAdmin } from './admin/queues.ts';
import type { AppEnv } from './app.ts';
import { type Server, startServer } from './server.ts';
import type { Services } from './services.ts';

const TOKEN = 'status-admin-token-0123456789';
const API_KEY = 'fms-test-api-key-0123456789';
const SECRET = 'webhook-secret-0123456789abcdef';
/** the server below runs on BullMQ with PostgreSQL and Redis, else on the embedded defaults */
const onBullmq = !!process.env.DATABASE_URL && !!process.env.REDIS_URL;
const VERSION = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')).version;

let t: TestDb | undefined;
let server: Server;
let dir: string;
let base: string;
let receiver: ReturnType<typeof createServer>;
const delivered: string[] = [];

beforeAll(async () => {
  // A webhook subscriber that answers 200, so deliveries succeed.
  receiver = createServer((req: IncomingMessage, res) => {
    delivered.push(String(req.headers['x-huying-event']));
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/huying?key=private`;

  dir = mkdtempSync(join(tmpdir(), 'huying-status-'));
  const file = join(dir, 'district.yaml');
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8'));
  writeFileSync(
    file,
    stringify({
      ...doc,
      open311: { clients: [{ name: 'fixmystreet', api_key: API_KEY }] },
      webhooks: [{ name: 'dlw', url: hookUrl, secret: SECRET, events: ['created'] }],
    }),
  );
  const where: Record<string, string> = {};
  if (process.env.DATABASE_URL) {
    t = await freshDb();
    Object.assign(where, { DATABASE_URL: t.url }, redisEnv());
  } else where.HUYING_DATA_DIR = join(dir, 'data');
  const env = loadServiceEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ...where,
    HUYING_CONFIG: file,
    HUYING_SIM: 'on',
    ADMIN_TOKEN: TOKEN,
    NODE_ENV: 'test',
  });
  server = await startServer(env, { log: silentLogger });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server?.stop();
  await t?.close();
  await new Promise((r) => receiver?.close(r));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const status = async (headers: Record<string, string> = {}) =>
  fetch(`${base}/status`, { headers: { Authorization: `Bearer ${TOKEN}`, ...headers } });

describe('GET /status', () => {
  it('needs the admin token', async () => {
    expect((await fetch(`${base}/status`)).status).toBe(401);
    expect((await status({ Authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
  });

  it('shows version, role, database, queue and integrations as named sections', async () => {
    const res = await status();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as any;
    // named sections; more may follow these
    expect(Object.keys(body).slice(0, 4)).toEqual(['service', 'database', 'queue', 'integrations']);
    expect(body.service).toMatchObject({ version: VERSION, role: 'all', clock: 'system' });
    const embedded = !process.env.DATABASE_URL;
    expect(body.database).toMatchObject({
      where: server.runtime.database.where,
      embedded,
      migrations: { latest: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d{4}-/) },
    });
    expect(body.database.migrations.applied).toBeGreaterThanOrEqual(1);
    expect(body.queue.kind).toBe(server.runtime.queues.kind);
    expect(Object.keys(body.queue.queues)).toEqual(['send', 'timers', 'schedules']);
    // the monthly bulletin and the daily jobs wait in the schedules queue
    expect(body.queue.queues.schedules.delayed).toBeGreaterThan(0);
    expect(body.integrations).toEqual({
      platforms: [{ name: 'sim', sender: true, lastSentAt: null }],
      webhooks: [
        {
          name: 'dlw',
          host: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
          events: ['created'],
          lastSentAt: null,
        },
      ],
      open311: { on: true, clients: [{ name: 'fixmystreet', lastRequestAt: null }] },
    });
  });

  it("gives each integration's last successful delivery once there is one", async () => {
    const before = Date.now() - 1000;
    const created = await fetch(`${base}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: API_KEY,
        service_code: 'street_light',
        address_string: '晨辉路12号',
        description: '路灯不亮',
        'attribute[street]': 'jinhualu',
      }),
    });
    expect(created.status).toBe(200);
    await until(() => delivered.includes('created'), 'the webhook delivery', 20_000);
    let body: any;
    await until(
      async () => {
        body = await (await status()).json();
        return !!(body.integrations.webhooks[0].lastSentAt && body.integrations.platforms[0].lastSentAt);
      },
      'the deliveries to show',
      20_000,
    );
    const [sim] = body.integrations.platforms;
    const [hook] = body.integrations.webhooks;
    const [client] = body.integrations.open311.clients;
    for (const at of [sim.lastSentAt, hook.lastSentAt, client.lastRequestAt])
      expect(Date.parse(at)).toBeGreaterThan(before);
  });

  it('is a Chinese page for a browser, and never shows a secret', async () => {
    const res = await status({ Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    for (const words of [
      '呼应 · 运行状态',
      '版本',
      VERSION,
      '全部（接收请求与后台任务同在一个进程）',
      '模拟器',
      'Webhook 订阅',
      'dlw',
      'fixmystreet',
      '发送（send）',
    ])
      expect(html).toContain(words);
    const json = await (await status()).text();
    for (const text of [html, json]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('key=private');
      expect(text).not.toContain(TOKEN);
    }
  });
});

describe('the status page in a browser', () => {
  it.skipIf(skipBrowser)(
    browserTitle('shows in Chinese with the shipped font where the browser has none'),
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const blocked: string[] = [];
        page.on('console', (m) => {
          if (/Content Security Policy/.test(m.text())) blocked.push(m.text());
        });
        await page.goto(`${base}/status?token=${TOKEN}`);
        expect(await page.locator('h1').textContent()).toBe('呼应 · 运行状态');
        // the page's own font face loads (allowed by its CSP, served without the token)
        // (the page's globals: this file is compiled without the DOM's types)
        type Fonts = { load(font: string, text: string): Promise<{ status: string }[]> };
        const loaded = await page.evaluate(async () => {
          const { fonts } = (globalThis as unknown as { document: { fonts: Fonts } }).document;
          return (await fonts.load('15px "Huying Sans SC"', '呼应')).map((f) => f.status);
        });
        expect(loaded).toEqual(['loaded']);
        expect(blocked).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});

describe('/admin/queues', () => {
  it('needs the admin token', async () => {
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
  });

  it.runIf(!onBullmq)(
    'in embedded mode is a Chinese page of the in-process queues and their counts',
    async () => {
      const res = await fetch(`${base}/admin/queues?token=${TOKEN}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('呼应 · 任务队列（进程内）');
      expect(html).toContain('提醒与升级（timers）');
    },
  );

  it.runIf(onBullmq)('on BullMQ is Bull Board, configured in Chinese', async () => {
    const res = await fetch(`${base}/admin/queues`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const config = JSON.parse(
      /<script id="__UI_CONFIG__" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!,
    );
    expect(config).toMatchObject({ boardTitle: '呼应 · 任务队列', locale: { lng: 'zh-CN' } });
    const messages = await fetch(`${base}/admin/queues/static/locales/zh-CN/messages.json`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(((await messages.json()) as any).MENU.OVERVIEW).toBe('概览');
  });

  it.runIf(onBullmq && !skipBrowser)(
    browserTitle('on BullMQ shows Bull Board in Chinese in a browser'),
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage({ locale: 'en-US' });
        // nothing from outside this service (the board links a web font)
        await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (r) => r.abort());
        await page.goto(`${base}/admin/queues?token=${TOKEN}`);
        // the dashboard's job counts, in its zh-CN wording ("3 个作业"; en-US says "3 Jobs")
        await page
          .getByText(/\d+ 个作业/)
          .first()
          .waitFor({ timeout: 20_000 });
        const text = (await page.locator('body').textContent()) ?? '';
        for (const words of ['队列', '已完成', '失败', '延迟', 'send', 'timers', 'schedules'])
          expect(text).toContain(words);
        expect(text).not.toMatch(/\d+ Jobs|Completed/);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});

describe('the in-process queue page', () => {
  it('counts the jobs of each queue as they are', async () => {
    const driver = new MemoryDriver(systemClock);
    const app = new Hono<AppEnv>();
    const services = {
      runtime: { queues: driver, env: { ADMIN_TOKEN: TOKEN } },
      ctx: { db: undefined },
    } as unknown as Services;
    await mountQueueAdmin(app, services);
    await driver.queue('timers').add('remind', {}, { delay: 3_600_000, jobId: 'a' });
    await driver.queue('timers').add('remind', {}, { delay: 7_200_000, jobId: 'b' });
    await driver.queue('send').add('send', {}, { delay: 3_600_000, jobId: 'c' });
    const res = await app.request(`/admin/queues?token=${TOKEN}`);
    expect(res.status).toBe(200);
    const rows = [...(await res.text()).matchAll(/<tr><td>([^<]+)<\/td>((?:<td>.*?<\/td>)+)<\/tr>/g)].map(
      (m) => [m[1], [...m[2]!.matchAll(/>(\d+)</g)].map((n) => Number(n[1]))],
    );
    expect(rows).toEqual([
      ['发送（send）', [0, 1, 0, 0]],
      ['提醒与升级（timers）', [0, 2, 0, 0]],
      ['定时任务（schedules）', [0, 0, 0, 0]],
    ]);
    expect((await app.request('/admin/queues')).status).toBe(401);
    await driver.close();
  });
});
