// The whole general call over WeCom alone, through the real server and its wiring: a resident's
// @-mention in the community group → the street's 按建议呼叫 → the department's 报到 and 办结 →
// 结案 → the scores, typed as the words the cards give, and cards pressed where WeCom shows
// buttons. Callbacks are signed and encrypted with @wecom/crypto as WeCom sends them; what the
// service says reaches the fake WeCom by response_url or by each group's webhook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServiceEnv } from '../../bot/adapters.ts';
import { type Server, startServer } from '../../bot/server.ts';
import { WecomSender } from '../../bot/wecom/sender.ts';
import { systemClock } from '../../config/clock.ts';
import { silentLogger } from '../../config/log.ts';
import { queueRows } from '../../db/outbox.ts';
import type { Ctx } from '../../handlers/context.ts';
import { drainOutbox } from '../../jobs/deliver.ts';
import type { PlatformSender } from '../../jobs/platform.ts';
import { freshDb, type TestDb } from '../db.ts';
import {
  cardEventCallback,
  type FakeWecom,
  messageCallback,
  openAnswer,
  signedCallback,
  startFakeWecom,
} from '../fakes/wecom-api.ts';
import { GROUPS, USERS, wecomDistrict, wecomEnv } from '../harness/wecom.ts';
import { redisEnv } from '../queues.ts';

