// Lark events → Inbound. Both transports (webhook, long connection) hand over the event flattened
// the way the SDK's EventDispatcher does it: header fields and event fields side by side.
import { z } from 'zod';
import { fillForm } from '../../handlers/messages.ts';
import type { Inbound } from '../inbound.ts';
import { NONE_VALUE } from './render.ts';

/** A Lark event that cannot be understood: the webhook answers 400 with this reason. */
export class LarkEventError extends Error {
  readonly code = 'malformed_event' as const;
  constructor(message: string) {
    super(message);
    this.name = 'LarkEventError';
  }
}

export interface LarkMention {
  key: string;
  id?: { open_id?: string; union_id?: string; user_id?: string };
  name?: string;
}

/** im.message.receive_v1, flattened. */
export interface LarkMessageEvent {
  event_id?: string;
  sender?: { sender_id?: { open_id?: string }; sender_type?: string; name?: string };
  message?: {
    message_id?: string;
    chat_id?: string;
    chat_type?: string;
    message_type?: string;
    content?: string;
    mentions?: LarkMention[];
  };
}

/** card.action.trigger (JSON 2.0 cards), flattened. */
export interface LarkCardActionEvent {
  event_id?: string;
  operator?: { open_id?: string; name?: string };
  action?: {
    value?: unknown;
    form_value?: Record<string, unknown>;
    tag?: string;
    name?: string;
    option?: string;
  };
  context?: { open_message_id?: string; open_chat_id?: string };
}

// What we read of each event, checked at the edge: a field of the wrong shape is the platform's
// (or a forger's) mistake and gets a 400 with its name, never a 5xx. Other fields pass unread.
const text = z.string().max(100_000);
const maybeText = text.nullish();
const larkId = z.string().max(512);
const mentionSchema = z.object({
  key: larkId,
  id: z
    .object({ open_id: larkId.nullish(), union_id: larkId.nullish(), user_id: larkId.nullish() })
    .nullish(),
  name: maybeText,
});
const messageEventSchema = z.object({
  event_id: larkId.nullish(),
  sender: z
    .object({
      sender_id: z.object({ open_id: larkId.nullish() }).nullish(),
      sender_type: larkId.nullish(),
      name: maybeText,
    })
    .nullish(),
  message: z.object({
    message_id: larkId,
    chat_id: larkId,
    chat_type: larkId.nullish(),
    message_type: larkId.nullish(),
    content: text,
    mentions: z.array(mentionSchema).max(200).nullish(),
  }),
});
const formValue = z.union([
  text,
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.union([text, z.number()])).max(100),
]);
const cardActionSchema = z.object({
  event_id: larkId.nullish(),
  operator: z.object({ open_id: larkId, name: maybeText }),
  action: z
    .object({
      value: z.union([text, z.record(z.string(), z.unknown())]).nullish(),
      form_value: z.record(z.string(), formValue).nullish(),
      tag: maybeText,
      name: maybeText,
      option: maybeText,
    })
    .nullish(),
  context: z.object({ open_message_id: larkId.nullish(), open_chat_id: larkId }),
});

/** The event checked against a schema, or a LarkEventError naming the first bad field. */
function checked<T>(schema: z.ZodType<T>, e: unknown): T {
  const r = schema.safeParse(e);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = ['event', ...issue.path.map(String)].join('.');
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  throw new LarkEventError(`${path} ${missing ? 'is missing' : `is not valid (${issue.message})`}`);
}

