// Sends cards to Lark for the send worker: create or reply, patch in place, upload images; every
// failure is classified for the retry policy, keeping the platform's code, method and payload.
import { createHash } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Logger } from '../../config/log.ts';
import { type ImageSource, isDrawnPicture } from '../../handlers/images.ts';
import type { Message } from '../../handlers/messages.ts';
import {
  type OutgoingMessage,
  PlatformSendError,
  type PlatformSender,
  SendError,
} from '../../jobs/platform.ts';
import { Lru } from '../lru.ts';
import type { LarkApi } from './client.ts';
import { parseLarkImageRef } from './inbound.ts';
import { cardBytes, IMAGE_KEY, renderCard } from './render.ts';

/** Lark's codes that mean "too fast": per chat/user (230020) and the gateway's per-app quota. */
const RATE_LIMITED = new Set([230020, 99991400]);
/** The tenant token is no longer valid: fetch a new one and try again. */
const INVALID_TOKEN = new Set([99991663, 99991664, 99991661]);
/** Replying to a message that was withdrawn: send to the chat instead. */
const PARENT_GONE = new Set([230011]);

/** `uuid` deduplicates sends for an hour and may be at most 50 characters. */
export function larkUuid(idempotencyKey: string): string {
  return idempotencyKey.length <= 50
    ? idempotencyKey
    : `h-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;
}

interface Failure {
  status?: number;
  code?: number;
  msg: string;
  network: boolean;
  tokenFetch: boolean;
}

function describeFailure(e: unknown): Failure {
  const err = e as {
    response?: { status?: number; data?: { code?: number; msg?: string } };
    config?: { url?: string };
    code?: string;
    message?: string;
  };
  const tokenFetch = /\/auth\/v3\/(tenant|app)_access_token/.test(err?.config?.url ?? '');
  if (err?.response)
    return {
      status: err.response.status,
      code: typeof err.response.data?.code === 'number' ? err.response.data.code : undefined,
      msg: err.response.data?.msg ?? err.message ?? 'request failed',
      network: false,
      tokenFetch,
    };
  return { msg: err?.message ?? String(e), network: true, tokenFetch };
}

export function classify(f: Failure): SendError['kind'] {
  if (f.code !== undefined && RATE_LIMITED.has(f.code)) return 'rate_limited';
  if (f.status === 429) return 'rate_limited';
  if (f.network || (f.status ?? 0) >= 500) return 'retry';
  if (f.code !== undefined && INVALID_TOKEN.has(f.code)) return 'retry';
  // Bad credentials fail the token fetch: rows wait (and alert) until someone fixes the secret.
  if (f.tokenFetch) return 'retry';
  if (f.status !== undefined && f.status >= 400) return 'permanent';
  // HTTP 200 with a business error code: Lark refused what we sent.
  return f.code !== undefined ? 'permanent' : 'retry';
}

type LarkResult = { code?: number; msg?: string; data?: Record<string, unknown> } | null | undefined;

export class LarkSender implements PlatformSender {
  readonly platform = 'lark';
  /** image keys of pictures already uploaded, by content: a retry or a second chat uploads nothing */
  private readonly uploaded = new Lru<string, string>(200);

  constructor(
    private readonly api: LarkApi,
    private readonly log: Logger,
    /** where the pictures a message refers to come from (the bulletin's chart) */
    private readonly images?: ImageSource,
  ) {}

  ready(): boolean {
    return true;
  }

  async send(out: OutgoingMessage): Promise<{ messageId: string }> {
    const card = renderCard(await this.withImageKeys(out.message), { mentions: out.mentions });
    const content = JSON.stringify(card);
    const uuid = larkUuid(out.idempotencyKey);
    const summary = `chat ${out.chatId}, card ${out.message.kind}${out.message.callNo ? ` ${out.message.callNo}` : ''}, ${cardBytes(card)} bytes`;
    const { client } = this.api;
    const create = () =>
      this.call('im.v1.message.create', summary, () =>
        client.im.v1.message.create({
          params: { receive_id_type: 'chat_id' },
          data: { receive_id: out.chatId, msg_type: 'interactive', content, uuid },
        }),
      );
    let res: LarkResult;
    if (out.privateTo) {
      // shown in the group to that one person only ("仅对你可见"); no uuid on this route
      res = await this.call('ephemeral.v1.send', `${summary}, only to ${out.privateTo}`, () =>
        client.request({
          method: 'POST',
          url: '/open-apis/ephemeral/v1/send',
          data: { chat_id: out.chatId, open_id: out.privateTo, msg_type: 'interactive', card },
        }),
      );
    } else if (out.replyTo) {
      try {
        res = await this.call('im.v1.message.reply', `${summary}, reply to ${out.replyTo}`, () =>
          client.im.v1.message.reply({
            path: { message_id: out.replyTo! },
            data: { msg_type: 'interactive', content, uuid },
          }),
        );
      } catch (e) {
        const code = (e as SendError).details?.code;
        if (!(e instanceof SendError) || typeof code !== 'number' || !PARENT_GONE.has(code)) throw e;
        this.log.info(
          { chatId: out.chatId, replyTo: out.replyTo, code },
          'lark: replied-to message gone, sending to the chat',
        );
        res = await create();
      }
    } else res = await create();
    const messageId = res?.data?.message_id;
    if (typeof messageId !== 'string' || !messageId)
      throw new PlatformSendError(
        'retry',
        'lark answered without a message_id',
        { platform: 'lark' },
        'im.v1.message.create',
        summary,
      );
    return { messageId };
  }

  async update(platformMessageId: string, message: Message): Promise<void> {
    const card = renderCard(await this.withImageKeys(message));
    const summary = `message ${platformMessageId}, card ${message.kind}${message.callNo ? ` ${message.callNo}` : ''}, ${cardBytes(card)} bytes`;
    await this.call('im.v1.message.patch', summary, () =>
      this.api.client.im.v1.message.patch({
        path: { message_id: platformMessageId },
        data: { content: JSON.stringify(card) },
      }),
    );
  }

  /**
   * The message with every picture Huying draws uploaded and referred to by its image key (cards
   * show images by key only). A picture that cannot be drawn, or that Lark refuses for good, is
   * left out with a warning; an upload that may succeed later fails the send, to be retried.
   */
  private async withImageKeys(message: Message): Promise<Message> {
    if (!message.images?.some((i) => !IMAGE_KEY.test(i.ref))) return message;
    const images: NonNullable<Message['images']> = [];
    for (const img of message.images) {
      let key: string | null;
      try {
        key = IMAGE_KEY.test(img.ref) ? img.ref : await this.imageKeyFor(img.ref);
      } catch (e) {
        // Lark will never hand out or take this one (a withdrawn photo, a picture too large)
        if (!(e instanceof SendError) || e.kind !== 'permanent') throw e;
        this.log.warn({ err: e, ref: img.ref, kind: message.kind }, 'lark: picture refused, sent without it');
        continue;
      }
      if (key) images.push({ ref: key, alt: img.alt });
      // pictures of other platforms (a WeChat photo) have no place on a Lark card
      else if (isDrawnPicture(img.ref))
        this.log.warn(
          { ref: img.ref, kind: message.kind },
          'lark: no picture for this image ref, sent without it',
        );
      else
        this.log.debug({ ref: img.ref, kind: message.kind }, 'lark: image ref of another platform left out');
    }
    return { ...message, images };
  }

  /** The image key of a picture Huying draws or a user's photo, uploaded once by content; null for neither. */
  private async imageKeyFor(ref: string): Promise<string | null> {
    const photo = parseLarkImageRef(ref);
    const file = photo ? await this.downloadPhoto(photo) : this.images ? await this.images(ref) : null;
    if (!file) return null;
    const digest = createHash('sha256').update(file.bytes).digest('hex');
    let key = this.uploaded.get(digest);
    if (!key) {
      key = await this.uploadImage(file.bytes, file.filename);
      this.uploaded.set(digest, key);
    }
    return key;
  }

  /** A photo from a user's message (a report's), fetched through the message resource API. */
  private async downloadPhoto(p: { messageId: string; imageKey: string }) {
    const chunks: Buffer[] = [];
    await this.call('im.v1.messageResource.get', `message ${p.messageId}, image ${p.imageKey}`, async () => {
      const res = await this.api.client.im.v1.messageResource.get({
        path: { message_id: p.messageId, file_key: p.imageKey },
        params: { type: 'image' },
      });
      for await (const chunk of res.getReadableStream()) chunks.push(Buffer.from(chunk as Buffer));
      // a stream, not the usual {code} wrapper: errors arrive as HTTP statuses (thrown)
      return { code: 0 };
    });
    return { bytes: Buffer.concat(chunks), filename: `${p.imageKey}.jpg` };
  }

  /** Uploads an image (a chart, say) and returns its image_key for use in cards. */
  async uploadImage(bytes: Buffer, filename = 'image.png'): Promise<string> {
    // The SDK sends a Buffer as a nameless part, which Lark refuses: a stream with a path has a name.
    const stream = Object.assign(Readable.from([bytes]), { path: filename }) as unknown as ReadStream;
    const res = (await this.call('im.v1.image.create', `${filename}, ${bytes.length} bytes`, async () => {
      const r = await this.api.client.im.v1.image.create({ data: { image_type: 'message', image: stream } });
      // image.create answers {image_key} without the usual wrapper (and null on an error code)
      return r?.image_key
        ? { code: 0, data: { image_key: r.image_key } }
        : { code: -1, msg: 'no image_key in answer' };
    })) as LarkResult;
    return String(res?.data?.image_key);
  }

  /** Runs one API call: checks `code`, refreshes the token once on 99991663, classifies failures. */
  private async call(
    method: string,
    payload: string,
    fn: () => Promise<LarkResult>,
    retried = false,
  ): Promise<LarkResult> {
    let failure: Failure;
    try {
      const res = await fn();
      if (res && res.code === 0) return res;
      failure = { code: res?.code, msg: res?.msg ?? 'no answer', network: false, tokenFetch: false };
    } catch (e) {
      failure = describeFailure(e);
    }
    if (failure.code !== undefined && INVALID_TOKEN.has(failure.code) && !retried) {
      this.log.info({ method, code: failure.code }, 'lark: token refused, fetching a new one');
      this.api.cache.clear();
      return this.call(method, payload, fn, true);
    }
    const kind = classify(failure);
    const what = failure.network
      ? `unreachable (${failure.msg})`
      : `refused: ${failure.code ?? failure.status} ${failure.msg}`;
    throw new PlatformSendError(
      kind,
      `lark ${method} ${what} [${payload}]`,
      {
        platform: 'lark',
        code: failure.code,
        status: failure.status,
        ...(kind === 'rate_limited' ? { retryAfterMs: 1000 } : {}),
      },
      method,
      payload,
    );
  }
}
