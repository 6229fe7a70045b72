// The neutral Message as WeCom shows it. A 智能机器人 reply can be a template card
// (button_interaction): title, up to 6 label/value rows, a short text, up to 6 buttons, each
// carrying its text command as its key. What a card cannot hold — a button that needs words
// after it, a form (the five scores: 21 values each, a selector holds 10), a long text — is
// done the WeChat way: the exact words to @-mention the bot with. Group-robot sends are text.
import { createHash } from 'node:crypto';
import type { Button, Message } from '../../handlers/messages.ts';
import { formWords, renderText, replyWords, shortenCallNumbers, splitText } from '../wechat/render.ts';

/**
 * What a button_interaction card holds (101032): 6 rows, 6 buttons; its lengths are suggestions
 * (title 26, row value 26, text 112 characters) the client wraps or cuts past, so a card is used
 * up to twice those and the words otherwise. A row's name is at most 5 characters: longer-named
 * fields go into the text as "name：value" lines.
 */
export const CARD = { rows: 6, buttons: 6, title: 26, desc: 30, sub: 224, rowName: 5, value: 52, label: 10 };
/** A group robot's text message holds 2048 bytes: 680 Chinese characters leave room. */
export const TEXT_CHARS = 680;
/** The key of the one grey button an updated card shows when nothing is left to press. */
export const DONE_KEY = '__done__';

export interface TemplateCard {
  card_type: 'button_interaction';
  main_title: { title: string; desc?: string };
  sub_title_text?: string;
  horizontal_content_list?: { keyname: string; value: string }[];
  button_list: { text: string; style: number; key: string }[];
  task_id: string;
}

const chars = (s: string) => [...s].length;
export function truncate(s: string, max: number): string {
  const c = [...s];
  return c.length > max ? `${c.slice(0, Math.max(1, max - 1)).join('')}…` : s;
}

/** A task_id for a send: unique per message (by its idempotency key), at most 128 of [A-Za-z0-9_-@]. */
export const taskIdFor = (idempotencyKey: string) =>
  `hy-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40)}`;

/** The words of a button, said to the bot in a group: 「@呼应 报到 0001」. */
export const sayWords = (words: string, botName: string) => `@${botName} ${words}`;

/** The WeChat text with every 回复「…」 turned into an @-mention of the bot, as WeCom needs. */
export function renderWords(m: Message, botName: string): string {
  return renderText(m).replace(/回复「/g, `回复「@${botName} `);
}

const style = (b: Button) => (b.style === 'primary' ? 1 : b.style === 'danger' ? 3 : 2);
const isPlain = (b: Button) => !b.needsText;

const isRow = (f: { label: string; value: string }) => chars(f.label) <= CARD.rowName;

/** The card's parts: its rows, its text (long-named fields, the text, the words, the note). */
function parts(m: Message, botName: string) {
  const plain = (m.buttons ?? []).filter(isPlain).slice(0, CARD.buttons);
  const rest = (m.buttons ?? []).filter((b) => !plain.includes(b));
  const rows = (m.fields ?? []).filter(isRow).slice(0, CARD.rows);
  const lines = (m.fields ?? []).filter((f) => !rows.includes(f)).map((f) => `${f.label}：${f.value}`);
  const words = rest.map((b) => `回复「${sayWords(replyWords(b), botName)}」`);
  if (m.form) words.push(`${m.form.submitLabel}：回复「${sayWords(formWords(m.form).example, botName)}」`);
  const sub = [...lines, m.text, ...words, m.note].filter(Boolean).join('\n');
  return { plain, rows, sub };
}

/** Whether the message fits a template card without losing anything (else: words). */
export function fitsCard(m: Message, botName = ''): boolean {
  const { plain, rows, sub } = parts(m, botName);
  return (
    plain.length > 0 &&
    (m.buttons ?? []).filter(isPlain).length <= CARD.buttons &&
    !m.form &&
    !(m.images ?? []).length &&
    rows.every((f) => chars(f.value) <= CARD.value) &&
    chars(sub) <= CARD.sub &&
    chars(m.title) <= CARD.title &&
    plain.every((b) => Buffer.byteLength(b.command, 'utf8') <= 1024)
  );
}

/**
 * The card for a message (cut to the card's room: for an update, which must be a card). With no
 * button left to press, one grey 已办理 button stands in (a card must have one).
 */
export function renderCard(m: Message, taskId: string, botName: string): TemplateCard {
  const { plain, rows: fields, sub } = parts(m, botName);
  const rows = fields.map((f) => ({
    keyname: f.label,
    value: truncate(f.value.replace(/\s+/g, ' '), CARD.value),
  }));
  return {
    card_type: 'button_interaction',
    main_title: {
      title: truncate(m.title, CARD.title),
      ...(m.callNo ? { desc: truncate(shortenCallNumbers(m.callNo), CARD.desc) } : {}),
    },
    ...(sub ? { sub_title_text: truncate(sub, CARD.sub) } : {}),
    ...(rows.length ? { horizontal_content_list: rows } : {}),
    button_list: plain.length
      ? plain.map((b) => ({ text: truncate(b.label, CARD.label), style: style(b), key: b.command.trim() }))
      : [{ text: '已办理', style: 4, key: DONE_KEY }],
    task_id: taskId,
  };
}

/**
 * Markdown-safe text for a 智能机器人 markdown reply: WeCom's markdown has no escapes, so the
 * characters that would format (a masked phone 138****5678, a "# " at a line's start, links,
 * <@…> mentions) become their full-width look-alikes.
 */
export function plainMarkdown(s: string): string {
  const map: Record<string, string> = {
    '*': '＊',
    '[': '［',
    ']': '］',
    '<': '＜',
    '>': '＞',
    '`': '｀',
    _: '＿',
  };
  return s.replace(/[*[\]<>`_]/g, (c) => map[c]).replace(/^(\s*)#/gm, '$1＃');
}

/** The text of a message split into group-robot text messages (each under 2048 bytes). */
export function textParts(m: Message, botName: string, head = ''): string[] {
  return splitText(head + renderWords(m, botName), TEXT_CHARS).map((p, i) => (i === 0 ? p : `（续）${p}`));
}