/** What the SDK's dispatcher hands a handler; the webhook builds the same from the envelope. */
export function flattenEnvelope(envelope: {
  header?: Record<string, unknown>;
  event?: Record<string, unknown>;
  [k: string]: unknown;
}): Record<string, unknown> {
  const { header, event, ...rest } = envelope;
  return { ...rest, ...(header ?? {}), ...(event ?? {}) };
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function parseContent(content: unknown): Record<string, unknown> {
  if (typeof content !== 'string') throw new LarkEventError('message.content is missing');
  try {
    const v = JSON.parse(content);
    if (v && typeof v === 'object') return v as Record<string, unknown>;
  } catch {}
  throw new LarkEventError('message.content is not a JSON object');
}

type PostNode = { tag?: string; text?: string; user_id?: string; user_name?: string; image_key?: string };

/** A post's body: `{title, content}` as events deliver it, or wrapped in a locale (`zh_cn`, …). */
function postBody(c: Record<string, unknown>): { title?: string; content: PostNode[][] } {
  if (Array.isArray(c.content)) return c as { title?: string; content: PostNode[][] };
  for (const v of Object.values(c))
    if (v && typeof v === 'object' && Array.isArray((v as { content?: unknown }).content))
      return v as { title?: string; content: PostNode[][] };
  return { content: [] };
}

/** Paragraphs to lines; @-mentions stay as their `@_user_N` keys, to be resolved with the rest. */
export function flattenPost(c: Record<string, unknown>): { text: string; images: string[] } {
  const post = postBody(c);
  const images: string[] = [];
  const lines = post.content.map((para) =>
    (Array.isArray(para) ? para : [])
      .map((n) => {
        switch (n?.tag) {
          case 'text':
          case 'a':
          case 'md':
          case 'code_block':
            return n.text ?? '';
          case 'at':
            return ` ${n.user_id ?? ''} `;
          case 'img':
            if (str(n.image_key)) images.push(n.image_key);
            return '';
          default:
            return '';
        }
      })
      .join(''),
  );
  const title = typeof post.title === 'string' && post.title.trim() ? [post.title.trim()] : [];
  // image-only paragraphs leave no blank lines behind
  return { text: [...title, ...lines.filter((l) => l.trim())].join('\n'), images };
}

/** Removes the bot's placeholder (and @all), writes other people's as `@name`. */
export function resolveMentions(text: string, mentions: LarkMention[], botOpenId: string): string {
  let out = text;
  // Longest keys first, so @_user_1 does not eat into @_user_10.
  for (const m of [...mentions].sort((a, b) => (b.key?.length ?? 0) - (a.key?.length ?? 0))) {
    if (!str(m.key)) continue;
    const isBot = m.id?.open_id === botOpenId;
    out = out.split(m.key).join(isBot ? ' ' : m.name ? `@${m.name}` : ' ');
  }
  return out
    .replace(/@_all\b/g, ' ')
    .replace(/@_user_\d+/g, ' ')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}

/**
 * A photo in a user's message, as calls keep it: the message and the key within it. A user's
 * image key means nothing to cards (they show images the app uploaded): the sender fetches the
 * photo from its message and uploads it (bot/lark/sender.ts).
 */
export const larkImageRef = (messageId: string, imageKey: string) => `lark-image:${messageId}/${imageKey}`;

export function parseLarkImageRef(ref: string): { messageId: string; imageKey: string } | null {
  const m = /^lark-image:([^/]+)\/(.+)$/.exec(ref);
  return m ? { messageId: m[1], imageKey: m[2] } : null;
}

/**
 * A user's message. Returns null for what is not a person talking to us (another bot's message).
 * Throws LarkEventError when a required field is missing.
 */
export function normalizeMessage(event: LarkMessageEvent, botOpenId: string): Inbound | null {
  const e = checked(messageEventSchema, event);
  const m = e.message;
  if (!str(m.chat_id)) throw new LarkEventError('event.message.chat_id is missing');
  if (!str(m.message_id)) throw new LarkEventError('event.message.message_id is missing');
  if (e.sender?.sender_type && e.sender.sender_type !== 'user') return null;
  const openId = e.sender?.sender_id?.open_id;
  if (!str(openId)) throw new LarkEventError('event.sender.sender_id.open_id is missing');
  const mentions = (m.mentions ?? []) as LarkMention[];
  const c = parseContent(m.content);
  const messageId = m.message_id;
  let raw = '';
  const images: string[] = [];
  switch (m.message_type) {
    case 'text':
      raw = typeof c.text === 'string' ? c.text : '';
      break;
    case 'post': {
      const post = flattenPost(c);
      raw = post.text;
      images.push(...post.images.map((key) => larkImageRef(messageId, key)));
      break;
    }
    case 'image':
      if (str(c.image_key)) images.push(larkImageRef(messageId, c.image_key));
      break;
    default:
      // files, stickers, audio…: nothing we can read; the router answers a mention with a hint
      break;
  }
  const p2p = m.chat_type === 'p2p';
  return {
    platform: 'lark',
    eventId: str(e.event_id) ? e.event_id : undefined,
    chatId: m.chat_id,
    messageId: m.message_id,
    sender: { userId: openId, ...(str(e.sender?.name) ? { name: e.sender.name } : {}) },
    text: resolveMentions(raw, mentions, botOpenId),
    // a direct message is always addressed to the bot
    mentionsBot: p2p || mentions.some((x) => x.id?.open_id === botOpenId),
    images,
    p2p,
  };
}

function formValues(v: Record<string, unknown> | undefined): Record<string, string> | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = Array.isArray(x) ? x.map(String).join(' ') : x === null || x === undefined ? '' : String(x);
    out[k] = s === NONE_VALUE ? '' : s;
  }
  return out;
}

function buttonValue(v: unknown): { cmd?: unknown; tpl?: unknown } | undefined {
  if (typeof v === 'string') {
    try {
      return buttonValue(JSON.parse(v));
    } catch {
      return undefined;
    }
  }
  return v && typeof v === 'object' ? (v as { cmd?: unknown; tpl?: unknown }) : undefined;
}

/**
 * A button press or form submit on one of our cards. Returns null for a card action that does
 * not carry our command (someone else's card, a legacy card).
 */
export function normalizeCardAction(raw: LarkCardActionEvent): Inbound | null {
  const e = checked(cardActionSchema, raw);
  const openId = e.operator?.open_id;
  if (!str(openId)) throw new LarkEventError('event.operator.open_id is missing');
  const chatId = e.context?.open_chat_id;
  if (!str(chatId)) throw new LarkEventError('event.context.open_chat_id is missing');
  const value = buttonValue(e.action?.value);
  if (!value || !str(value.cmd)) return null;
  const form = formValues(e.action?.form_value ?? undefined);
  const template = str(value.tpl) ? value.tpl : undefined;
  const command = template
    ? fillForm({ command: template, submitLabel: '', fields: [] }, form ?? {}) || value.cmd
    : value.cmd;
  return {
    platform: 'lark',
    eventId: str(e.event_id) ? e.event_id : undefined,
    chatId,
    messageId: str(e.context?.open_message_id) ? e.context.open_message_id : undefined,
    sender: { userId: openId, ...(str(e.operator?.name) ? { name: e.operator.name } : {}) },
    text: '',
    mentionsBot: false,
    images: [],
    action: { command, ...(template ? { template } : {}), ...(form ? { form } : {}) },
    p2p: false,
  };
}
