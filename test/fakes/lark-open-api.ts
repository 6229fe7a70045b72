// A local fake of the Lark Open API (tokens, bot info, message send/reply/patch, images) for tests:
// it deduplicates sends on `uuid` as Lark does (also while a slow answer is still on its way).
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';

export interface SentMessage {
  message_id: string;
  receive_id: string;
  chat_id: string;
  msg_type: string;
  /** The `content` JSON string, parsed. */
  content: unknown;
  uuid: string | undefined;
  /** For replies: the message replied to. */
  reply_to?: string;
  reply_in_thread?: boolean;
  /** When the fake accepted it, epoch ms. */
  at: number;
}

export type FailKind = 'rate_limit' | 'server_error' | 'bad_request' | 'invalid_token';

export interface FakeLark {
  url: string;
  appId: string;
  appSecret: string;
  botOpenId: string;
  sent: SentMessage[];
  patched: { message_id: string; content: unknown }[];
  /** Cards sent "only visible to you" (ephemeral/v1/send): to one person in a group. */
  ephemeral: { message_id: string; chat_id: string; open_id: string; card: unknown; at: number }[];
  images: { image_key: string; bytes: number }[];
  requests: { method: string; path: string }[];
  /** Tenant tokens issued so far (the SDK fetches one per cache, so this counts token fetches). */
  tokensIssued: string[];
  /** How long each message create or reply takes to answer, in ms (slow mode; 0 by default). A
   * message is recorded when its answer goes, even if the caller is gone by then. */
  latencyMs: number;
  /** Message creates and replies being answered now (slow mode). */
  readonly inFlight: number;
  /** Every create or reply request by its `uuid`, duplicates included (a retry after a lost
   * answer shows here as 2, and once in `sent`). */
  uuidRequests: Map<string, number>;
  /** The next n writes (message create, reply, patch; image upload) answer with this Lark error. */
  failNext(n: number, kind: FailKind): void;
  /** Every token issued so far turns invalid (99991663), as after an expiry or a secret rotation. */
  revokeTokens(): void;
  /** Serve bytes for GET /im/v1/messages/:messageId/resources/:fileKey. */
  addResource(messageId: string, fileKey: string, bytes: Buffer): void;
  /** Make a message the bot did not send (a user's, say) known, so replies get its chat_id. */
  rememberMessage(messageId: string, chatId: string, msgType?: string): void;
  waitForSent(n: number, timeoutMs?: number): Promise<SentMessage[]>;
  close(): Promise<void>;
}

// Error bodies as the docs list them. The error table of im-v1/message/create (and .../patch)
// gives HTTP 400 for every 2300xx code, 230020 included. HTTP 429 is reportedly (third-party
// code, not the docs) the gateway's per-app quota with code 99991400, which this fake does not model.
const FAILURES: Record<FailKind, { status: 400 | 500; body: { code: number; msg: string } }> = {
  rate_limit: {
    status: 400,
    body: { code: 230020, msg: 'The message sending frequency exceeds the limit' },
  },
  // Only the 5xx status matters to a caller; the body code is the generic "internal error" of the
  // server error-code list.
  server_error: { status: 500, body: { code: 1500, msg: 'internal error' } },
  bad_request: { status: 400, body: { code: 230001, msg: 'invalid receive_id' } },
  // The docs found give no HTTP status for 9999166x; 400 is assumed (it is what the gateway sends
  // for other request errors), so callers must not rely on the status to recognise it.
  invalid_token: {
    status: 400,
    body: {
      code: 99991663,
      msg: 'Invalid access token for authorization. Please make a request with token attached.',
    },
  },
};

const RECEIVE_ID_TYPES = new Set(['open_id', 'union_id', 'user_id', 'email', 'chat_id']);
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

interface StoredMessage {
  chat_id: string;
  msg_type: string;
  response: Record<string, unknown>;
}

