// Personal-data retention end to end, on the seeded November 2026 plus two December calls
// reported through the router (so their raw texts sit in inbound_events and the sent outbox):
// a finished call older than the period is erased, a newer one and the open ones are not,
// the timeline still reads, the events themselves are untouched and still append-only, and
// the bulletin's figures do not move.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createRouter, type Router } from '../bot/router.ts';
import { renderSheet } from '../bot/sheet.ts';
import { defaultDistrictPath, parseDistrict } from '../config/district.ts';
import { drainOutbox } from '../jobs/deliver.ts';
import type { PlatformSender } from '../jobs/platform.ts';
import { type Month, seedMonth } from '../test/fixtures/month.ts';
import { callDetails, findCall } from './calls.ts';
import { statusCard } from './cards/status.ts';
import { ERASED, ERASED_IN_TEXT, readTimeline, splitPersonal } from './personal.ts';
import { monthlyBulletin } from './reports/bulletin.ts';
import { eraseOlderThan, parsePeriod } from './retention.ts';

let m: Month;
let router: Router;
let seq = 0;
const sent: string[] = [];
const sender: PlatformSender = {
  platform: 'lark',
  ready: () => true,
  async send(out) {
    sent.push(out.chatId);
    return { messageId: `om_sent_${sent.length}` };
  },
};

/** Someone says something in a Lark chat, through the router (recorded in inbound_events). */
async function say(userId: string, chatId: string, text: string, name?: string) {
  seq += 1;
  const r = await router.handle({
    platform: 'lark',
    eventId: `ev_retention_${seq}`,
    chatId,
    messageId: `om_retention_${seq}`,
    sender: { userId, name },
    text,
    mentionsBot: true,
    images: [],
    p2p: false,
  });
  await drainOutbox(m.ctx, new Map([['lark', sender]]));
  expect(r.status, `${text}: ${JSON.stringify(r.outcome)}`).toBe('handled');
}

const RESIDENT = ['ou_resident_wang', 'oc_sample_chenhui'] as const;
const LIANG = ['ou_sample_liang', 'oc_sample_jinhualu'] as const;
const CGW = ['ou_sample_cgw1', 'oc_sample_cgw'] as const;

/** A street light from report to a resident's 满意, with phone numbers in two texts. */
async function lightCall(where: string, residentPhone: string, staffPhone: string): Promise<string> {
  await say(...RESIDENT, `${where}路灯不亮，有事打我电话${residentPhone}`, '王阿姨');
  const call = await m.t.db.selectFrom('calls').select('no').orderBy('id', 'desc').executeTakeFirstOrThrow();
  const no = call.no;
  await say(...LIANG, `呼叫 ${no}`);
  await say(...CGW, `报到 ${no}`);
  await say(...CGW, `办结 ${no} 已更换灯泡，已电话联系居民${staffPhone}`);
  await say(...LIANG, `结案 ${no}`);
  await say(...RESIDENT, `满意 ${no}`);
  return no;
}

let oldNo: string;
let newNo: string;
const PERIOD = parsePeriod('30d');

const snapshot = async () => ({
  events: await m.t.db.selectFrom('call_events').selectAll().orderBy('id').execute(),
  november: await monthlyBulletin(m.ctx, '2026-11'),
  december: await monthlyBulletin(m.ctx, '2026-12'),
});
let before: Awaited<ReturnType<typeof snapshot>>;

