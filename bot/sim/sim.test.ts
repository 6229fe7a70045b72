// The simulator's JSON API, in-process on a fresh database: its world, a general call walked
// from the report to the archive by personas, bad input, live updates and the clock.
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Clock, ManualClock, systemClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import { type Jobs, startJobs } from '../../jobs/index.ts';
import { MemoryDriver } from '../../jobs/memory.ts';
import { freshDb, type TestDb } from '../../test/db.ts';
import { loadServiceEnv, platformLimits } from '../adapters.ts';
import type { AppEnv } from '../app.ts';
import type { Runtime } from '../runtime.ts';
import { createServices } from '../services.ts';
import { mountSimulator } from './index.ts';
import type { SimRecord } from './sender.ts';
import type { Persona, SimChat } from './setup.ts';

let t: TestDb;
beforeAll(async () => {
  t = await freshDb();
});
/** the job layer of the simulator made last (one at a time: each sends into its own feed) */
let jobs: Jobs | undefined;
afterAll(async () => {
  await jobs?.stop();
  await t?.close();
});

/** The simulator mounted on its own app, on services built like the server builds them. */
async function simulator(clock: Clock, o: { jobs?: boolean } = {}) {
  if (o.jobs !== false) await jobs?.stop();
  const runtime = {
    env: loadServiceEnv({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    district: t.district,
    log: silentLogger,
    clock,
    database: t,
    queues: new MemoryDriver(clock, (err) => console.error(err)),
    close: async () => {},
  } satisfies Runtime;
  const services = createServices(runtime, 'all');
  const app = new Hono<AppEnv>();
  await mountSimulator(app, services, { web: true });
  if (o.jobs !== false) jobs = await startJobs(services, { schedules: false, limits: platformLimits() });
  const call = async (method: string, path: string, body?: unknown, raw?: string) => {
    const res = await app.request(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const state = async () =>
    (await call('GET', '/sim/api/state')).body as { chats: SimChat[]; personas: Persona[]; clock: any };
  const { personas } = await state();
  const who = (name: string) => {
    const p = personas.find((x) => x.name === name);
    if (!p) throw new Error(`no persona ${name}`);
    return p;
  };
  const say = (name: string, chat: string, text: string) =>
    call('POST', `/sim/api/chats/${chat}/messages`, { from: who(name).id, text });
  const messages = async (chat: string) =>
    (await call('GET', `/sim/api/chats/${chat}/messages`)).body.messages as SimRecord[];
  const lastCard = async (chat: string, kind: string) => {
    const card = (await messages(chat)).filter((m) => m.message?.kind === kind).at(-1);
    expect(card, `a ${kind} card in ${chat}`).toBeDefined();
    return card!;
  };
  const press = (name: string, card: SimRecord, label: string, extra: Record<string, unknown> = {}) => {
    const action = card.message!.buttons!.findIndex((b) => b.label === label);
    expect(action, `${label} on ${card.message!.title}`).toBeGreaterThanOrEqual(0);
    return call('POST', '/sim/api/actions', { from: who(name).id, message: card.id, action, ...extra });
  };
  return { app, services, call, state, who, say, messages, lastCard, press };
}

describe('the simulator', () => {
  let sim: Awaited<ReturnType<typeof simulator>>;
  beforeAll(async () => {
    sim = await simulator(systemClock);
  });

  it('serves the CJK font it ships, for browsers without a Chinese system font', async () => {
    const css = await (await sim.app.request('/sim/assets/style.css')).text();
    expect(css).toContain('url("/sim/assets/font-sc-regular.otf")');
    for (const weight of ['regular', 'bold']) {
      const res = await sim.app.request(`/sim/assets/font-sc-${weight}.otf`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('font/otf');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('OTTO');
      expect(bytes.length).toBeGreaterThan(1_000_000);
    }
  });

  it('makes one chat per unit and someone to play every role', async () => {
    const { chats, personas, clock } = await sim.state();
    const title = (id: string) => chats.find((c) => c.id === id)?.title;
    expect(title('sim-chenhui')).toBe('晨辉社区居民群');
    expect(title('sim-jinhualu')).toBe('锦华路街道工作群');
    expect(title('sim-cgw')).toBe('区城管委工作群');
    expect(title('sim-office')).toBe('呼应办工作群');
    expect(title('sim-leaders')).toBe('区领导群');
    expect(chats).toHaveLength(t.district.units.size);
    expect(chats.find((c) => c.id === 'sim-leaders')).toMatchObject({ role: 'leader', group: '区领导' });
    expect(sim.who('晨辉社区居民·张阿姨')).toMatchObject({
      role: '居民',
      unit: 'chenhui',
      chats: ['sim-chenhui'],
    });
    expect(sim.who('梁益莉')).toMatchObject({
      role: '街道工作人员',
      unitName: '锦华路街道',
      chats: ['sim-jinhualu', 'sim-chenhui', 'sim-jinxiang'],
    });
    expect(sim.who('城管联络员')).toMatchObject({ role: '部门联络员', chats: ['sim-cgw'] });
    expect(sim.who('城管负责人').role).toBe('部门负责人');
    expect(sim.who('区水务局联络员')).toMatchObject({ roleCode: 'liaison', unit: 'swj' });
    expect(sim.who('书院街街道·王干事')).toMatchObject({ roleCode: 'street_staff' });
    expect(sim.who('呼应办值班').chats).toEqual(['sim-office']);
    expect(sim.who('区领导').chats).toEqual(['sim-leaders']);
    expect(personas.every((p) => p.id === `sim-p${p.personId}`)).toBe(true);
    expect(clock.mode).toBe('system');
    // a second start changes nothing
    const people = await t.db.selectFrom('people').select('id').execute();
    await simulator(systemClock, { jobs: false });
    expect(await t.db.selectFrom('people').select('id').execute()).toHaveLength(people.length);
    expect((await sim.state()).personas).toHaveLength(personas.length);
  });

  it('walks a general call from the report to the archive', async () => {
    const said = await sim.say('晨辉社区居民·张阿姨', 'sim-chenhui', '@呼应 晨辉路12号路灯不亮了');
    expect(said.status).toBe(200);
    expect(said.body).toMatchObject({ ok: true, result: { status: 'handled' } });
    expect(said.body.message).toMatchObject({ fromBot: false, text: '@呼应 晨辉路12号路灯不亮了' });
    const call = await t.db.selectFrom('calls').selectAll().executeTakeFirstOrThrow();
    expect(call).toMatchObject({ state: 'reported', tier: 'general', street_code: 'jinhualu' });
    expect(call.text).not.toContain('@呼应');
    const no = call.no;
    expect(said.body.result.toast).toContain(no);

    const draft = await sim.lastCard('sim-chenhui', 'draft');
    expect(draft.message!.title).toBe(`已收到反映 ${no}`);
    expect(draft.replyTo).toBe(said.body.message.id);
    const triage = await sim.lastCard('sim-jinhualu', 'triage');
    expect(triage.message!.fields).toContainEqual({ label: '建议部门', value: '区城管委' });

    const called = await sim.press('梁益莉', triage, '按建议呼叫');
    expect(called.body).toMatchObject({ ok: true, result: { status: 'handled', toast: `已办理 ${no}` } });
    // the pressed card changes in place: no buttons, who did it and when
    expect(called.body.message.id).toBe(triage.id);
    expect(called.body.message.message.buttons).toEqual([]);
    expect(called.body.message.message.note).toMatch(
      /^✓ 梁益莉 于 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 办理：呼叫$/,
    );
    expect((await sim.lastCard('sim-jinhualu', 'triage')).message!.note).toBe(
      called.body.message.message.note,
    );

    const dispatch = await sim.lastCard('sim-cgw', 'dispatch');
    expect(dispatch.message!.title).toBe(`新呼叫请报到 ${no}`);
    expect(dispatch.mentioned).toContain(sim.who('城管联络员').id);
    expect((await sim.press('城管联络员', dispatch, '报到')).body.ok).toBe(true);

    const work = await sim.lastCard('sim-cgw', 'work');
    const noText = await sim.press('城管联络员', work, '办结');
    expect(noText).toMatchObject({ status: 400, body: { ok: false, message: '请填写办理结果' } });
    const resolved = await sim.press('城管联络员', work, '办结', { text: '已更换灯泡，恢复照明' });
    expect(resolved.body.ok).toBe(true);

    const close = await sim.lastCard('sim-jinhualu', 'close');
    expect(close.message!.fields).toContainEqual({
      label: '区城管委办理结果',
      value: '已更换灯泡，恢复照明',
    });
    expect((await sim.press('梁益莉', close, '结案')).body.ok).toBe(true);

    const score = await sim.lastCard('sim-jinhualu', 'score');
    expect(score.message!.form?.submitLabel).toBe('提交评分');
    const satisfaction = await sim.lastCard('sim-chenhui', 'satisfaction');
    expect(satisfaction.message!.buttons!.map((b) => b.label)).toEqual(['满意', '基本满意', '不满意']);

    const form = {
      ack: '20',
      professional: '18',
      ownership: '20',
      cooperation: '19',
      result: '20',
      comment: '处置及时',
    };
    const submit = (values: Record<string, unknown>) =>
      sim.call('POST', '/sim/api/actions', {
        from: sim.who('梁益莉').id,
        message: score.id,
        action: 'form',
        form: values,
      });
    expect(await submit({ ...form, ack: '25' })).toMatchObject({
      status: 400,
      body: { message: '「报到」没有“25”这个选项' },
    });
    const scored = await submit(form);
    expect(scored.body).toMatchObject({ ok: true, result: { status: 'handled' } });
    expect(scored.body.message.message.note).toContain('办理：评分');
    expect((await t.db.selectFrom('calls').select('state').executeTakeFirstOrThrow()).state).toBe('archived');
    expect((await sim.lastCard('sim-jinhualu', 'notice')).message).toMatchObject({
      title: `已评分 ${no}`,
      text: '区城管委 97 分，已备案',
    });

    expect((await sim.press('晨辉社区居民·张阿姨', satisfaction, '满意')).body.ok).toBe(true);
    const query = await sim.say('梁益莉', 'sim-jinhualu', `查询 ${no.slice(-4)}`);
    expect(query.body.result.status).toBe('handled');
    expect((await sim.lastCard('sim-jinhualu', 'status')).message!.title).toBe(`呼叫单 ${no}：已备案`);
  });

  it('answers a pressed-again card as expired, and ignores chatter without @呼应', async () => {
    const triage = await sim.lastCard('sim-jinhualu', 'triage');
    const again = await sim.call('POST', '/sim/api/actions', {
      from: sim.who('梁益莉').id,
      message: triage.id,
      action: 0,
    });
    expect(again.status).toBe(400); // the updated card has no buttons left
    const before = (await sim.messages('sim-chenhui')).length;
    const chatter = await sim.say('晨辉社区居民·张阿姨', 'sim-chenhui', '今天天气不错');
    expect(chatter.body.result.status).toBe('ignored');
    expect(await sim.messages('sim-chenhui')).toHaveLength(before + 1);
  });

  it('refuses bad input with a Chinese reason and never a 500', async () => {
    const from = sim.who('晨辉社区居民·张阿姨').id;
    const cases: [string, string, unknown, number, RegExp][] = [
      [
        'POST',
        '/sim/api/chats/sim-chenhui/messages',
        { from: 'sim-p999999', text: '你好' },
        404,
        /没有这个身份/,
      ],
      ['POST', '/sim/api/chats/sim-nowhere/messages', { from, text: '你好' }, 404, /没有这个群/],
      ['POST', '/sim/api/chats/sim-chenhui/messages', { from, text: '   ' }, 400, /请输入内容/],
      ['POST', '/sim/api/chats/sim-chenhui/messages', { from }, 400, /缺少 text/],
      [
        'POST',
        '/sim/api/chats/sim-jinhualu/messages',
        { from, text: '你好' },
        403,
        /不在「锦华路街道工作群」中/,
      ],
      ['POST', '/sim/api/actions', { from, message: '999999', action: 0 }, 404, /没有这条消息/],
      ['POST', '/sim/api/actions', { from, message: 'abc', action: 0 }, 404, /没有这条消息/],
      ['POST', '/sim/api/actions', { from, message: '1', action: -1 }, 400, /action 须为按钮序号/],
      ['GET', '/sim/api/chats/sim-nowhere/messages', undefined, 404, /没有这个群/],
      ['GET', '/sim/api/chats/sim-chenhui/messages?after=x', undefined, 400, /after/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await sim.call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body.ok).toBe(false);
      expect(res.body.message).toMatch(message);
    }
    const notJson = await sim.call('POST', '/sim/api/actions', undefined, '{not json');
    expect(notJson.status).toBe(400);
    const bubble = (await sim.messages('sim-chenhui')).find((m) => !m.fromBot)!;
    const onBubble = await sim.call('POST', '/sim/api/actions', { from, message: bubble.id, action: 0 });
    expect(onBubble).toMatchObject({ status: 400, body: { message: '这条消息不是卡片，没有按钮' } });
  });

  it('refuses to move a system clock', async () => {
    const res = await sim.call('POST', '/sim/api/clock', { advance: 'PT3H' });
    expect(res.status).toBe(409);
    expect(res.body.message).toContain('HUYING_CLOCK=manual');
  });

  it('pushes new messages to the page over Server-Sent Events', async () => {
    const res = await sim.app.request('/sim/api/events');
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (what: string) => {
      while (!text.includes(what)) text += decoder.decode((await reader.read()).value);
    };
    await until('event: hello');
    await sim.say('梁益莉', 'sim-jinhualu', '帮助');
    await until('呼应 · 使用说明');
    expect(text).toMatch(/event: message\ndata: \{.*"chat":"sim-jinhualu".*\nid: \d+/);
    await reader.cancel();
  });
});

describe('the simulator with the manual clock', () => {
  it('moves time, and the bot’s answers come through the job layer', async () => {
    const clock = new ManualClock('2026-11-23T02:00:00Z');
    const sim = await simulator(clock);
    expect((await sim.state()).clock).toMatchObject({ mode: 'manual', display: '2026-11-23 10:00' });
    const moved = await sim.call('POST', '/sim/api/clock', { advance: 'PT3H' });
    expect(moved).toMatchObject({ status: 200, body: { ok: true, clock: { display: '2026-11-23 13:00' } } });
    for (const advance of ['three hours', 'PT0S', 'P999D'])
      expect((await sim.call('POST', '/sim/api/clock', { advance })).status).toBe(400);
    expect((await sim.call('POST', '/sim/api/clock', {})).status).toBe(400);

    // the answer waits for what the bot said, sent by the send worker like every platform's rows
    const res = await sim.say('呼应办值班', 'sim-office', '帮助');
    expect(res.body.result.status).toBe('handled');
    expect((await sim.lastCard('sim-office', 'help')).at).toBe(clock.now().toISOString());
    const pending = await t.db
      .selectFrom('outbox')
      .select('id')
      .where('platform', '=', 'sim')
      .where('state', '=', 'pending')
      .execute();
    expect(pending).toEqual([]);
  });

  it('lands a retried send once', async () => {
    const sim = await simulator(systemClock);
    const sender = sim.services.senders.get('sim')!;
    const out = {
      chatId: 'sim-office',
      message: { kind: 'notice', title: '测试', tone: 'info' as const },
      replyTo: null,
      idempotencyKey: 'retry-once',
      mentions: [],
    };
    const [a, b] = await Promise.all([sender.send(out), sender.send(out)]);
    expect(a.messageId).toBe(b.messageId);
    expect((await sim.messages('sim-office')).filter((m) => m.message?.title === '测试')).toHaveLength(1);
  });
});

describe('what a new user found missing in the simulator', () => {
  it('takes a photo with a report, keeps it and shows it on the cards', async () => {
    const sim = await simulator(systemClock);
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    const resident = sim.who('晨辉社区居民·张阿姨');
    const said = await sim.call('POST', '/sim/api/chats/sim-chenhui/messages', {
      from: resident.id,
      text: '@呼应 晨辉路40号井盖没了',
      images: [{ type: 'image/png', data: png.toString('base64') }],
    });
    expect(said.status).toBe(200);
    const ref = said.body.message.images[0];
    expect(ref).toMatch(/^sim-image:\d+$/);
    const photo = await sim.app.request(`/sim/api/images/${encodeURIComponent(ref)}`);
    expect(photo.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await photo.arrayBuffer())).toEqual(png);
    const triage = await sim.lastCard('sim-jinhualu', 'triage');
    expect(triage.message!.images).toEqual([{ ref, alt: '现场图片' }]);
    // nothing but pictures, or one that is not a picture, is refused with the reason
    const bad = await sim.call('POST', '/sim/api/chats/sim-chenhui/messages', {
      from: resident.id,
      text: 'x',
      images: [{ type: 'text/html', data: 'PGgxPg==' }],
    });
    expect(bad).toMatchObject({ status: 400, body: { message: '图片须为 JPEG、PNG、WebP 或 GIF' } });
  });

  it('answers a refusal to the one persona who gave the command (仅你可见)', async () => {
    const sim = await simulator(systemClock);
    const res = await sim.say('区水务局联络员', 'sim-swj', '结案 0001');
    expect(res.body.result.status).toBe('refused');
    const answer = (await sim.messages('sim-swj')).at(-1)!;
    expect(answer.message!.title).toBe('未能办理');
    expect(answer.to).toBe(sim.who('区水务局联络员').id);
  });

  it('moves the manual clock by presets: the next working morning, the next 1st', async () => {
    // Friday 27 November 2026, 16:00
    const sim = await simulator(new ManualClock('2026-11-27T08:00:00Z'));
    const to = async (preset: string) =>
      (await sim.call('POST', '/sim/api/clock', { to: preset })).body.clock.display;
    expect(await to('next-morning')).toBe('2026-11-28 09:00');
    expect(await to('next-working-morning')).toBe('2026-11-30 09:00');
    expect(await to('next-month')).toBe('2026-12-01 09:00');
    const wrong = await sim.call('POST', '/sim/api/clock', { to: 'tomorrow-ish' });
    expect(wrong.status).toBe(400);
  });
});
