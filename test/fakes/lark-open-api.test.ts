// Drives the real Lark SDK against the fake Open API, and pins down how the SDK reports each error.
import { randomBytes } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as lark from '@larksuiteoapi/node-sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeLark, startFakeLark } from './lark-open-api.ts';

// The SDK's token cache is process-wide and keyed by appId unless a client gets its own.
class MemoryCache implements lark.Cache {
  private values = new Map<string, { value: unknown; expiresAt?: number }>();
  get: lark.Cache['get'] = async (key, options) => {
    const hit = this.values.get(`${options?.namespace ?? ''}/${String(key)}`);
    if (!hit || (hit.expiresAt !== undefined && hit.expiresAt <= Date.now())) return undefined;
    return hit.value;
  };
  set: lark.Cache['set'] = async (key, value, expiresAt, options) => {
    this.values.set(`${options?.namespace ?? ''}/${String(key)}`, { value, expiresAt });
    return true;
  };
}

// `loggerLevel: LoggerLevel.fatal` does not work: fatal is 0 and the SDK reads `level || info`.
const silent = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

function clientFor(fake: FakeLark, opts: { appSecret?: string } = {}) {
  return new lark.Client({
    appId: fake.appId,
    appSecret: opts.appSecret ?? fake.appSecret,
    domain: fake.url,
    cache: new MemoryCache(),
    logger: silent,
  });
}

const card = (title: string) =>
  JSON.stringify({
    schema: '2.0',
    config: { update_multi: true },
    body: { elements: [{ tag: 'markdown', content: title }] },
  });

