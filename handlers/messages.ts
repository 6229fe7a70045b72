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
  type: 'select' | 'number' | 'text';
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