beforeAll(async () => {
  m = await seedMonth();
  router = createRouter(m.ctx);
  // 城管委 also has a WeChat room, whose bot is logged out: its messages wait in the outbox
  await m.t.db
    .insertInto('chat_bindings')
    .values({
      platform: 'wechat',
      chat_id: 'cgw-room@chatroom',
      unit_code: 'cgw',
      role: 'department',
      title: null,
    })
    .execute();
  await m.at('12-02 10:00');
  oldNo = await lightCall('晨辉路40号', '13812345678', '13900001111');
  await m.at('12-10 10:00');
  newNo = await lightCall('晨辉路50号', '13700002222', '13600003333');
  await m.t.db
    .insertInto('sim_messages')
    .values([
      {
        chat_id: 'sim-chenhui',
        from_bot: false,
        sender: '王阿姨',
        body: JSON.stringify({ text: '@呼应 路灯不亮 13812345678', persona: 'resident-chenhui' }),
        created_at: new Date('2026-12-02T02:00:00Z'),
        updated_at: new Date('2026-12-02T02:00:00Z'),
      },
      {
        chat_id: 'sim-chenhui',
        from_bot: false,
        sender: '王阿姨',
        body: JSON.stringify({ text: '@呼应 井盖松动 13700002222', persona: 'resident-chenhui' }),
        created_at: new Date('2026-12-10T02:00:00Z'),
        updated_at: new Date('2026-12-10T02:00:00Z'),
      },
    ])
    .execute();
  await m.t.db
    .insertInto('attachments')
    .values([
      {
        chat_id: 'sim-chenhui',
        mime: 'image/png',
        bytes: Buffer.from('old photo'),
        created_at: new Date('2026-12-02T02:00:00Z'),
      },
      {
        chat_id: 'sim-chenhui',
        mime: 'image/png',
        bytes: Buffer.from('new photo'),
        created_at: new Date('2026-12-10T02:00:00Z'),
      },
    ])
    .execute();
  // 2027-01-05 10:00 in Shanghai: the cutoff of 30 days falls on 2026-12-06
  await m.clock.set(new Date('2027-01-05T02:00:00Z'));
  before = await snapshot();
}, 180_000);
afterAll(async () => m?.close());

const callRow = (no: string) =>
  m.t.db.selectFrom('calls').selectAll().where('no', '=', no).executeTakeFirstOrThrow();
const timelineOf = async (no: string) => (await callDetails(m.t.db, (await findCall(m.t.db, no)).id)).events;
const PHONE = /1[3-9]\d{9}/;

describe('splitting personal data off an event', () => {
  it('keeps a resident’s name and the phone numbers beside the event, the rest in it', () => {
    const resident = { personId: '1', name: '王阿姨', role: 'resident' as const, unitCode: 'chenhui' };
    const out = splitPersonal(resident, {
      text: '打13812345678或028-85551234',
      unit: 'cgw',
      timer: 'timer:13812345678:ack',
      n: 2,
    });
    expect(out.actorLabel).toBe('居民');
    // only the fields people write in: an id that looks like a number stays
    expect(out.payload).toEqual({
      text: '打\uE000或\uE000',
      unit: 'cgw',
      timer: 'timer:13812345678:ack',
      n: 2,
    });
    expect(out.personal).toEqual({
      actor_label: '王阿姨',
      phones: { text: ['13812345678', '028-85551234'] },
    });
    const staff = { personId: '2', name: '梁益莉', role: 'street_staff' as const, unitCode: 'jinhualu' };
    expect(splitPersonal(staff, { text: '已处理' })).toEqual({
      actorLabel: '梁益莉',
      payload: { text: '已处理' },
      personal: null,
    });
  });

  it('checks the district file’s period at start, and lists a bad one with its place', () => {
    const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8')) as Record<string, unknown>;
    expect(parseDistrict({ ...doc, retention: { personal_data: '3y' } }).retention.personal_data).toBe('3y');
    expect(parseDistrict(doc).retention.personal_data).toBeUndefined();
    for (const bad of ['3 years', '0y', '3m'])
      expect(() => parseDistrict({ ...doc, retention: { personal_data: bad } }), bad).toThrow(
        expect.objectContaining({
          problems: [
            expect.stringMatching(/^retention\.personal_data: must be (a period such as 3y|at least 1)/),
          ],
        }),
      );
  });

  it('reads periods of years, months, weeks and days, and refuses anything else', () => {
    const now = new Date('2030-03-31T00:00:00Z');
    expect(parsePeriod('3y').cutoff(now).toISOString()).toBe('2027-03-31T00:00:00.000Z');
    expect(parsePeriod('1mo').cutoff(now).toISOString()).toBe('2030-03-03T00:00:00.000Z');
    expect(parsePeriod('2w').cutoff(now).toISOString()).toBe('2030-03-17T00:00:00.000Z');
    expect(parsePeriod('90d').cutoff(now).toISOString()).toBe('2029-12-31T00:00:00.000Z');
    for (const bad of ['3', 'three years', '0d', '3m', '-1y', ''])
      expect(() => parsePeriod(bad), bad).toThrow(/not a retention period.*保留期限格式有误/);
  });
});

