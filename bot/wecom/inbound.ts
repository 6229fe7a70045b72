// WeCom 智能机器人 callbacks (decrypted JSON) → Inbound. A message @-mentioning the bot in a
// group (or sent to it alone) is what was said; a press on one of our template cards
// (template_card_event) is a command, its card known by the task_id we gave it.
import { z } from 'zod';
import type { Inbound } from '../inbound.ts';

/** A callback that cannot be understood: the webhook answers 400 with this reason. */
export class WecomEventError extends Error {
  readonly code = 'malformed_event' as const;
  constructor(message: string) {
    super(message);
    this.name = 'WecomEventError';
  }
}

const id = z.string().min(1).max(1024);
const text = z.string().max(100_000);
const item = z.object({
  msgtype: z.string().max(64),
  text: z.object({ content: text }).nullish(),
  image: z.object({ url: z.string().max(4096) }).nullish(),
});

/** What we read of a callback, checked at the edge; other fields pass unread. */
export const callbackSchema = z.object({
  msgid: id,
  aibotid: z.string().max(256).nullish(),
  chatid: z.string().max(256).nullish(),
  chattype: z.enum(['single', 'group']).nullish(),
  from: z.object({ userid: id, corpid: z.string().max(256).nullish() }),
  response_url: z.string().url().max(4096).nullish(),
  msgtype: z.string().min(1).max(64),
  text: z.object({ content: text }).nullish(),
  mixed: z.object({ msg_item: z.array(item).max(100) }).nullish(),
  event: z
    .object({
      eventtype: z.string().max(64),
      template_card_event: z
        .object({
          card_type: z.string().max(64).nullish(),
          event_key: z.string().max(1024),
          task_id: z.string().max(128),
        })
        .nullish(),
    })
    .nullish(),
});
export type WecomCallback = z.infer<typeof callbackSchema>;

/** The callback checked, or a WecomEventError naming the first bad field. */
export function readCallback(raw: unknown): WecomCallback {
  const r = callbackSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new WecomEventError(
    `${['callback', ...issue.path.map(String)].join('.')} is not valid (${issue.message})`,
  );
}

/** The chat a callback came from: the group's chatid, or the person's own chat with the bot. */
export const chatOf = (c: WecomCallback) => (c.chattype === 'group' && c.chatid ? c.chatid : c.from.userid);

/** Removes @-mentions of the bot (its name, in the form WeCom writes them) and tidies spaces. */
export function stripBotMention(content: string, botName: string): string {
  const escaped = botName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return content
    .replace(new RegExp(`@${escaped}(?=\\s|$)`, 'g'), ' ')
    .replace(/[ \t\u00a0\u2005]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .trim();
}

/**
 * What was said. WeCom has no message to reply to, only the callback's response_url (valid an
 * hour, once): it stands as the message id, the handle a reply goes back through.
 */
export function normalizeMessage(c: WecomCallback, botName: string): Inbound | null {
  let raw = '';
  switch (c.msgtype) {
    case 'text':
      raw = c.text?.content ?? '';
      break;
    case 'mixed':
      raw = (c.mixed?.msg_item ?? [])
        .map((i) => (i.msgtype === 'text' ? (i.text?.content ?? '') : ''))
        .filter(Boolean)
        .join('\n');
      break;
    default:
      // pictures, voice, files: the bot cannot keep them (their urls expire, encrypted); a mention
      // without words gets the router's hint to write the problem out
      break;
  }
  const p2p = c.chattype !== 'group';
  return {
    platform: 'wecom',
    eventId: c.msgid,
    chatId: chatOf(c),
    ...(c.response_url ? { messageId: c.response_url } : {}),
    sender: { userId: c.from.userid },
    text: stripBotMention(raw, botName),
    // WeCom calls back only for what @-mentions the bot in a group, or is said to it alone
    mentionsBot: true,
    images: [],
    p2p,
  };
}

/**
 * A press on one of our cards: the button's key is its command, the card is known by its task_id
 * (what the sender returned as the message id). Null for a callback that carries none.
 */
export function normalizeCardEvent(c: WecomCallback): Inbound | null {
  const e = c.event?.template_card_event;
  if (c.event?.eventtype !== 'template_card_event' || !e) return null;
  if (!e.event_key.trim() || !e.task_id) return null;
  return {
    platform: 'wecom',
    eventId: c.msgid,
    chatId: chatOf(c),
    messageId: e.task_id,
    sender: { userId: c.from.userid },
    text: '',
    mentionsBot: false,
    images: [],
    action: { command: e.event_key },
    p2p: c.chattype !== 'group',
  };
}