describe('a general call, walked over WeCom callbacks alone', () => {
  let t: TestDb;
  let fake: FakeWecom;
  let server: Server;
  let ctx: Ctx;
  let senders: Map<string, PlatformSender>;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeWecom();
    env = wecomEnv(fake);
    const { district, file } = wecomDistrict();
    t = await freshDb({ district });
    server = await startServer(
      loadServiceEnv({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: t.url,
        ...redisEnv(),
        ...env,
        HUYING_CONFIG: file,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
      }),
      { role: 'web', log: silentLogger },
    );
    ctx = { db: t.db, district: t.district, clock: systemClock, log: silentLogger };
    const webhooks = Object.fromEntries(env.WECOM_GROUP_WEBHOOKS.split(',').map((p) => p.split('=')));
    senders = new Map([
      ['wecom', new WecomSender({ apiBase: fake.url, botName: '呼应', webhooks, log: silentLogger })],
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await fake?.close();
    await t?.close();
  });

  async function post(plain: object) {
    const req = signedCallback(fake, plain);
    const res = await fetch(`http://127.0.0.1:${server.port}/webhooks/wecom?${req.query}`, {
      method: 'POST',
      body: req.body,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    return text ? openAnswer(fake, JSON.parse(text)) : undefined;
  }

  /** Waits until the server has processed the callback, then delivers what it queued. */
  async function settle(msgid: string) {
    for (let i = 0; i < 500; i++) {
      const row = await t.db
        .selectFrom('inbound_events')
        .select(['state', 'error'])
        .where('event_id', '=', msgid)
        .executeTakeFirst();
      if (row && row.state !== 'received') {
        expect(row.error).toBeNull();
        return drainOutbox(ctx, senders);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`callback ${msgid} was not processed`);
  }

  const inChat = (chatId: string) => fake.sent.filter((s) => s.chatId === chatId);
  const textOf = (s: { content?: string; card?: any }) => s.content ?? JSON.stringify(s.card);
  /** The words the chat's latest message gives for an action: 「label：回复「@呼应 …」」 or 「回复「@呼应 verb …」」. */
  function wordsFor(chatId: string, verb: string): string {
    const all = inChat(chatId).map(textOf).join('\n');
    const m = [
      ...all.matchAll(new RegExp(`(?:${verb}：回复「@呼应 |回复「@呼应 (?=${verb}))([^」]*)」`, 'g')),
    ].at(-1);
    expect(m, `words for ${verb} in ${chatId}:\n${all}`).toBeDefined();
    return m![1];
  }

  async function say(chatId: string, userId: string, text: string) {
    const cb = messageCallback(fake, { chatId, userId, text });
    expect(await post(cb)).toBeUndefined();
    await settle(cb.msgid);
    return cb;
  }

  const call = () => t.db.selectFrom('calls').selectAll().executeTakeFirstOrThrow();

  it('runs from the report to the archive', async () => {
    const report = messageCallback(fake, {
      chatId: GROUPS.community,
      userId: USERS.resident,
      text: '晨辉路12号路灯不亮了，晚上很黑',
    });
    expect(await post(report)).toBeUndefined();
    // WeCom calls back again (no answer within 5 s, say): the same msgid changes nothing
    expect(await post(report)).toBeUndefined();
    await settle(report.msgid);
    expect(await t.db.selectFrom('calls').select('id').execute()).toHaveLength(1);
    const receipt = inChat(GROUPS.community);
    expect(receipt).toHaveLength(1);
    expect(receipt[0]).toMatchObject({ via: 'response_url', answering: report.msgid });
    const triage = inChat(GROUPS.street).at(-1)!;
    expect(triage).toMatchObject({ via: 'webhook', msgtype: 'text' });
    expect(triage.content).toMatch(/^【新呼叫待研判/);
    const no = (await call()).no;

    await say(GROUPS.street, USERS.staff, wordsFor(GROUPS.street, '按建议呼叫'));
    expect((await call()).state).toBe('dispatched');
    const dispatch = inChat(GROUPS.cgw).at(-1)!;
    expect(dispatch.content).toContain(`新呼叫请报到 ${no}`);
    expect(dispatch.mentioned).toContain(USERS.liaison);

    await say(GROUPS.cgw, USERS.liaison, wordsFor(GROUPS.cgw, '报到'));
    expect((await call()).state).toBe('acknowledged');

    await say(
      GROUPS.cgw,
      USERS.liaison,
      `${wordsFor(GROUPS.cgw, '办结').split(' ').slice(0, 2).join(' ')} 已更换灯泡，恢复照明`,
    );
    expect((await call()).state).toBe('resolved');
    expect(inChat(GROUPS.street).map(textOf).join('\n')).toContain('已更换灯泡，恢复照明');

    await say(GROUPS.street, USERS.staff, wordsFor(GROUPS.street, '结案'));
    expect((await call()).state).toBe('closed');
    expect(inChat(GROUPS.community).map(textOf).join('\n')).toMatch(/您反映的问题已办结/);

    // The resident's rating card went to the group as words (a group robot shows no buttons);
    // as an answer by response_url it is a template card whose buttons are pressed.
    const rating = await t.db
      .selectFrom('outbox')
      .selectAll()
      .where('chat_id', '=', GROUPS.community)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect((rating.payload as any).message.buttons.map((b: any) => b.label)).toContain('满意');
    await queueRows(t.db, [
      {
        created_at: new Date(),
        kind: 'message',
        platform: 'wecom',
        chat_id: GROUPS.community,
        call_id: rating.call_id,
        payload: JSON.stringify({ ...rating.payload, replyTo: fake.responseUrl(GROUPS.community, 'asked') }),
        idempotency_key: 'wecom-walk:rating-card',
        available_at: new Date(),
      },
    ]);
    await drainOutbox(ctx, senders);
    const card = inChat(GROUPS.community).at(-1)!;
    expect(card).toMatchObject({ via: 'response_url', msgtype: 'template_card' });
    expect(card.card).toMatchObject({
      card_type: 'button_interaction',
      main_title: { title: expect.stringMatching(/^您反映的问题已办结/) },
    });
    const satisfied = card.card.button_list.find((b: any) => b.text === '满意');
    const press = cardEventCallback(fake, {
      chatId: GROUPS.community,
      userId: USERS.resident,
      taskId: card.card.task_id,
      eventKey: satisfied.key,
    });
    const answer = await post(press);
    // the card replaced in the answer (encrypted, signed), its buttons gone: who did what, when
    expect(answer).toMatchObject({
      response_type: 'update_template_card',
      template_card: { task_id: card.card.task_id },
    });
    expect(answer.template_card.sub_title_text).toMatch(/办理：满意/);
    expect(answer.template_card.button_list).toEqual([{ text: '已办理', style: 4, key: '__done__' }]);
    await settle(press.msgid);

    const scoreWords = wordsFor(GROUPS.street, '提交评分');
    const short = no.slice(-4);
    expect(scoreWords).toMatch(new RegExp(`^评分 ${short} 城管委 `));
    await say(
      GROUPS.street,
      USERS.staff,
      `${scoreWords.split(' ').slice(0, 3).join(' ')} 20 18 20 19 20 处置及时`,
    );
    expect((await call()).state).toBe('archived');
    const score = await t.db.selectFrom('scores').selectAll().executeTakeFirstOrThrow();
    expect(score).toMatchObject({ unit_code: 'cgw', total: 97, comment: '处置及时' });
    const events = await t.db.selectFrom('call_events').select('kind').orderBy('id').execute();
    expect(events.map((e) => e.kind)).toEqual([
      'reported',
      'called',
      'acknowledged',
      'resolved',
      'closed',
      'rated',
      'scored',
      'archived',
    ]);
    const inbound = await t.db.selectFrom('inbound_events').select(['state']).execute();
    expect(new Set(inbound.map((i) => i.state))).toEqual(new Set(['processed']));
  });
});
