// Renders the neutral Message as a Lark card (JSON 2.0): fields and text as markdown, buttons
// carrying their text command, needsText buttons and forms as form containers.
import type { Button, Form, FormField, Message, Tone } from '../../handlers/messages.ts';

/** Lark refuses cards over 30 KB; stay below with a margin for the envelope. */
export const CARD_LIMIT_BYTES = 28 * 1024;
/** Lark wants non-empty option values; an empty choice travels as this and comes back as ''. */
export const NONE_VALUE = '__none__';
/** A Lark image key, as cards take it; any other ref is a picture the sender uploads first. */
export const IMAGE_KEY = /^img_[\w-]+$/;

/** What a button or submit carries back in `action.value`. */
export interface ButtonValue {
  /** the text command */
  cmd: string;
  /** for forms: the command with {name} placeholders for the form's fields */
  tpl?: string;
}

export interface RenderMention {
  personId: string;
  name: string;
  platformUserId: string | null;
}

export type LarkElement = Record<string, unknown>;

export interface LarkCard {
  schema: '2.0';
  config: { update_multi: true; summary?: { content: string } };
  header: { title: { tag: 'plain_text'; content: string }; template: string };
  body: { elements: LarkElement[] };
}

const TEMPLATES: Record<Tone, string> = {
  info: 'blue',
  success: 'green',
  warning: 'orange',
  danger: 'red',
  neutral: 'grey',
};

/**
 * Markdown-safe text: user words must not become formatting, links or <at> tags (a resident
 * typing `<at id=all></at>` must not page the whole street; a masked phone 138****5678 is not bold).
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/&(?=#?\w+;)/g, '&#38;')
    .replace(/[<>*_~`[\]\\$]/g, (ch) => `&#${ch.charCodeAt(0)};`)
    .replace(/^(\s*)([#>+-])/gm, (_, sp: string, ch: string) => `${sp}&#${ch.charCodeAt(0)};`);
}

export function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, Math.max(1, max - 1)).join('')}…` : s;
}

const plain = (content: string) => ({ tag: 'plain_text' as const, content });
const markdown = (content: string, extra: Record<string, unknown> = {}): LarkElement => ({
  tag: 'markdown',
  content,
  ...extra,
});

function buttonType(b: Button): string {
  return b.style === 'primary' ? 'primary' : b.style === 'danger' ? 'danger' : 'default';
}

function callbackButton(
  label: string,
  type: string,
  value: ButtonValue,
  extra: Record<string, unknown> = {},
) {
  return {
    tag: 'button',
    text: plain(truncate(label, 40)),
    type,
    ...extra,
    behaviors: [{ type: 'callback', value }],
  };
}

const atTag = (openId: string) => `<at id=${openId}></at>`;
const isOpenId = (id: string | null | undefined): id is string => !!id && /^ou_[A-Za-z0-9_-]+$/.test(id);

function mentionLine(m: Message, mentions: RenderMention[] | undefined): string | undefined {
  if (!m.mentions?.length) return undefined;
  return m.mentions
    .map((p) => {
      const id = mentions?.find((x) => x.personId === p.personId)?.platformUserId;
      return isOpenId(id) ? atTag(id) : `@${escapeMarkdown(p.name)}`;
    })
    .join(' ');
}

function fieldElement(f: FormField): LarkElement {
  const required = f.required ?? false;
  if (f.type === 'select') {
    const options = (f.options ?? []).map((o) => ({
      text: plain(truncate(o.label, 60)),
      value: o.value === '' ? NONE_VALUE : o.value,
    }));
    const initial = f.initial === '' ? NONE_VALUE : f.initial;
    return {
      tag: 'select_static',
      name: f.name,
      placeholder: plain(f.placeholder ?? `请选择${f.label}`),
      options,
      ...(initial !== undefined && options.some((o) => o.value === initial)
        ? { initial_option: initial }
        : {}),
      required,
      width: 'fill',
    };
  }
  if (f.type === 'multiselect')
    return {
      tag: 'multi_select_static',
      name: f.name,
      placeholder: plain(f.placeholder ?? `请选择${f.label}（可多选）`),
      options: (f.options ?? []).map((o) => ({ text: plain(truncate(o.label, 60)), value: o.value })),
      ...(f.initial ? { selected_values: f.initial.split(' ') } : {}),
      required,
      width: 'fill',
    };
  const range = f.type === 'number' ? `${f.min ?? 0}–${f.max ?? ''}` : '';
  return {
    tag: 'input',
    name: f.name,
    placeholder: plain(f.placeholder ?? (range ? `填写${range}的整数` : `填写${f.label}`)),
    ...(f.initial ? { default_value: f.initial } : {}),
    required,
    max_length: 500,
    width: 'fill',
  };
}

function formElement(form: Form): LarkElement {
  return {
    tag: 'form',
    name: 'form',
    elements: [
      ...form.fields.flatMap((f) => [markdown(`**${escapeMarkdown(f.label)}**`), fieldElement(f)]),
      callbackButton(
        form.submitLabel || '提交',
        'primary',
        { cmd: form.command, tpl: form.command },
        { form_action_type: 'submit', name: 'form_submit' },
      ),
    ],
  };
}

/** A button whose command needs words after it: a small form with one text input. */
function textFormElement(b: Button, i: number): LarkElement {
  const field = `text_${i}`;
  return {
    tag: 'form',
    name: `reply_${i}`,
    elements: [
      {
        tag: 'input',
        name: field,
        placeholder: plain(truncate(b.needsText ?? '请填写', 60)),
        required: true,
        max_length: 500,
        width: 'fill',
      },
      callbackButton(
        b.label,
        buttonType(b),
        { cmd: b.command.trim(), tpl: `${b.command.trimEnd()} {${field}}` },
        { form_action_type: 'submit', name: `reply_${i}_submit` },
      ),
    ],
  };
}

