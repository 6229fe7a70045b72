// The Lark sender against the fake Open API with the real SDK: sends, replies, patches, images,
// and how each failure is classified for the retry policy.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../config/log.ts';
import type { Message } from '../../handlers/messages.ts';
import type { OutgoingMessage } from '../../jobs/platform.ts';
import { type PlatformSendError, SendError } from '../../jobs/platform.ts';
import { type FakeLark, startFakeLark } from '../../test/fakes/lark-open-api.ts';
import { createLarkApi } from './client.ts';
import { LarkSender, larkUuid } from './sender.ts';

const message: Message = {
  kind: 'dispatch',
  callNo: 'JJ-20261123-0001',
  title: '新呼叫请报到 JJ-20261123-0001',
  tone: 'warning',
  fields: [{ label: '编号', value: 'JJ-20261123-0001' }],
  mentions: [{ personId: '7', name: '城管联络员' }],
  buttons: [{ label: '报到', command: '报到 JJ-20261123-0001 cgw', style: 'primary' }],
};

const out = (o: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  chatId: 'oc_sample_cgw',
  message,
  replyTo: null,
  idempotencyKey: randomBytes(8).toString('hex'),
  mentions: [{ personId: '7', name: '城管联络员', platformUserId: 'ou_sample_cgw1' }],
  ...o,
});

async function failure(p: Promise<unknown>): Promise<PlatformSendError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SendError);
    return e as PlatformSendError;
  }
  throw new Error('expected a SendError');
}

