// Sends outbox messages to WeCom for the send worker. An answer to what someone said goes back
// through that callback's response_url (an hour, once): a template card with buttons when the
// message fits one, else markdown with the words to say. Everything else — and an answer whose
// response_url is spent or gone — goes to the group's 消息推送 (group robot) webhook as text with
// the exact words, @-mentioning by userid, and the pictures Huying draws as images.
import { createHash } from 'node:crypto';
import type { Logger } from '../../config/log.ts';
import { type ImageFile, type ImageSource, isDrawnPicture } from '../../handlers/images.ts';
import type { Message } from '../../handlers/messages.ts';
import { type OutgoingMessage, PlatformSendError, type PlatformSender } from '../../jobs/platform.ts';
import { Lru } from '../lru.ts';
import { call, postJson, webhookUrl } from './client.ts';
import { fitsCard, plainMarkdown, renderCard, renderWords, taskIdFor, textParts } from './render.ts';

/** A 智能机器人 markdown reply holds 4096 bytes (as a group robot's does). */
const MARKDOWN_BYTES = 4096;

export interface WecomSenderOptions {
  apiBase: string;
  botName: string;
  /** the 消息推送 webhook key of each bound group, by chat id */
  webhooks: Record<string, string>;
  log: Logger;
  /** where the pictures a message refers to come from (the bulletin's chart) */
  images?: ImageSource;
  timeoutMs?: number;
}

interface Progress {
  messageId: string;
  /** parts (texts, then pictures) already in the chat */
  parts: number;
}

const isResponseUrl = (replyTo: string | null | undefined): replyTo is string =>
  !!replyTo && /^https?:\/\//.test(replyTo);

export class WecomSender implements PlatformSender {
  readonly platform = 'wecom';
  /** what this process sent, by idempotency key: a retry after a lost answer sends nothing twice */
  private readonly progress = new Lru<string, Progress>(5000);
  /** response_urls used (each takes one call): later answers go by the group webhook */
  private readonly spent = new Lru<string, true>(5000);

  constructor(private readonly o: WecomSenderOptions) {}

  ready(): boolean {
    return true;
  }

  async send(out: OutgoingMessage): Promise<{ messageId: string }> {
    const key = out.idempotencyKey;
    const done = this.progress.get(key);
    const taskId = taskIdFor(key);
    if (done?.parts === -1) return { messageId: done.messageId };
    if (!done && isResponseUrl(out.replyTo) && !this.spent.get(out.replyTo)) {
      const sent = await this.reply(out, out.replyTo, taskId);
      if (sent) return sent;
    }
    return this.toGroup(out, taskId, done);
  }

  /** The answer through a response_url; undefined when that route is gone (then: the group). */
  private async reply(out: OutgoingMessage, url: string, taskId: string) {
    const card = fitsCard(out.message, this.o.botName);
    const body = card
      ? { msgtype: 'template_card', template_card: renderCard(out.message, taskId, this.o.botName) }
      : { msgtype: 'markdown', markdown: { content: this.markdown(out) } };
    if (!card && Buffer.byteLength(body.markdown!.content, 'utf8') > MARKDOWN_BYTES) return undefined;
    const summary = this.summary(out, card ? 'card' : 'markdown');
    try {
      await call('response_url', summary, () => postJson(url, body, this.o.timeoutMs));
    } catch (e) {
      // WeCom's trouble is retried; a refusal means this response_url is spent or expired
      if (!(e instanceof PlatformSendError) || e.kind !== 'permanent') throw e;
      this.spent.set(url, true);
      this.o.log.info(
        { chatId: out.chatId, code: e.details.code, kind: out.message.kind },
        'wecom: response_url refused, sending to the group instead',
      );
      return undefined;
    }
    this.spent.set(url, true);
    // a card is pressed by its task_id: that is what a press names, and the router looks for
    const messageId = card ? taskId : `wecom-${taskId}`;
    this.progress.set(out.idempotencyKey, { messageId, parts: -1 });
    this.o.log.debug({ chatId: out.chatId, kind: out.message.kind, card }, 'wecom: replied');
    return { messageId };
  }

  /** The message as text (and pictures) through the group's webhook. */
  private async toGroup(out: OutgoingMessage, taskId: string, done?: Progress) {
    const hook = this.o.webhooks[out.chatId];
    if (!hook)
      throw new PlatformSendError(
        'permanent',
        `wecom: no 消息推送 webhook for chat ${out.chatId} (add it to WECOM_GROUP_WEBHOOKS)`,
        { platform: 'wecom' },
        'webhook/send',
        this.summary(out, 'text'),
      );
    const userids = out.mentions.map((m) => m.platformUserId).filter((u): u is string => !!u);
    const unresolved = out.mentions.filter((m) => !m.platformUserId).map((m) => `@${m.name}`);
    const parts = textParts(out.message, this.o.botName, unresolved.length ? `${unresolved.join(' ')} ` : '');
    const pictures = await this.pictures(out.message);
    const state: Progress = done ?? { messageId: `wecom-${taskId}`, parts: 0 };
    const url = webhookUrl(this.o.apiBase, hook);
    for (let i = state.parts; i < parts.length + pictures.length; i++) {
      const picture = pictures[i - parts.length];
      const body = picture
        ? {
            msgtype: 'image',
            image: {
              base64: picture.bytes.toString('base64'),
              md5: createHash('md5').update(picture.bytes).digest('hex'),
            },
          }
        : {
            msgtype: 'text',
            text: { content: parts[i], ...(i === 0 && userids.length ? { mentioned_list: userids } : {}) },
          };
      await call('webhook/send', this.summary(out, picture ? 'image' : `text ${i + 1}/${parts.length}`), () =>
        postJson(url, body, this.o.timeoutMs),
      );
      state.parts = i + 1;
      this.progress.set(out.idempotencyKey, state);
    }
    this.progress.set(out.idempotencyKey, { messageId: state.messageId, parts: -1 });
    this.o.log.debug(
      { chatId: out.chatId, kind: out.message.kind, parts: parts.length },
      'wecom: sent to group',
    );
    return { messageId: state.messageId };
  }

  /** A markdown reply: the words to say, people @-mentioned by userid where known. */
  private markdown(out: OutgoingMessage): string {
    const at = out.mentions.map((m) =>
      m.platformUserId ? `<@${m.platformUserId}>` : `@${plainMarkdown(m.name)}`,
    );
    return `${at.length ? `${at.join(' ')}\n` : ''}${plainMarkdown(renderWords(out.message, this.o.botName))}`;
  }

  /** The pictures of a message Huying draws; one that cannot be drawn is left out, with a warning. */
  private async pictures(m: Message): Promise<ImageFile[]> {
    const files: ImageFile[] = [];
    for (const img of (m.images ?? []).filter((i) => isDrawnPicture(i.ref))) {
      const file = this.o.images ? await this.o.images(img.ref) : null;
      if (file) files.push(file);
      else
        this.o.log.warn(
          { ref: img.ref, kind: m.kind },
          'wecom: no picture for this image ref, sent without it',
        );
    }
    return files;
  }

  private summary(out: OutgoingMessage, as: string) {
    return `chat ${out.chatId}, ${out.message.kind}${out.message.callNo ? ` ${out.message.callNo}` : ''} as ${as}`;
  }
}
