// The WeChat account's login state on the mock puppet: while logged out the sender is not ready
// and messages wait in the outbox; after login they all go out, once. The office hears of both
// (on its Lark chat), and /admin/wechat shows the state and the QR code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wechatAdminRoutes } from '../../bot/wechat/index.ts';
import { notice } from '../../handlers/messages.ts';
import { systemActor } from '../../handlers/people.ts';
import { runWork } from '../../handlers/work.ts';
import { ADMIN_TOKEN, type WechatWorld, wechatWorld } from '../harness/wechat.ts';

let w: WechatWorld;
beforeAll(async () => {
  w = await wechatWorld();
});
afterAll(async () => w?.close());

const officeTitles = async () =>
  (
    await w.t.db
      .selectFrom('outbox')
      .select('payload')
      .where('platform', '=', 'lark')
      .where('chat_id', '=', 'oc_sample_office')
      .orderBy('id')
      .execute()
  ).map((r) => (r.payload as { message: { title: string } }).message.title);

/** The office notice is written by the login/logout handler just after the state changes. */
async function officeHears(title: string, times = 1) {
  const count = async () => (await officeTitles()).filter((t) => t === title).length;
  for (const end = Date.now() + 5000; Date.now() < end && (await count()) < times; )
    await new Promise((r) => setTimeout(r, 10));
  expect(await count()).toBe(times);
}

const pendingWechat = async () =>
  (
    await w.t.db
      .selectFrom('outbox')
      .select('id')
      .where('platform', '=', 'wechat')
      .where('state', '=', 'pending')
      .execute()
  ).length;

describe('logged out, then back', () => {
  it('keeps messages in the outbox while logged out and sends each once after login', async () => {
    await w.deliver();
    await w.logout();
    expect(w.handle.sender.ready()).toBe(false);
    expect(w.handle.status().state).toBe('logged_out');
    await officeHears('微信机器人已退出登录');

    // Three notices for 东湖街道 (bound only to its WeChat room) while WeChat is away.
    for (const n of [1, 2, 3])
      await runWork(w.services.ctx, systemActor, null, (work) =>
        work.toUnit('donghu', notice(`测试通知 ${n}`, `第${n}条`)),
      );
    expect(await pendingWechat()).toBe(3);
    expect(await w.deliver()).toBe(0);
    expect(await pendingWechat()).toBe(3);
    await expect(
      w.handle.sender.send({
        chatId: 'topic:东湖街道工作群',
        message: notice('直接发送', '不应发出'),
        replyTo: null,
        idempotencyKey: 'while-logged-out',
        mentions: [],
      }),
    ).rejects.toMatchObject({ name: 'SendError', kind: 'retry' });

    await w.login();
    await officeHears('微信机器人已登录', 2); // at start, and now
    expect(await w.deliver()).toBe(3);
    expect(await w.deliver()).toBe(0);
    expect(await pendingWechat()).toBe(0);
    const street = w.heard('street');
    for (const n of [1, 2, 3])
      expect(street.filter((t) => t.startsWith(`【测试通知 ${n}】`))).toHaveLength(1);
    expect(street.some((t) => t.includes('不应发出'))).toBe(false);
  });

  it('does not post twice when a send is retried with the same idempotency key', async () => {
    const out = {
      chatId: 'topic:东湖街道工作群',
      message: notice('重试', '只发一次'),
      replyTo: null,
      idempotencyKey: 'retry-key-1',
      mentions: [],
    };
    const a = await w.handle.sender.send(out);
    const b = await w.handle.sender.send(out);
    expect(b.messageId).toBe(a.messageId);
    expect(a.messageId).toBe('wechat-retry-key-1');
    expect(w.heard('street').filter((t) => t.startsWith('【重试】'))).toHaveLength(1);
  });

  it('splits a long message on line boundaries', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => `第${i + 1}行：${'情况说明'.repeat(5)}`);
    const before = w.heard('street').length;
    await w.handle.sender.send({
      chatId: 'topic:东湖街道工作群',
      message: notice('长消息', lines.join('\n')),
      replyTo: null,
      idempotencyKey: 'long-1',
      mentions: [],
    });
    const parts = w.heard('street').slice(before);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(1500 + 4);
    expect(parts[1].startsWith('（续）第')).toBe(true);
    expect(parts.join('\n')).toContain('第120行');
  });
});

describe('/admin/wechat', () => {
  const app = () => wechatAdminRoutes(w.handle.status, ADMIN_TOKEN);

  it('needs the admin token', async () => {
    expect((await app().request('/')).status).toBe(401);
  });

  it('shows the login state', async () => {
    const res = await app().request('/?format=json', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ state: 'logged_in', user: { name: '呼应' } });
    const page = await (await app().request(`/?token=${ADMIN_TOKEN}`)).text();
    expect(page).toContain('已登录');
    expect(page).toContain('呼应');
  });

  it('shows the QR code while waiting for a scan, and tells the office once', async () => {
    await w.logout();
    w.mocker.scan('https://login.weixin.qq.com/l/test-qr', 2);
    w.mocker.scan('https://login.weixin.qq.com/l/test-qr-2', 2);
    await officeHears('微信机器人等待扫码登录');
    const s = w.handle.status();
    expect(s.state).toBe('waiting_scan');
    expect(s.qrcode?.url).toBe(
      `https://wechaty.js.org/qrcode/${encodeURIComponent('https://login.weixin.qq.com/l/test-qr-2')}`,
    );
    const page = await (await app().request(`/?token=${ADMIN_TOKEN}`)).text();
    expect(page).toContain('等待扫码登录');
    expect(page).toContain(`https://wechaty.js.org/qrcode/`);
    expect(page).toMatch(/<img src="data:image\/png;base64,/); // drawn here, not by a third party
    await w.login();
    expect(w.handle.status().qrcode).toBeUndefined();
  });
});
