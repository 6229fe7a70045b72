// Sends outbox messages to WeChat rooms as text for the send worker: finds the room by topic or
// id, @-mentions the people who must act, splits long texts, sends the pictures Huying draws (the
// bulletin's chart) as image files after the text, and remembers what it sent so a retry after a
// failure mid-send does not post twice (within this process).
import { FileBox, type FileBoxInterface } from 'file-box';
import type { Logger } from '../../config/log.ts';
import { type ImageFile, type ImageSource, isDrawnPicture } from '../../handlers/images.ts';
import { type OutgoingMessage, type PlatformSender, SendError } from '../../jobs/platform.ts';
import { Lru } from '../lru.ts';
import { renderText, splitText, WECHAT_TEXT_LIMIT } from './render.ts';

/** The little of wechaty the sender uses (a structural subset, so tests can fake it). */
export interface WechatContactLike {
  id: string;
  name(): string;
}
export interface WechatRoomLike {
  id: string;
  say(sayable: string | FileBoxInterface, ...mentions: any[]): Promise<unknown>;
}
export interface WechatBotLike {
  readonly isLoggedIn: boolean;
  Room: { find(query: { topic: string } | { id: string }): Promise<WechatRoomLike | undefined> };
  Contact: { find(query: { id: string } | { name: string }): Promise<WechatContactLike | undefined> };
}

/** chat_bindings.chat_id for a room bound by topic: `topic:<room topic>`; otherwise the room id. */
export const TOPIC_PREFIX = 'topic:';
/** person_identities.platform_user_id for people configured by WeChat name only. */
export const NAME_PREFIX = 'name:';

interface Progress {
  messageId: string;
  /** parts (texts, then pictures) already in the room */
  parts: number;
  total: number;
}

export class WechatSender implements PlatformSender {
  readonly platform = 'wechat';
  private readonly progress = new Lru<string, Progress>(5000);

  constructor(
    /** the running bot, or undefined before it started */
    private readonly bot: () => WechatBotLike | undefined,
    /** logged in and able to send */
    private readonly online: () => boolean,
    private readonly log: Logger,
    /** where the pictures a message refers to come from (the bulletin's chart) */
    private readonly images?: ImageSource,
    private readonly maxChars = WECHAT_TEXT_LIMIT,
  ) {}

  ready(): boolean {
    if (!this.online()) return false; // first: wechaty warns when asked before its puppet is up
    const bot = this.bot();
    return !!bot && bot.isLoggedIn;
  }

  async send(out: OutgoingMessage): Promise<{ messageId: string }> {
    const key = out.idempotencyKey;
    const done = this.progress.get(key);
    if (done && done.parts >= done.total) return { messageId: done.messageId };
    const bot = this.bot();
    if (!bot || !this.ready()) throw this.failure('retry', 'wechat is logged out', out);

    const room = await this.findRoom(bot, out.chatId).catch((e) => {
      throw this.failure('retry', `room lookup failed: ${(e as Error).message}`, out);
    });
    // Right after login a puppet may still be loading its room list: try again later.
    if (!room) throw this.failure('retry', `the bot is not in a room for ${out.chatId}`, out);

    const contacts: WechatContactLike[] = [];
    const unresolved: string[] = [];
    for (const m of out.mentions) {
      const c = m.platformUserId ? await this.findContact(bot, m.platformUserId) : undefined;
      if (c && !contacts.some((x) => x.id === c.id)) contacts.push(c);
      else if (!c) unresolved.push(m.name);
    }
    const head = unresolved.length ? `${unresolved.map((n) => `@${n}`).join(' ')} ` : '';
    const parts = splitText(head + renderText(out.message), this.maxChars).map((p, i) =>
      i === 0 ? p : `（续）${p}`,
    );
    const pictures = await this.pictures(out);
    const total = parts.length + pictures.length;
    const state: Progress = done ?? { messageId: `wechat-${key}`, parts: 0, total };
    for (let i = state.parts; i < total; i++) {
      let sent: unknown;
      try {
        if (i >= parts.length) {
          const p = pictures[i - parts.length];
          // The mock puppet and the service puppets carry base64 file boxes; a buffer box they do not.
          sent = await room.say(FileBox.fromBase64(p.bytes.toString('base64'), p.filename));
        } else sent = i === 0 ? await room.say(parts[i], ...contacts) : await room.say(parts[i]);
      } catch (e) {
        // WeChat gives no codes to tell a refusal from a hiccup: the job layer retries, then gives up.
        throw this.failure('retry', `room.say failed: ${(e as Error).message}`, out, i);
      }
      // room.say resolves to the sent message on some puppets, undefined on the mock and wechat4u.
      const id = (sent as { id?: unknown } | undefined)?.id;
      if (i === 0 && typeof id === 'string' && id) state.messageId = id;
      state.parts = i + 1;
      this.progress.set(key, state);
    }
    this.log.debug(
      { chatId: out.chatId, callNo: out.message.callNo, kind: out.message.kind, parts: parts.length },
      'wechat: sent',
    );
    return { messageId: state.messageId };
  }

  /** The pictures of a message that can be drawn; one that cannot is left out, with a warning. */
  private async pictures(out: OutgoingMessage): Promise<ImageFile[]> {
    const files: ImageFile[] = [];
    // photos of other platforms (a Lark report's) stay where they are: only pictures Huying draws
    for (const img of (out.message.images ?? []).filter((i) => isDrawnPicture(i.ref))) {
      const file = this.images
        ? await this.images(img.ref).catch((e) => {
            throw this.failure('retry', `drawing ${img.ref} failed: ${(e as Error).message}`, out);
          })
        : null;
      if (file) files.push(file);
      else
        this.log.warn(
          { ref: img.ref, kind: out.message.kind },
          'wechat: no picture for this image ref, sent without it',
        );
    }
    return files;
  }

  private async findRoom(bot: WechatBotLike, chatId: string): Promise<WechatRoomLike | undefined> {
    if (chatId.startsWith(TOPIC_PREFIX)) return bot.Room.find({ topic: chatId.slice(TOPIC_PREFIX.length) });
    return bot.Room.find({ id: chatId });
  }

  private async findContact(bot: WechatBotLike, userId: string): Promise<WechatContactLike | undefined> {
    try {
      return userId.startsWith(NAME_PREFIX)
        ? await bot.Contact.find({ name: userId.slice(NAME_PREFIX.length) })
        : await bot.Contact.find({ id: userId });
    } catch (err) {
      this.log.debug({ err, userId }, 'wechat: contact lookup failed; mentioning by name only');
      return undefined;
    }
  }

  private failure(kind: SendError['kind'], message: string, out: OutgoingMessage, part?: number) {
    this.log.warn(
      { chatId: out.chatId, callNo: out.message.callNo, kind: out.message.kind, part, reason: message },
      'wechat: send failed',
    );
    return new SendError(kind, message, { platform: 'wechat' });
  }
}