export async function startFakeLark(
  opts: { appId?: string; appSecret?: string; botOpenId?: string; latencyMs?: number } = {},
): Promise<FakeLark> {
  const appId = opts.appId ?? `cli_${hex(8)}`;
  const appSecret = opts.appSecret ?? hex(16);
  const botOpenId = opts.botOpenId ?? `ou_${hex(16)}`;
  const tenantKey = 'tenant_test';

  const sent: SentMessage[] = [];
  const patched: FakeLark['patched'] = [];
  const ephemeral: FakeLark['ephemeral'] = [];
  const images: FakeLark['images'] = [];
  const requests: FakeLark['requests'] = [];
  const tokensIssued: string[] = [];
  const validTokens = new Set<string>();
  const messages = new Map<string, StoredMessage>();
  const byUuid = new Map<string, string>();
  const resources = new Map<string, Buffer>();
  const p2pChats = new Map<string, string>();
  const failQueue: FailKind[] = [];
  const sentListeners = new Set<() => void>();

  const larkError = (c: Context, status: 400 | 404 | 500, code: number, msg: string) =>
    c.json({ code, msg, error: { log_id: hex(16).toUpperCase() } }, status);

  const issueToken = (prefix: string) => {
    const token = `${prefix}${hex(16)}`;
    validTokens.add(token);
    tokensIssued.push(token);
    return token;
  };

  const notifySent = () => {
    for (const listener of sentListeners) listener();
  };

  // Returns an error response when the write must fail, else undefined.
  const injectedFailure = (c: Context) => {
    const kind = failQueue.shift();
    if (!kind) return undefined;
    const f = FAILURES[kind];
    return larkError(c, f.status, f.body.code, f.body.msg);
  };

  const parseContent = (content: unknown): { ok: true; value: unknown } | { ok: false } => {
    if (typeof content !== 'string') return { ok: false };
    try {
      return { ok: true, value: JSON.parse(content) };
    } catch {
      return { ok: false };
    }
  };

  const readJson = async (c: Context): Promise<Record<string, unknown> | undefined> => {
    try {
      const body = await c.req.json();
      return body && typeof body === 'object' ? (body as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };

  const uuidRequests = new Map<string, number>();
  /** creates and replies answered after a delay, by uuid: a second request with the same uuid
   * meanwhile gets the same message, as it would once the first was stored */
  const answering = new Map<string, Promise<Record<string, unknown>>>();
  let latencyMs = opts.latencyMs ?? 0;
  let inFlight = 0;

  // Records one accepted create/reply, deduplicating on uuid the way Lark does for an hour.
  const accept = async (
    c: Context,
    m: {
      receive_id: string;
      chat_id: string;
      msg_type: string;
      content: string;
      uuid?: string;
      reply_to?: string;
    },
    extra: { reply_in_thread?: boolean },
  ) => {
    if (m.uuid) {
      uuidRequests.set(m.uuid, (uuidRequests.get(m.uuid) ?? 0) + 1);
      const firstId = byUuid.get(m.uuid);
      const first = firstId ? messages.get(firstId) : undefined;
      if (first) return c.json({ code: 0, msg: 'success', data: first.response });
      const pending = answering.get(m.uuid);
      if (pending) return c.json({ code: 0, msg: 'success', data: await pending });
    }
    if (!latencyMs) return c.json({ code: 0, msg: 'success', data: record(m, extra) });
    const delay = latencyMs;
    const answer = (async () => {
      inFlight++;
      try {
        await new Promise((r) => setTimeout(r, delay));
        return record(m, extra);
      } finally {
        inFlight--;
      }
    })();
    if (m.uuid) answering.set(m.uuid, answer);
    try {
      return c.json({ code: 0, msg: 'success', data: await answer });
    } finally {
      if (m.uuid) answering.delete(m.uuid);
    }
  };

  const record = (
    m: Parameters<typeof accept>[1],
    extra: Parameters<typeof accept>[2],
  ): Record<string, unknown> => {
    const message_id = `om_${hex(16)}`;
    const now = Date.now();
    const reply = m.reply_to ? messages.get(m.reply_to) : undefined;
    const response: Record<string, unknown> = {
      message_id,
      ...(m.reply_to
        ? { root_id: (reply?.response.root_id as string | undefined) ?? m.reply_to, parent_id: m.reply_to }
        : {}),
      msg_type: m.msg_type,
      create_time: String(now),
      update_time: String(now),
      deleted: false,
      updated: false,
      chat_id: m.chat_id,
      sender: { id: appId, id_type: 'app_id', sender_type: 'app', tenant_key: tenantKey },
      body: { content: m.content },
    };
    messages.set(message_id, { chat_id: m.chat_id, msg_type: m.msg_type, response });
    if (m.uuid) byUuid.set(m.uuid, message_id);
    sent.push({
      message_id,
      receive_id: m.receive_id,
      chat_id: m.chat_id,
      msg_type: m.msg_type,
      content: JSON.parse(m.content),
      uuid: m.uuid,
      ...(m.reply_to ? { reply_to: m.reply_to } : {}),
      ...(extra.reply_in_thread !== undefined ? { reply_in_thread: extra.reply_in_thread } : {}),
      at: now,
    });
    notifySent();
    return response;
  };

  // Checks the common body fields of create and reply; returns an error response or the fields.
  const messageFields = (c: Context, body: Record<string, unknown> | undefined) => {
    if (!body) return { error: larkError(c, 400, 230001, 'invalid request body') };
    const { msg_type, content, uuid } = body;
    if (typeof msg_type !== 'string' || !msg_type)
      return { error: larkError(c, 400, 230001, 'invalid msg_type') };
    const parsed = parseContent(content);
    if (!parsed.ok)
      return { error: larkError(c, 400, 230001, 'invalid content, content must be a JSON string') };
    if (uuid !== undefined && (typeof uuid !== 'string' || uuid.length > 50))
      return { error: larkError(c, 400, 230001, 'invalid uuid, at most 50 characters') };
    const unknownKey = msg_type === 'interactive' ? unknownImageKey(parsed.value) : undefined;
    // Lark renders a card's pictures from images uploaded by the same app. The docs found give no
    // code for a key it does not know; 230099 (card content refused) is assumed.
    if (unknownKey)
      return {
        error: larkError(c, 400, 230099, `Failed to create card content, image key not found: ${unknownKey}`),
      };
    return { msg_type, content: content as string, uuid: (uuid as string | undefined) || undefined };
  };

  // The first img_key in a card that this app never uploaded, if any.
  const unknownImageKey = (card: unknown): string | undefined => {
    if (!card || typeof card !== 'object') return undefined;
    const el = card as Record<string, unknown>;
    if (el.tag === 'img' && !images.some((i) => i.image_key === el.img_key)) return String(el.img_key);
    for (const v of Object.values(el)) {
      const found = Array.isArray(v) ? v.map(unknownImageKey).find(Boolean) : unknownImageKey(v);
      if (found) return found;
    }
    return undefined;
  };

  const app = new Hono();

  app.use('*', async (c, next) => {
    requests.push({ method: c.req.method, path: c.req.path });
    await next();
  });

  app.post('/open-apis/auth/v3/tenant_access_token/internal', async (c) => {
    const body = await readJson(c);
    if (body?.app_id !== appId) return larkError(c, 400, 10003, 'invalid param: app_id');
    if (body.app_secret !== appSecret) return larkError(c, 400, 10014, 'app secret invalid');
    return c.json({ code: 0, msg: 'ok', tenant_access_token: issueToken('t-'), expire: 7200 });
  });

  app.post('/open-apis/auth/v3/app_access_token/internal', async (c) => {
    const body = await readJson(c);
    if (body?.app_id !== appId) return larkError(c, 400, 10003, 'invalid param: app_id');
    if (body.app_secret !== appSecret) return larkError(c, 400, 10014, 'app secret invalid');
    // For a self-built app Lark hands out both tokens here.
    return c.json({
      code: 0,
      msg: 'ok',
      app_access_token: issueToken('a-'),
      tenant_access_token: issueToken('t-'),
      expire: 7200,
    });
  });

  // Everything else under /open-apis needs a tenant token.
  app.use('/open-apis/*', async (c, next) => {
    if (c.req.path.startsWith('/open-apis/auth/')) return next();
    const auth = c.req.header('authorization') ?? '';
    const m = /^Bearer (\S+)$/.exec(auth);
    if (!m) return larkError(c, 400, 99991661, 'Missing access token for authorization.');
    if (!validTokens.has(m[1]))
      return larkError(c, 400, FAILURES.invalid_token.body.code, FAILURES.invalid_token.body.msg);
    return next();
  });

  app.get('/open-apis/bot/v3/info', (c) =>
    c.json({
      code: 0,
      msg: 'ok',
      bot: {
        activate_status: 2,
        app_name: 'Huying Test Bot',
        avatar_url: '',
        ip_white_list: [],
        open_id: botOpenId,
      },
    }),
  );

  app.post('/open-apis/im/v1/messages', async (c) => {
    const receiveIdType = c.req.query('receive_id_type');
    if (!receiveIdType || !RECEIVE_ID_TYPES.has(receiveIdType))
      return larkError(c, 400, 230001, 'invalid receive_id_type');
    const failure = injectedFailure(c);
    if (failure) return failure;
    const body = await readJson(c);
    const f = messageFields(c, body);
    if ('error' in f) return f.error;
    const receiveId = body?.receive_id;
    if (typeof receiveId !== 'string' || !receiveId) return larkError(c, 400, 230001, 'invalid receive_id');
    let chatId = receiveId;
    if (receiveIdType !== 'chat_id') {
      // A message to a person lands in the bot's p2p chat with them; keep that id stable.
      chatId = p2pChats.get(receiveId) ?? `oc_${hex(16)}`;
      p2pChats.set(receiveId, chatId);
    }
    return accept(c, { ...f, receive_id: receiveId, chat_id: chatId }, {});
  });

  // 发送仅特定人可见的消息卡片: the card object itself (not a JSON string), to one open_id in a group.
  app.post('/open-apis/ephemeral/v1/send', async (c) => {
    const failure = injectedFailure(c);
    if (failure) return failure;
    const body = await readJson(c);
    if (typeof body?.chat_id !== 'string' || !body.chat_id.startsWith('oc_'))
      return larkError(c, 400, 230001, 'invalid chat_id');
    if (typeof body?.open_id !== 'string' || !body.open_id.startsWith('ou_'))
      return larkError(c, 400, 230001, 'invalid open_id');
    if (body.msg_type !== 'interactive') return larkError(c, 400, 230001, 'msg_type must be interactive');
    if (!body.card || typeof body.card !== 'object') return larkError(c, 400, 230001, 'card is required');
    const message_id = `om_${hex(16)}`;
    ephemeral.push({
      message_id,
      chat_id: body.chat_id,
      open_id: body.open_id,
      card: body.card,
      at: Date.now(),
    });
    return c.json({ code: 0, msg: 'success', data: { message_id } });
  });

  app.post('/open-apis/im/v1/messages/:message_id/reply', async (c) => {
    const parent = c.req.param('message_id');
    if (!parent.startsWith('om_')) return larkError(c, 400, 230001, 'invalid message_id');
    const failure = injectedFailure(c);
    if (failure) return failure;
    const body = await readJson(c);
    const f = messageFields(c, body);
    if ('error' in f) return f.error;
    // Users' messages reach us by webhook, not through the fake: an unknown parent is accepted
    // with an empty chat_id unless the test registered it with rememberMessage.
    const chatId = messages.get(parent)?.chat_id ?? '';
    return accept(
      c,
      { ...f, receive_id: chatId, chat_id: chatId, reply_to: parent },
      { reply_in_thread: typeof body?.reply_in_thread === 'boolean' ? body.reply_in_thread : undefined },
    );
  });

  app.patch('/open-apis/im/v1/messages/:message_id', async (c) => {
    const id = c.req.param('message_id');
    const failure = injectedFailure(c);
    if (failure) return failure;
    const stored = messages.get(id);
    // Strict on purpose: patching an id the bot never sent is a bug in the caller.
    if (!stored) return larkError(c, 400, 230001, 'invalid message_id');
    if (stored.msg_type !== 'interactive')
      return larkError(c, 400, 230054, 'This operation is not supported for this message type.');
    const body = await readJson(c);
    const parsed = parseContent(body?.content);
    if (!parsed.ok) return larkError(c, 400, 230001, 'invalid content, content must be a JSON string');
    const unknownKey = unknownImageKey(parsed.value);
    if (unknownKey)
      return larkError(c, 400, 230099, `Failed to create card content, image key not found: ${unknownKey}`);
    stored.response.body = { content: body?.content };
    stored.response.updated = true;
    stored.response.update_time = String(Date.now());
    patched.push({ message_id: id, content: parsed.value });
    return c.json({ code: 0, msg: 'success', data: {} });
  });

  app.post('/open-apis/im/v1/images', async (c) => {
    const failure = injectedFailure(c);
    if (failure) return failure;
    let form: Record<string, string | File>;
    try {
      form = (await c.req.parseBody()) as Record<string, string | File>;
    } catch {
      return larkError(c, 400, 234001, 'Invalid request param: expected multipart/form-data');
    }
    const imageType = form.image_type;
    if (imageType !== 'message' && imageType !== 'avatar')
      return larkError(c, 400, 234001, 'invalid image_type');
    const image = form.image;
    // A part without a filename arrives as a plain string field (this is what happens to a Buffer
    // sent through the SDK); refuse it as Lark does rather than count mangled bytes.
    if (!(image instanceof File))
      return larkError(c, 400, 234001, 'image must be a file part with a filename');
    if (image.size === 0) return larkError(c, 400, 234006, 'The file is empty.');
    if (image.size > 10 * 1024 * 1024) return larkError(c, 400, 234006, 'The image exceeds 10 MB.');
    const image_key = `img_v3_${hex(12)}`;
    images.push({ image_key, bytes: image.size });
    return c.json({ code: 0, msg: 'success', data: { image_key } });
  });

  app.get('/open-apis/im/v1/messages/:message_id/resources/:file_key', (c) => {
    const type = c.req.query('type');
    if (type !== 'image' && type !== 'file') return larkError(c, 400, 234001, 'invalid type');
    const bytes = resources.get(`${c.req.param('message_id')}/${c.req.param('file_key')}`);
    if (!bytes) return larkError(c, 400, 234003, 'File not in msg.');
    return c.body(new Uint8Array(bytes), 200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(bytes.length),
    });
  });

  app.notFound((c) => larkError(c, 404, 404, `404 page not found: ${c.req.method} ${c.req.path}`));

  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
        resolve({ server: s, port: info.port }),
      );
      s.once('error', reject);
    },
  );

  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    appId,
    appSecret,
    botOpenId,
    sent,
    patched,
    ephemeral,
    images,
    requests,
    tokensIssued,
    get latencyMs() {
      return latencyMs;
    },
    set latencyMs(ms: number) {
      latencyMs = ms;
    },
    get inFlight() {
      return inFlight;
    },
    uuidRequests,
    failNext(n, kind) {
      for (let i = 0; i < n; i++) failQueue.push(kind);
    },
    revokeTokens() {
      validTokens.clear();
    },
    addResource(messageId, fileKey, bytes) {
      resources.set(`${messageId}/${fileKey}`, Buffer.from(bytes));
    },
    rememberMessage(messageId, chatId, msgType = 'text') {
      messages.set(messageId, { chat_id: chatId, msg_type: msgType, response: { message_id: messageId } });
    },
    waitForSent(n, timeoutMs = 5000) {
      if (sent.length >= n) return Promise.resolve(sent);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (sent.length < n) return;
          clearTimeout(timer);
          sentListeners.delete(check);
          resolve(sent);
        };
        const timer = setTimeout(() => {
          sentListeners.delete(check);
          reject(new Error(`fake Lark: waited ${timeoutMs} ms for ${n} sent messages, got ${sent.length}`));
        }, timeoutMs);
        sentListeners.add(check);
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Node's default agent keeps connections alive; without this close() waits for them to idle out.
        if ('closeAllConnections' in server) server.closeAllConnections();
      });
    },
  };
}