async function caught(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

describe('fake Lark Open API driven by the real SDK', () => {
  let fake: FakeLark;
  let client: lark.Client;
  const chatId = `oc_${randomBytes(16).toString('hex')}`;

  beforeEach(async () => {
    fake = await startFakeLark({ appId: `cli_${randomBytes(8).toString('hex')}`, appSecret: 'secret-1' });
    client = clientFor(fake);
  });
  afterEach(async () => {
    await fake.close();
  });

  const send = (content: string, uuid?: string) =>
    client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'interactive', content, uuid },
    });

  it('records a message create and answers in the shape the SDK returns', async () => {
    const res = await send(card('路灯不亮'), 'case-1-ack');
    expect(res.code).toBe(0);
    expect(res.data?.message_id).toMatch(/^om_/);
    expect(res.data?.chat_id).toBe(chatId);
    expect(fake.sent).toHaveLength(1);
    expect(fake.sent[0]).toMatchObject({
      message_id: res.data?.message_id,
      receive_id: chatId,
      chat_id: chatId,
      msg_type: 'interactive',
      uuid: 'case-1-ack',
      content: { schema: '2.0', body: { elements: [{ tag: 'markdown', content: '路灯不亮' }] } },
    });
    expect(fake.sent[0].at).toBeGreaterThan(0);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /open-apis/auth/v3/tenant_access_token/internal',
      'POST /open-apis/im/v1/messages',
    ]);
  });

  it('answers bot info through client.request', async () => {
    const res = await client.request<any>({ method: 'GET', url: '/open-apis/bot/v3/info' });
    expect(res).toMatchObject({ code: 0, bot: { open_id: fake.botOpenId, activate_status: 2 } });
  });

  it('fetches one token per client cache and reuses it', async () => {
    await send(card('a'));
    await send(card('b'));
    expect(fake.tokensIssued).toHaveLength(1);
    await clientFor(fake).im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: 'x' }) },
    });
    expect(fake.tokensIssued).toHaveLength(2);
  });

  it('deduplicates on uuid: the second send returns the first message_id and records nothing', async () => {
    const first = await send(card('once'), 'dup-uuid');
    const second = await send(card('once, again'), 'dup-uuid');
    expect(second.data?.message_id).toBe(first.data?.message_id);
    expect(fake.sent).toHaveLength(1);
    await send(card('other'), 'other-uuid');
    expect(fake.sent).toHaveLength(2);
  });

  it('in slow mode, records a send when it answers, and one uuid once even while it is answering', async () => {
    fake.latencyMs = 300;
    const first = send(card('slow'), 'slow-uuid');
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.inFlight).toBe(1);
    expect(fake.sent).toHaveLength(0);
    // a retry by another worker while the first answer is on its way
    const [a, b] = await Promise.all([first, send(card('slow, again'), 'slow-uuid')]);
    expect(b.data?.message_id).toBe(a.data?.message_id);
    expect(fake.sent).toHaveLength(1);
    expect(fake.uuidRequests.get('slow-uuid')).toBe(2);
    expect(fake.inFlight).toBe(0);
  });

  // How the SDK surfaces errors, for the send worker: every non-2xx answer makes the SDK method
  // THROW the axios error (e.isAxiosError === true) after logging it; the Lark code is at
  // e.response.data.code, the HTTP status at e.response.status. Nothing is returned. An HTTP 200
  // that carries a non-zero code is the opposite case: it is RETURNED as {code, msg}, no throw
  // (and image.create then returns null, losing the code), so callers must check both.
  it('rate limit (230020) throws with response.status 400 and response.data.code 230020', async () => {
    fake.failNext(1, 'rate_limit');
    const e = await caught(send(card('x'), 'retry-me'));
    expect(e.isAxiosError).toBe(true);
    expect(e.response.status).toBe(400);
    expect(e.response.data).toMatchObject({ code: 230020 });
    expect(fake.sent).toHaveLength(0);
    // Only n sends fail; retrying with the same uuid goes through, since nothing was recorded.
    const ok = await send(card('x'), 'retry-me');
    expect(ok.code).toBe(0);
    expect(fake.sent).toHaveLength(1);
  });

  it.each([
    ['server_error', 500, 1500],
    ['bad_request', 400, 230001],
    ['invalid_token', 400, 99991663],
  ] as const)('%s throws with response.status %i and response.data.code %i', async (kind, status, code) => {
    fake.failNext(1, kind);
    const e = await caught(send(card('x')));
    expect(e.isAxiosError).toBe(true);
    expect(e.response.status).toBe(status);
    expect(e.response.data.code).toBe(code);
    expect(fake.sent).toHaveLength(0);
  });

  it('failNext(n) fails exactly n writes, replies and patches included', async () => {
    const res = await send(card('v1'));
    fake.failNext(2, 'rate_limit');
    const patch = client.im.v1.message.patch({
      path: { message_id: res.data!.message_id! },
      data: { content: card('v2') },
    });
    expect((await caught(patch)).response.data.code).toBe(230020);
    expect((await caught(send(card('y')))).response.data.code).toBe(230020);
    await send(card('z'));
    expect(fake.sent).toHaveLength(2);
    expect(fake.patched).toHaveLength(0);
  });

  it('after revokeTokens the SDK keeps its cached token and gets 99991663 until it has a new cache', async () => {
    await send(card('a'));
    fake.revokeTokens();
    const e = await caught(send(card('b')));
    expect(e.response.data.code).toBe(99991663);
    const again = await caught(send(card('c')));
    expect(again.response.data.code).toBe(99991663);
    expect(fake.tokensIssued).toHaveLength(1);
  });

  it('a wrong app secret fails the token fetch, so the send throws before reaching the API', async () => {
    const bad = clientFor(fake, { appSecret: 'wrong' });
    const e = await caught(
      bad.im.v1.message.create({
        params: { receive_id_type: 'chat_id' },
        data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: 'x' }) },
      }),
    );
    expect(e.response.data.code).toBe(10014);
    expect(fake.requests.map((r) => r.path)).toEqual(['/open-apis/auth/v3/tenant_access_token/internal']);
  });

  it('records a reply and a card patch', async () => {
    const created = await send(card('已受理'));
    const cardId = created.data!.message_id!;
    const reply = await client.im.v1.message.reply({
      path: { message_id: cardId },
      data: { msg_type: 'text', content: JSON.stringify({ text: '处理中' }), uuid: 'reply-1' },
    });
    expect(reply.code).toBe(0);
    expect(reply.data?.parent_id).toBe(cardId);
    expect(fake.sent[1]).toMatchObject({
      message_id: reply.data?.message_id,
      reply_to: cardId,
      chat_id: chatId,
      msg_type: 'text',
      content: { text: '处理中' },
      uuid: 'reply-1',
    });

    const patched = await client.im.v1.message.patch({
      path: { message_id: cardId },
      data: { content: card('已办结') },
    });
    expect(patched.code).toBe(0);
    expect(fake.patched).toEqual([
      {
        message_id: cardId,
        content: expect.objectContaining({ body: { elements: [{ tag: 'markdown', content: '已办结' }] } }),
      },
    ]);
  });

  it('replies to a user message the test registered get its chat_id', async () => {
    fake.rememberMessage('om_user_message', chatId);
    await client.im.v1.message.reply({
      path: { message_id: 'om_user_message' },
      data: { msg_type: 'text', content: JSON.stringify({ text: '收到' }) },
    });
    expect(fake.sent[0]).toMatchObject({ reply_to: 'om_user_message', chat_id: chatId });
  });

  it('refuses to patch a message it never sent, or one that is not a card', async () => {
    const e = await caught(
      client.im.v1.message.patch({ path: { message_id: 'om_unknown' }, data: { content: card('x') } }),
    );
    expect(e.response.data.code).toBe(230001);
    const text = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: chatId, msg_type: 'text', content: JSON.stringify({ text: 'x' }) },
    });
    const e2 = await caught(
      client.im.v1.message.patch({
        path: { message_id: text.data!.message_id! },
        data: { content: card('x') },
      }),
    );
    expect(e2.response.data.code).toBe(230054);
  });

  it('rejects content that is not a JSON string', async () => {
    const e = await caught(send('{not json'));
    expect(e.response.data.code).toBe(230001);
    expect(fake.sent).toHaveLength(0);
  });

  describe('images', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'fake-lark-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('uploads a file stream and returns {image_key} unwrapped', async () => {
      const file = join(dir, 'chart.png');
      writeFileSync(file, randomBytes(4096));
      const res = await client.im.v1.image.create({
        data: { image_type: 'message', image: createReadStream(file) },
      });
      expect(res?.image_key).toMatch(/^img_v3_/);
      expect(fake.images).toEqual([{ image_key: res?.image_key, bytes: 4096 }]);
    });

    it('uploads an in-memory stream when it carries a file name (`path`)', async () => {
      const bytes = randomBytes(1000);
      const stream = Object.assign(Readable.from([bytes]), { path: 'chart.png' });
      const res = await client.im.v1.image.create({
        data: { image_type: 'message', image: stream as unknown as ReadStream },
      });
      expect(fake.images).toEqual([{ image_key: res?.image_key, bytes: 1000 }]);
    });

    it('refuses a nameless part (a Buffer, or a bare Readable.from) as an error the SDK throws', async () => {
      const fromBuffer = await caught(
        client.im.v1.image.create({ data: { image_type: 'message', image: randomBytes(10) } }),
      );
      expect(fromBuffer.response.data.code).toBe(234001);
      const bare = await caught(
        client.im.v1.image.create({
          data: { image_type: 'message', image: Readable.from([randomBytes(10)]) as unknown as ReadStream },
        }),
      );
      expect(bare.response.data.code).toBe(234001);
      expect(fake.images).toHaveLength(0);
    });

    it('serves message resources', async () => {
      const bytes = randomBytes(3000);
      fake.addResource('om_photo', 'img_v3_user', bytes);
      const res = await client.im.v1.messageResource.get({
        path: { message_id: 'om_photo', file_key: 'img_v3_user' },
        params: { type: 'image' },
      });
      const chunks: Buffer[] = [];
      for await (const chunk of res.getReadableStream()) chunks.push(Buffer.from(chunk as Buffer));
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
      const missing = await caught(
        client.im.v1.messageResource.get({
          path: { message_id: 'om_photo', file_key: 'img_v3_other' },
          params: { type: 'image' },
        }),
      );
      expect(missing.response.status).toBe(400);
    });
  });

  it('waitForSent resolves once enough messages are accepted, and times out otherwise', async () => {
    const waiting = fake.waitForSent(3);
    await Promise.all([send(card('1')), send(card('2')), send(card('3'))]);
    expect(await waiting).toHaveLength(3);
    await expect(fake.waitForSent(4, 50)).rejects.toThrow(/got 3/);
  });

  it('answers unknown paths with a 404 JSON and requires a token elsewhere', async () => {
    const notFound = await fetch(`${fake.url}/open-apis/nope`, {
      headers: { Authorization: `Bearer ${fake.tokensIssued[0] ?? 'x'}` },
    });
    expect(notFound.status).toBe(400); // no valid token yet: auth is checked first
    await send(card('get a token'));
    const res = await fetch(`${fake.url}/open-apis/nope`, {
      headers: { Authorization: `Bearer ${fake.tokensIssued[0]}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 404 });
    const outside = await fetch(`${fake.url}/elsewhere`);
    expect(outside.status).toBe(404);
    const noToken = await fetch(`${fake.url}/open-apis/bot/v3/info`);
    expect(await noToken.json()).toMatchObject({ code: 99991661 });
  });
});
