// The simulator's demo month (POST /sim/api/demo, bot/sim/demo.ts) on the real server with the
// manual clock: every report lands where the catalog says, the late department is escalated,
// the call nobody answers stays overdue, and the month's bulletin ranks them all.
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Server } from '../../bot/server.ts';
import type { SimRecord } from '../../bot/sim/sender.ts';
import { ManualClock } from '../../config/clock.ts';
import { type SimServer, startSimServer } from '../sim-server.ts';

let app: SimServer;
let server: Server;

beforeAll(async () => {
  // Tuesday 20 October 2026, 10:00 in Chengdu: the demo plays November
  app = await startSimServer({ clock: new ManualClock('2026-10-20T02:00:00Z') });
  server = app.server;
}, 60_000);
afterAll(async () => app?.close());

const get = async (path: string) => (await fetch(`http://127.0.0.1:${server.port}${path}`)).json() as any;
const cards = async (chat: string, kind: string): Promise<SimRecord[]> =>
  (await get(`/sim/api/chats/${chat}/messages`)).messages.filter((m: SimRecord) => m.message?.kind === kind);

it('plays a month and publishes its bulletin on the next 1st', { timeout: 120_000 }, async () => {
  const res = await fetch(`http://127.0.0.1:${server.port}/sim/api/demo`, { method: 'POST' });
  const played = (await res.json()) as any;
  expect(played).toMatchObject({ ok: true, month: '2026-11' });
  expect(played.calls).toHaveLength(9);
  expect(played.clock.display).toBe('2026-12-01 09:01');

  const db = server.runtime.database.db;
  const calls = await db
    .selectFrom('calls')
    .innerJoin('assignments as a', 'a.call_id', 'calls.id')
    .select(['calls.no', 'calls.state', 'a.unit_code'])
    .orderBy('calls.no')
    .execute();
  expect(calls.map((c) => `${c.unit_code}:${c.state}`)).toEqual([
    'cgw:archived',
    'swj:archived',
    'zjj:archived',
    'gyj:archived',
    'cgw:archived',
    'gafj:archived',
    'scjgj:dispatched',
    'gdj:archived',
    'rsj:archived',
  ]);
  // 区住建交通局 reported in late: escalated to its head and to the office on the way
  expect((await cards('sim-office', 'escalate')).map((m) => m.message!.title)).toContainEqual(
    expect.stringMatching(/^升级督办：区住建交通局 .* 报到超时2小时$/),
  );

  const bulletins = await cards('sim-office', 'bulletin');
  // October's (nothing in it) on 1 November, then November's on 1 December
  expect(bulletins.map((b) => b.message!.title)).toEqual([
    expect.stringContaining('2026年10月'),
    expect.stringContaining('2026年11月'),
  ]);
  const nov = bulletins[1].message!;
  expect(bulletins[1].at).toBe('2026-12-01T01:00:00.000Z');
  expect(nov.fields).toContainEqual({ label: '呼叫总数', value: '9 件（突发 0 件）' });
  expect(nov.fields).toContainEqual({ label: '办结率', value: '88.9%（8/9）' });
  expect(nov.fields).toContainEqual({ label: '满意度', value: '75.0%（4 份评价）' });
  const ranking = nov.text!.split('\n').filter((l) => /^\d+\. /.test(l));
  expect(ranking).toHaveLength(8);
  expect(ranking[0]).toMatch(/^1\. 国网锦江供电中心 排名分 \d+\.\d 平均分 100\.0/);
  expect(ranking.at(-1)).toMatch(
    /^\d\. 区市场监管局 (排名分 \S+ )?平均分 —（0 次评分） 呼叫 1 件 .*超时 1 件$/,
  );
  expect(nov.images).toEqual([{ ref: 'chart:bulletin:2026-11', alt: '2026年11月部门过程评议平均分' }]);
  const png = Buffer.from(
    await (
      await fetch(`http://127.0.0.1:${server.port}/sim/api/images/chart%3Abulletin%3A2026-11`)
    ).arrayBuffer(),
  );
  // a bar for each of the 7 scored departments: 120 + 7 × 40 high
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([900, 400]);
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/sim-demo-bulletin-2026-11.png', png); // to look at
});

it('needs the manual clock', async () => {
  // the same route on a server with the system clock is refused, in Chinese, and plays nothing
  const system = await startSimServer({ clock: 'system' });
  try {
    const res = await system.api('POST', '/sim/api/demo');
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('HUYING_CLOCK=manual');
    expect(await system.server.runtime.database.db.selectFrom('calls').select('id').execute()).toEqual([]);
  } finally {
    await system.close();
  }
});
