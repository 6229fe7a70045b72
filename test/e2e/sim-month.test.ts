// A month in the simulator on the real server, with the manual clock and the in-process job
// layer, through the simulator's HTTP API only: a call nobody acknowledges is reminded,
// declared overdue and escalated as the clock moves; calls are acknowledged, resolved, closed and
// scored; at 09:00 on the 1st the month's bulletin reaches the office and the leaders with its
// chart, a real PNG.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Server, startServer } from '../../bot/server.ts';
import type { SimRecord } from '../../bot/sim/sender.ts';
import type { Persona } from '../../bot/sim/setup.ts';
import { ManualClock } from '../../config/clock.ts';
import { loadEnv } from '../../config/env.ts';
import { silentLogger } from '../../config/log.ts';
import { freshDb, type TestDb } from '../db.ts';

let t: TestDb | undefined;
let dataDir: string | undefined;
let server: Server;
let personas: Persona[];

beforeAll(async () => {
  // PostgreSQL when there is one, else the embedded default; never Redis: the manual clock
  // drives the in-process job layer only.
  const where: Record<string, string> = {};
  if (process.env.DATABASE_URL) {
    t = await freshDb();
    where.DATABASE_URL = t.url;
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'huying-sim-month-'));
    where.HUYING_DATA_DIR = dataDir;
  }
  const env = loadEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    ...where,
    HUYING_SIM: 'on',
    HUYING_CLOCK: 'manual',
    LOG_LEVEL: 'silent',
    NODE_ENV: 'test',
  });
  // Monday 2 November 2026, 10:00 in Chengdu
  server = await startServer(env, { log: silentLogger, clock: new ManualClock('2026-11-02T02:00:00Z') });
  personas = (await api('GET', '/sim/api/state')).body.personas;
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await t?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
const who = (name: string) => {
  const p = personas.find((x) => x.name === name || x.name.startsWith(name));
  if (!p) throw new Error(`no persona ${name}`);
  return p.id;
};
const messages = async (chat: string): Promise<SimRecord[]> =>
  (await api('GET', `/sim/api/chats/${chat}/messages`)).body.messages;
const cards = async (chat: string, kind: string, no?: string) =>
  (await messages(chat)).filter((m) => m.message?.kind === kind && (!no || m.message.callNo === no));
async function card(chat: string, kind: string, no?: string) {
  const found = (await cards(chat, kind, no)).at(-1);
  expect(found, `a ${kind} card${no ? ` of ${no}` : ''} in ${chat}`).toBeDefined();
  return found!;
}
async function ok(p: Promise<{ status: number; body: any }>) {
  const r = await p;
  expect(r.body, JSON.stringify(r.body)).toMatchObject({ ok: true });
  return r.body;
}
const say = (name: string, chat: string, text: string) =>
  ok(api('POST', `/sim/api/chats/${chat}/messages`, { from: who(name), text }));
async function press(name: string, chat: string, kind: string, no: string, label: string, text?: string) {
  const c = await card(chat, kind, no);
  const action = c.message!.buttons!.findIndex((b) => b.label === label);
  expect(action, `${label} on ${c.message!.title}`).toBeGreaterThanOrEqual(0);
  return ok(api('POST', '/sim/api/actions', { from: who(name), message: c.id, action, text }));
}
const advance = (by: string) => ok(api('POST', '/sim/api/clock', { advance: by }));

/** A resident reports, the street calls as suggested; returns the call's number. */
async function report(resident: string, community: string, street: string, staff: string, text: string) {
  const said = await say(resident, community, `@呼应 ${text}`);
  const no = /[A-Z]+-\d{8}-\d{4}/.exec(said.result.toast)![0];
  await press(staff, street, 'triage', no, '按建议呼叫');
  return no;
}

/** The department acknowledges and resolves, the street closes and scores (the form's 报到 as offered). */
async function finish(
  no: string,
  o: { dept: string; liaison: string; street: string; staff: string; scores: number[]; comment: string },
) {
  await press(o.liaison, o.dept, 'dispatch', no, '报到');
  await press(o.liaison, o.dept, 'work', no, '办结', '已处置完毕');
  await press(o.staff, o.street, 'close', no, '结案');
  const score = await card(o.street, 'score', no);
  const ack = score.message!.form!.fields.find((f) => f.name === 'ack')!.initial!;
  const [professional, ownership, cooperation, result] = o.scores.map(String);
  await ok(
    api('POST', '/sim/api/actions', {
      from: who(o.staff),
      message: score.id,
      action: 'form',
      form: { ack, professional, ownership, cooperation, result, comment: o.comment },
    }),
  );
  return Number(ack);
}