interface Limits {
  text: number;
  field: number;
}

function build(m: Message, mentions: RenderMention[] | undefined, lim: Limits): LarkCard {
  const elements: LarkElement[] = [];
  const at = mentionLine(m, mentions);
  if (at) elements.push(markdown(at));
  if (m.fields?.length)
    elements.push(
      markdown(
        m.fields
          .map((f) => `**${escapeMarkdown(f.label)}**：${escapeMarkdown(truncate(f.value, lim.field))}`)
          .join('\n'),
      ),
    );
  if (m.text) elements.push(markdown(escapeMarkdown(truncate(m.text, lim.text))));
  for (const img of m.images ?? [])
    if (IMAGE_KEY.test(img.ref))
      elements.push({ tag: 'img', img_key: img.ref, alt: plain(truncate(img.alt || '图片', 40)) });
  const plainButtons = (m.buttons ?? []).filter((b) => !b.needsText);
  if (plainButtons.length)
    elements.push({
      tag: 'column_set',
      flex_mode: 'flow',
      horizontal_spacing: '8px',
      columns: plainButtons.map((b) => ({
        tag: 'column',
        width: 'auto',
        elements: [callbackButton(b.label, buttonType(b), { cmd: b.command.trim() })],
      })),
    });
  (m.buttons ?? []).forEach((b, i) => {
    if (b.needsText) elements.push(textFormElement(b, i));
  });
  if (m.form) elements.push(formElement(m.form));
  if (m.note) {
    elements.push({ tag: 'hr' });
    elements.push(
      markdown(`<font color='grey'>${escapeMarkdown(truncate(m.note, 200))}</font>`, {
        text_size: 'notation',
      }),
    );
  }
  return {
    schema: '2.0',
    config: { update_multi: true, summary: { content: truncate(m.title, 60) } },
    header: { title: plain(truncate(m.title, 100)), template: TEMPLATES[m.tone] ?? 'blue' },
    body: { elements },
  };
}

export const cardBytes = (card: LarkCard) => Buffer.byteLength(JSON.stringify(card), 'utf8');

/**
 * The card for a Message. Long text is cut with … until the card fits under the limit; with
 * `mentions` (open_ids) people are @-mentioned, without (card updates) their names are written.
 */
export function renderCard(
  m: Message,
  opts: { mentions?: RenderMention[]; limitBytes?: number } = {},
): LarkCard {
  const limit = opts.limitBytes ?? CARD_LIMIT_BYTES;
  let lim: Limits = { text: 4000, field: 1000 };
  for (;;) {
    const card = build(m, opts.mentions, lim);
    if (cardBytes(card) <= limit) return card;
    if (lim.text <= 40 && lim.field <= 20) break;
    lim = { text: Math.max(40, Math.floor(lim.text / 2)), field: Math.max(20, Math.floor(lim.field / 2)) };
  }
  // Still too big (a huge form, say): the title, the start of the text and a pointer to the words.
  return build(
    {
      kind: m.kind,
      title: m.title,
      tone: m.tone,
      text: `${truncate(m.text ?? '', 200)}\n（内容过长，卡片已截断${m.callNo ? `，可发送「查询 ${m.callNo}」查看` : ''}）`,
    },
    undefined,
    { text: 400, field: 100 },
  );
}
