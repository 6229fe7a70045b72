// The neutral message every handler speaks; each platform adapter renders it (Lark card,
// WeChat text, simulator HTML). Buttons and forms carry text commands, so a pressed
// button and a typed command are the same thing.
export type Tone = 'info' | 'success' | 'warning' | 'danger' | 'neutral';

export interface Button {
  label: string;
  /** the text command this button stands for, e.g. "报到 JJ-20261127-0001" */
  command: string;
  style?: 'primary' | 'danger' | 'default';
  /** the command needs words after it (a reason, a result): ask for them with this prompt */
  needsText?: string;
}

export interface FormField {
  name: string;
  label: string;
  /** a multiselect's value is its chosen options, separated by spaces */
  type: 'select' | 'multiselect' | 'number' | 'text';
  options?: { value: string; label: string }[];
  min?: number;
  max?: number;
  required?: boolean;
  initial?: string;
  placeholder?: string;
}

export interface Form {
  /** the command with {name} placeholders for the fields, e.g. "评分 0001 {ack} {pro} …" */
  command: string;
  submitLabel: string;
  fields: FormField[];
}

export interface Mention {
  personId?: string;
  name: string;
}

export interface Message {
  /** what this message is, for updating it in place: e.g. 'triage', 'dispatch', 'score' */
  kind: string;
  title: string;
  tone: Tone;
  fields?: { label: string; value: string }[];
  text?: string;
  buttons?: Button[];
  form?: Form;
  mentions?: Mention[];
  callNo?: string;
  assignmentId?: string;
  /** images by reference: a stored image key, or a generated chart id */
  images?: { ref: string; alt: string }[];
  /** a footer line, e.g. "由 梁益莉 于 11-27 10:02 处理" */
  note?: string;
  /**
   * For the person who gave the command only (a refusal, a hint): shown to them alone where the
   * platform can (Lark's ephemeral cards, the simulator), else addressed to them by @-mention.
   */
  private?: boolean;
  /** goes ahead of routine messages in its chat's line (an emergency's receipt and cards, an
   * escalation); never ahead of an older message about the same call */
  urgent?: boolean;
}

export const notice = (title: string, text: string, tone: Tone = 'info'): Message => ({
  kind: 'notice',
  title,
  tone,
  text,
});

/** Fills a form's command template with submitted values. */
export function fillForm(form: Form, values: Record<string, string | undefined>): string {
  return form.command
    .replace(/\{(\w+)\}/g, (_, name: string) => (values[name] ?? '').toString().replace(/\s+/g, ' ').trim())
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The submitted values checked against the form's fields: a select takes one of its options, a
 * number stays in its range, text is at most 500 characters, a missing value takes the field's
 * initial one; fields the form does not have are refused. A Chinese reason when something is
 * wrong.
 */
export function checkForm(form: Form, given: Record<string, unknown>): Record<string, string> | string {
  const known = new Set(form.fields.map((f) => f.name));
  const stranger = Object.keys(given).find((k) => !known.has(k) && given[k] !== undefined && given[k] !== '');
  if (stranger !== undefined) return `表单没有“${stranger.slice(0, 20)}”这一项`;
  const out: Record<string, string> = {};
  for (const f of form.fields) {
    const raw = given[f.name];
    if (raw !== undefined && raw !== null && typeof raw !== 'string' && typeof raw !== 'number')
      return `「${f.label}」的值无效`;
    const v = (raw === undefined || raw === null ? (f.initial ?? '') : String(raw))
      .replace(/\s+/g, ' ')
      .trim();
    if (!v) {
      if (f.required) return `请填写「${f.label}」`;
      out[f.name] = '';
      continue;
    }
    if (f.type === 'select' && f.options && !f.options.some((o) => o.value === v))
      return `「${f.label}」没有“${v.slice(0, 20)}”这个选项`;
    if (f.type === 'multiselect' && f.options) {
      const wrong = v.split(' ').find((x) => !f.options!.some((o) => o.value === x));
      if (wrong !== undefined) return `「${f.label}」没有“${wrong.slice(0, 20)}”这个选项`;
    }
    if (f.type === 'number') {
      const n = Number(v);
      const range = f.min !== undefined && f.max !== undefined ? `${f.min}–${f.max}之间的` : '';
      if (
        !/^-?\d+(\.\d+)?$/.test(v) ||
        (f.min !== undefined && n < f.min) ||
        (f.max !== undefined && n > f.max)
      )
        return `「${f.label}」须为${range}数字`;
    }
    if (v.length > 500) return `「${f.label}」过长，请精简到500字以内`;
    out[f.name] = v;
  }
  return out;
}

/** What a press on a card sends: a button's command, or a form's template and values. */
export interface Press {
  command: string;
  template?: string;
  form?: Record<string, string | undefined>;
}

const MAX_PRESS_TEXT = 2000;

/**
 * The command a press on `card` stands for, judged by the card as it was sent, never by what the
 * press claims: a button the card has (with the words a needsText button asks for), or the card's
 * own form filled with values it offers. A Chinese reason when the card offers no such thing.
 */
export function commandOfPress(card: Message, press: Press): { command: string } | { refused: string } {
  const buttons = card.buttons ?? [];
  if (press.template !== undefined && card.form && press.template === card.form.command) {
    const values = checkForm(card.form, press.form ?? {});
    return typeof values === 'string' ? { refused: values } : { command: fillForm(card.form, values) };
  }
  const pressed = press.command.replace(/\s+/g, ' ').trim();
  for (const b of buttons) {
    const base = b.command.replace(/\s+/g, ' ').trim();
    if (!b.needsText) {
      if (pressed === base && press.template === undefined) return { command: base };
      continue;
    }
    // the words come with the command (typed into the press), or as the one field of a small form
    const typed = pressed.startsWith(`${base} `) ? pressed.slice(base.length + 1) : '';
    const filled =
      pressed === base && press.form ? Object.values(press.form).find((v) => v?.trim()) : undefined;
    const words = (typed || filled || '').replace(/\s+/g, ' ').trim();
    if (pressed !== base && !typed) continue;
    if (!words) return { refused: `请填写${b.needsText}` };
    if (words.length > MAX_PRESS_TEXT) return { refused: `内容过长，请精简到${MAX_PRESS_TEXT}字以内` };
    return { command: `${base} ${words}` };
  }
  return { refused: '这张卡片上没有这个操作，请按卡片上的按钮办理' };
}