describe('a month in the simulator', () => {
  let late = '';
  let onTime = '';
  let open = '';

  it('reminds, declares overdue and escalates a call nobody acknowledges as the clock moves', async () => {
    late = await report('晨辉社区居民', 'sim-chenhui', 'sim-jinhualu', '梁益莉', '晨辉路12号路灯不亮了');
    // a general call: 2 working hours to acknowledge (12:00), the reminder at 75% (11:30)
    expect(await cards('sim-cgw', 'remind', late)).toEqual([]);
    await advance('PT1H35M');
    const remind = await card('sim-cgw', 'remind', late);
    expect(remind.message!.title).toBe(`催办：${late} 报到时限将到`);
    // sent when it fell due, not at the end of the jump
    expect(remind.at).toBe('2026-11-02T03:30:00.000Z');
    expect(await cards('sim-cgw', 'overdue', late)).toEqual([]);
    // the deadline, the department head an hour later, the office two hours later
    await advance('PT2H30M');
    expect((await card('sim-cgw', 'overdue', late)).message!.title).toBe(`已超时：${late} 未按时报到`);
    const head = await card('sim-cgw', 'escalate', late);
    expect(head.message!.title).toBe(`督办：区城管委 ${late} 报到已超时1小时`);
    expect(head.mentioned).toContain(who('城管负责人'));
    expect((await card('sim-office', 'escalate', late)).message!.title).toBe(
      `升级督办：区城管委 ${late} 报到超时2小时`,
    );
    // each once, whatever the clock does next
    await advance('PT10M');
    expect(await cards('sim-cgw', 'remind', late)).toHaveLength(1);
    expect(await cards('sim-office', 'escalate', late)).toHaveLength(1);
  });

  it('runs the month’s calls to their scores', async () => {
    const cgw = { dept: 'sim-cgw', liaison: '城管联络员', street: 'sim-jinhualu', staff: '梁益莉' };
    // acknowledged two hours late: 报到 is offered below 20
    const lateAck = await finish(late, { ...cgw, scores: [16, 15, 16, 18], comment: '报到超时，督办后处置' });
    expect(lateAck).toBeLessThan(20);

    onTime = await report('金像社区居民', 'sim-jinxiang', 'sim-jinhualu', '梁益莉', '金像小区门口积水严重');
    await advance('PT20M');
    const swj = { dept: 'sim-swj', liaison: '区水务局联络员', street: 'sim-jinhualu', staff: '梁益莉' };
    expect(await finish(onTime, { ...swj, scores: [19, 18, 19, 20], comment: '处置及时' })).toBe(20);

    // a call 区住建交通局 never acknowledges: overdue at the month's end
    open = await report(
      '武成门社区居民',
      'sim-wuchengmen',
      'sim-shuyuanjie',
      '书院街街道',
      '武成门路口井盖破损',
    );
    const states = await server.runtime.database.db
      .selectFrom('calls')
      .select(['no', 'state'])
      .orderBy('no')
      .execute();
    expect(states).toEqual([
      { no: late, state: 'archived' },
      { no: onTime, state: 'archived' },
      { no: open, state: 'dispatched' },
    ]);
  });

  it('posts the bulletin with its chart to the office and the leaders on the 1st at 09:00', async () => {
    // to 08:59 on 1 December: nothing yet
    const now = new Date((await api('GET', '/sim/api/state')).body.clock.now).getTime();
    const minutesTo0859 = Math.round((Date.parse('2026-12-01T00:59:00Z') - now) / 60_000);
    await advance(`PT${minutesTo0859}M`);
    expect(await cards('sim-office', 'bulletin')).toEqual([]);
    await advance('PT2M');
    const bulletin = await card('sim-office', 'bulletin');
    expect(bulletin.at).toBe('2026-12-01T01:00:00.000Z');
    const m = bulletin.message!;
    expect(m.title).toContain('2026年11月');
    expect(m.fields).toContainEqual({ label: '呼叫总数', value: '3 件（突发 0 件）' });
    expect(m.fields).toContainEqual({ label: '办结率', value: '66.7%（2/3）' });
    const ranking = m.text!.split('\n');
    expect(ranking[1]).toMatch(/^1\. 区水务局 平均分 96\.0（1 次评分） 呼叫 1 件 响应率 100\.0%/);
    expect(ranking[2]).toMatch(/^2\. 区城管委 平均分 \d+\.0（1 次评分） 呼叫 1 件 响应率 0\.0%/);
    expect(ranking.some((l) => /^\d\. 区住建交通局 .*超时 1 件$/.test(l))).toBe(true);
    expect(m.text).toContain('书院街街道 事项 1 件');
    expect((await card('sim-leaders', 'bulletin')).message!.title).toBe(m.title);

    const ref = m.images![0].ref;
    expect(ref).toBe('chart:bulletin:2026-11');
    const res = await fetch(`http://127.0.0.1:${server.port}/sim/api/images/${encodeURIComponent(ref)}`);
    expect(res.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await res.arrayBuffer());
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // 900 wide; 120 high plus 40 for each scored department (区水务局, 区城管委)
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([900, 200]);
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/sim-bulletin-2026-11.png', png); // to look at

    // once a month: a further day brings no second bulletin
    await advance('P1D');
    expect(await cards('sim-office', 'bulletin')).toHaveLength(1);

    // 区住建交通局 had its open call in a digest at 08:30 on every working day from 3 November to
    // 2 December (22 days; none on a weekend), the others nothing
    const digests = await cards('sim-zjj', 'digest');
    expect(digests).toHaveLength(22);
    for (const d of digests) {
      expect(d.at.slice(11)).toBe('00:30:00.000Z');
      expect([0, 6]).not.toContain(new Date(d.at).getUTCDay());
    }
    expect(digests[0].at).toBe('2026-11-03T00:30:00.000Z');
    expect(digests.at(-1)!.message!.title).toBe('区住建交通局每日待办：在办 1 件，超时 1 件');
    expect(digests.at(-1)!.message!.text).toContain(`【超时`);
    expect(await cards('sim-cgw', 'digest')).toEqual([]);
  });
});