describe('LarkSender', () => {
  let fake: FakeLark;
  let sender: LarkSender;
  beforeEach(async () => {
    fake = await startFakeLark();
    sender = new LarkSender(
      createLarkApi({ appId: fake.appId, appSecret: fake.appSecret, domain: fake.url }, silentLogger),
      silentLogger,
    );
  });
  afterEach(() => fake.close());

  it('sends a private answer as a card only its person sees (仅对你可见), not to the group', async () => {
    const refusal: Message = {
      kind: 'notice',
      title: '未能办理',
      tone: 'warning',
      text: '只有…可以报到',
      private: true,
    };
    const { messageId } = await sender.send(
      out({ message: refusal, privateTo: 'ou_sample_cgw1', replyTo: 'om_x' }),
    );
    expect(fake.sent).toEqual([]);
    expect(fake.ephemeral).toEqual([
      expect.objectContaining({ message_id: messageId, chat_id: 'oc_sample_cgw', open_id: 'ou_sample_cgw1' }),
    ]);
    expect(JSON.stringify(fake.ephemeral[0].card)).toContain('只有…可以报到');
  });

  it('sends an interactive card to the chat, with the idempotency key as uuid and people @-mentioned', async () => {
    const o = out();
    const { messageId } = await sender.send(o);
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({
      message_id: messageId,
      chat_id: 'oc_sample_cgw',
      msg_type: 'interactive',
      uuid: o.idempotencyKey,
    });
    const card = fake.sent[0].content as any;
    expect(card).toMatchObject({ schema: '2.0', header: { title: { content: message.title } } });
    expect(JSON.stringify(card)).toContain('<at id=ou_sample_cgw1></at>');
    // A retry of the same row (same key) is deduplicated by Lark.
    expect((await sender.send(o)).messageId).toBe(messageId);
    expect(fake.sent).toHaveLength(1);
  });

  it('replies to the message it answers', async () => {
    fake.rememberMessage('om_user_report', 'oc_sample_chenhui');
    await sender.send(out({ chatId: 'oc_sample_chenhui', replyTo: 'om_user_report' }));
    expect(fake.sent[0]).toMatchObject({ reply_to: 'om_user_report', chat_id: 'oc_sample_chenhui' });
  });

  it('hashes idempotency keys longer than 50 characters, stably', async () => {
    const key = `outbox:${'x'.repeat(80)}`;
    expect(larkUuid(key).length).toBeLessThanOrEqual(50);
    expect(larkUuid(key)).toBe(larkUuid(key));
    expect(larkUuid('short')).toBe('short');
    await sender.send(out({ idempotencyKey: key }));
    expect(fake.sent[0].uuid).toBe(larkUuid(key));
  });

  it('classifies 230020 as rate_limited, and the retry succeeds', async () => {
    fake.failNext(1, 'rate_limit');
    const o = out();
    const e = await failure(sender.send(o));
    expect(e.kind).toBe('rate_limited');
    expect(e.details).toMatchObject({ platform: 'lark', code: 230020, status: 400, retryAfterMs: 1000 });
    expect(e.method).toBe('im.v1.message.create');
    expect(fake.sent).toHaveLength(0);
    await sender.send(o);
    expect(fake.sent).toHaveLength(1);
  });

  it('classifies 5xx as retry and other 4xx as permanent, keeping code, method and payload', async () => {
    fake.failNext(1, 'server_error');
    expect((await failure(sender.send(out()))).kind).toBe('retry');
    fake.failNext(1, 'bad_request');
    const e = await failure(sender.send(out()));
    expect(e.kind).toBe('permanent');
    expect(e.details).toMatchObject({ code: 230001, status: 400 });
    expect(e.message).toMatch(/im\.v1\.message\.create refused: 230001 invalid receive_id/);
    expect(e.payload).toMatch(/chat oc_sample_cgw, card dispatch JJ-20261123-0001, \d+ bytes/);
  });

  it('fetches a new token after 99991663 and sends', async () => {
    await sender.send(out());
    fake.revokeTokens();
    await sender.send(out());
    expect(fake.sent).toHaveLength(2);
    expect(fake.tokensIssued).toHaveLength(2);
  });

  it('keeps waiting rows for retry when the app secret is wrong', async () => {
    const bad = new LarkSender(
      createLarkApi({ appId: fake.appId, appSecret: 'wrong', domain: fake.url }, silentLogger),
      silentLogger,
    );
    const e = await failure(bad.send(out()));
    expect(e.kind).toBe('retry');
    expect(e.details.code).toBe(10014);
  });

  it('patches a sent card in place', async () => {
    const { messageId } = await sender.send(out());
    await sender.update(messageId, { ...message, buttons: [], note: '✓ 城管联络员 办理：报到' });
    expect(fake.patched).toHaveLength(1);
    expect(JSON.stringify(fake.patched[0].content)).toContain('办理：报到');
    fake.failNext(1, 'rate_limit');
    expect((await failure(sender.update(messageId, message))).kind).toBe('rate_limited');
    const gone = await failure(sender.update('om_never_sent', message));
    expect(gone).toMatchObject({ kind: 'permanent', method: 'im.v1.message.patch' });
  });

  it('uploads an image as a named file part', async () => {
    const key = await sender.uploadImage(randomBytes(2048), 'chart.png');
    expect(key).toMatch(/^img_v3_/);
    expect(fake.images).toEqual([{ image_key: key, bytes: 2048 }]);
    const empty = await failure(sender.uploadImage(Buffer.alloc(0)));
    expect(empty.kind).toBe('permanent');
  });
});

describe('LarkSender when Lark cannot be reached', () => {
  let hanging: Server;
  let port: number;
  beforeEach(async () => {
    // Accepts connections and never answers.
    hanging = createServer(() => {});
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    port = (hanging.address() as AddressInfo).port;
  });
  afterEach(async () => {
    hanging.closeAllConnections();
    await new Promise<void>((r) => hanging.close(() => r()));
  });

  it('times out and classifies it as retry', async () => {
    const api = createLarkApi(
      { appId: 'cli_x', appSecret: 's', domain: `http://127.0.0.1:${port}`, timeoutMs: 300 },
      silentLogger,
    );
    const started = Date.now();
    const e = await failure(new LarkSender(api, silentLogger).send(out()));
    expect(e.kind).toBe('retry');
    expect(e.message).toMatch(/unreachable/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('classifies a refused connection as retry', async () => {
    const api = createLarkApi({ appId: 'cli_x', appSecret: 's', domain: 'http://127.0.0.1:1' }, silentLogger);
    expect((await failure(new LarkSender(api, silentLogger).send(out()))).kind).toBe('retry');
  });
});