describe('the retention sweep', () => {
  it('reads the timeline with names and numbers before any erasure', async () => {
    const events = await timelineOf(oldNo);
    expect(events[0]).toMatchObject({ kind: 'reported', actor_label: '王阿姨' });
    expect(events[0].payload.text).toContain('13812345678');
    expect(events.find((e) => e.kind === 'resolved')?.payload.text).toContain('13900001111');
    // stored: the role, and a slot where the number was
    const oldId = String((await callRow(oldNo)).id);
    const raw = before.events.find((e) => String(e.call_id) === oldId)!;
    expect(raw.actor_label).toBe('居民');
    expect(JSON.stringify(raw.payload)).not.toMatch(PHONE);
  });

  it('counts what it would erase on a dry run and changes nothing', async () => {
    const r = await eraseOlderThan(m.ctx, PERIOD, { dryRun: true });
    expect(r).toMatchObject({ dryRun: true, period: '30d', cutoff: '2026-12-06T02:00:00.000Z' });
    expect(r.calls).toBeGreaterThanOrEqual(1);
    expect(r.events).toBeGreaterThanOrEqual(3); // report, 满意 (the resident) and 办结 (a number)
    expect(r.satisfaction).toBeGreaterThanOrEqual(1);
    expect(r.inboundEvents).toBeGreaterThanOrEqual(6);
    expect(r.outbox).toBeGreaterThan(0);
    expect(r.simMessages).toBe(1);
    expect(r.attachments).toBe(1);
    expect((await callRow(oldNo)).reporter_name).toBe('王阿姨');
    expect((await timelineOf(oldNo))[0].actor_label).toBe('王阿姨');
  });

  it('erases a finished call older than the period and leaves the newer and the open ones', async () => {
    const open = await m.t.db
      .selectFrom('calls')
      .select(['no', 'text', 'reporter_name', 'state'])
      .where('state', 'not in', ['closed', 'archived', 'cancelled', 'merged'])
      .execute();
    expect(open.length).toBeGreaterThan(0);
    const r = await eraseOlderThan(m.ctx, PERIOD);
    expect(r.dryRun).toBe(false);
    expect(r.calls).toBeGreaterThanOrEqual(1);

    const old = await callRow(oldNo);
    expect(old).toMatchObject({ reporter_name: ERASED, reporter_person_id: null });
    expect(old.text).toBe(`晨辉路40号路灯不亮，有事打我电话${ERASED_IN_TEXT}`);
    expect(old.personal_erased_at).not.toBeNull();
    const satisfaction = await m.t.db
      .selectFrom('satisfaction')
      .selectAll()
      .where('call_id', '=', old.id)
      .executeTakeFirstOrThrow();
    expect(satisfaction).toMatchObject({ answer: 'satisfied', person_id: null });
    const result = await m.t.db
      .selectFrom('assignments')
      .select('result_text')
      .where('call_id', '=', old.id)
      .executeTakeFirstOrThrow();
    expect(result.result_text).toBe(`已更换灯泡，已电话联系居民${ERASED_IN_TEXT}`);

    const fresh = await callRow(newNo);
    expect(fresh).toMatchObject({ reporter_name: '王阿姨', personal_erased_at: null });
    expect(fresh.text).toContain('13700002222');
    expect((await timelineOf(newNo))[0]).toMatchObject({ actor_label: '王阿姨' });
    for (const c of open) expect(await callRow(c.no)).toMatchObject(c);
  });

  it('still reads the erased timeline, saying where a value was', async () => {
    const events = await timelineOf(oldNo);
    expect(events.map((e) => e.kind)).toEqual([
      'reported',
      'called',
      'acknowledged',
      'resolved',
      'closed',
      'rated',
    ]);
    expect(events[0]).toMatchObject({ actor_label: ERASED });
    expect(events[0].payload.text).toBe(`晨辉路40号路灯不亮，有事打我电话${ERASED_IN_TEXT}`);
    // staff act in office: their names stay
    expect(events.find((e) => e.kind === 'resolved')).toMatchObject({
      actor_label: '城管联络员',
      payload: { text: `已更换灯泡，已电话联系居民${ERASED_IN_TEXT}` },
    });
    expect(events.find((e) => e.kind === 'rated')?.actor_label).toBe(ERASED);
    expect(JSON.stringify(events)).not.toMatch(PHONE);
    expect(JSON.stringify(events)).not.toContain('王阿姨');
    const det = await callDetails(m.t.db, (await findCall(m.t.db, oldNo)).id);
    const card = statusCard(m.ctx.district, det.call, det.assignments, det.events);
    expect(card.text).toContain(`${ERASED} 反映问题`);
    expect(JSON.stringify(card)).not.toContain('王阿姨');
    const sheet = renderSheet(m.ctx.district, det, m.ctx.clock.now());
    expect(sheet).toContain(`<td>${ERASED}</td>`); // 反映人, and the resident on the timeline
    expect(sheet).not.toContain('王阿姨');
    // reading across calls goes the same way
    const rated = await readTimeline(m.t.db, {
      kinds: ['rated'],
      callIds: [det.call.id, (await callRow(newNo)).id],
    });
    expect(rated.map((e) => e.actor_label)).toEqual([ERASED, '王阿姨']);
  });

  it('leaves every event as it was, and the database still refuses to change one', async () => {
    const events = await m.t.db.selectFrom('call_events').selectAll().orderBy('id').execute();
    expect(events).toEqual(before.events);
    const id = events[0].id;
    await expect(
      sql`update call_events set actor_label = 'x' where id = ${id}`.execute(m.t.db),
    ).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`delete from call_events where id = ${id}`.execute(m.t.db)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
  });

  it('erases the raw texts of old messages, not of newer or unsent ones', async () => {
    const inbound = await m.t.db.selectFrom('inbound_events').selectAll().orderBy('received_at').execute();
    const cutoff = PERIOD.cutoff(m.ctx.clock.now());
    for (const row of inbound) {
      const old = new Date(row.received_at) < cutoff;
      expect('erased' in row.payload, `${row.event_id}`).toBe(old);
      if (!old) expect(JSON.stringify(row.payload)).not.toContain(ERASED);
    }
    expect(JSON.stringify(inbound.filter((r) => new Date(r.received_at) < cutoff))).not.toMatch(PHONE);
    expect(JSON.stringify(inbound)).toContain('13700002222');
    const outbox = await m.t.db
      .selectFrom('outbox')
      .select(['id', 'state', 'created_at', 'payload'])
      .execute();
    for (const row of outbox) {
      const erased = row.state !== 'pending' && new Date(row.created_at) < cutoff;
      expect('erased' in row.payload, `outbox ${row.id} ${row.state} ${row.created_at}`).toBe(erased);
    }
    const waiting = outbox.filter((r) => r.state === 'pending' && new Date(r.created_at) < cutoff);
    expect(waiting.length, 'unsent WeChat messages, kept whole').toBeGreaterThan(0);
    const sim = await m.t.db
      .selectFrom('sim_messages')
      .select(['body', 'created_at'])
      .orderBy('id')
      .execute();
    expect(sim.map((r) => (r.body as { text: string }).text)).toEqual([ERASED, '@呼应 井盖松动 13700002222']);
    expect(sim[0].body).toMatchObject({ persona: 'resident-chenhui' });
    const photos = await m.t.db.selectFrom('attachments').select(['mime', 'bytes']).orderBy('id').execute();
    expect(photos.map((p) => [p.mime, Buffer.from(p.bytes).toString()])).toEqual([
      ['erased', ''],
      ['image/png', 'new photo'],
    ]);
  });

  it('leaves the bulletin’s figures as they were', async () => {
    expect(await monthlyBulletin(m.ctx, '2026-11')).toEqual(before.november);
    expect(await monthlyBulletin(m.ctx, '2026-12')).toEqual(before.december);
  });

  it('finds nothing more to erase on a second run', async () => {
    expect(await eraseOlderThan(m.ctx, PERIOD)).toMatchObject({
      calls: 0,
      events: 0,
      satisfaction: 0,
      outbox: 0,
      inboundEvents: 0,
      simMessages: 0,
      attachments: 0,
    });
  });
});
