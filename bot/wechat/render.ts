// The neutral Message as WeChat text: WeChat has no buttons or forms, so every action is
// spelled out as the exact words to reply, with the call's short number (末四位).
import { isDrawnPicture } from '../../handlers/images.ts';
import type { Button, Form, FormField, Message } from '../../handlers/messages.ts';

/** WeChat accepts longer texts, but long ones fold in the chat and some puppets cut them. */
export const WECHAT_TEXT_LIMIT = 1500;

const CALL_NO = /\b[A-Z]{2,4}-\d{8}-(\d{4})\b/g;

/** "报到 JJ-20261127-0001" → "报到 0001": the short number is what people type. */
export const shortenCallNumbers = (command: string) => command.replace(CALL_NO, '$1');

/** The words that perform a button's action, with a placeholder for what must follow. */
export function replyWords(b: Button): string {
  let words = shortenCallNumbers(b.command).replace(/\s+/g, ' ').trim();
  // 报到 goes to the department's own room and counts for the replier's unit: the code is noise.
  words = words.replace(/^(报到 \S+) [a-z][a-z0-9_]*$/, '$1');
  // "并入的呼叫单编号，如 0001" → "并入的呼叫单编号": an example inside the words would be typed as is
  return b.needsText ? `${words} ${b.needsText.split(/[，,]/)[0].trim()}` : words;
}

const bare = (label: string) => label.replace(/（.*?）|\(.*?\)/g, '').trim();
const numericSelect = (f: FormField) =>
  f.type === 'select' && !!f.options?.length && f.options.every((o) => /^\d+$/.test(o.value));

/** What to write for one form field in the example reply: its initial value (by label), else a hint. */
function exampleValue(f: FormField): string {
  if (f.initial) return f.options?.find((o) => o.value === f.initial)?.label ?? f.initial;
  if (f.type === 'text') return `${bare(f.label)}…`;
  if (f.type === 'select' && f.options?.some((o) => o.value === '')) return '';
  if (f.type === 'multiselect' && !f.required) return '';
  return bare(f.label);
}

const choices = (f: FormField) => (f.options ?? []).filter((o) => o.value !== '');
const optional = (f: FormField) =>
  f.type === 'multiselect' ? !f.required : (f.options ?? []).some((o) => o.value === '');
/** A select with more options than fit on a line (departments): "write the name". */
const longSelect = (f: FormField) =>
  (f.type === 'select' || f.type === 'multiselect') && !numericSelect(f) && choices(f).length > 6;

/** A form as one example reply and a line saying what each part means. */
export function formWords(form: Form): { example: string; explain: string } {
  const byName = new Map(form.fields.map((f) => [f.name, f]));
  const example = shortenCallNumbers(
    form.command.replace(/\{(\w+)\}/g, (_, name: string) => {
      const f = byName.get(name);
      return f ? exampleValue(f) : '';
    }),
  )
    .replace(/\s+/g, ' ')
    .trim();
  const parts: string[] = [];
  const fields = form.fields;
  // consecutive fields of one kind: the five scores, or lead and co departments
  const runOf = (i: number, same: (f: FormField) => boolean) => {
    const run = [fields[i]];
    while (i + run.length < fields.length && same(fields[i + run.length])) run.push(fields[i + run.length]);
    return run;
  };
  for (let i = 0; i < fields.length; ) {
    const f = fields[i];
    let run = [f];
    if (numericSelect(f)) {
      run = runOf(i, numericSelect);
      const values = choices(f).map((o) => Number(o.value));
      const range = `${Math.min(...values)}–${Math.max(...values)}分`;
      parts.push(
        run.length > 1
          ? `${run.map((x) => bare(x.label)).join('、')}，各${range}`
          : `${bare(f.label)}（${range}）`,
      );
    } else if (longSelect(f)) {
      run = runOf(i, longSelect);
      const skippable = run.filter(optional).map((x) => bare(x.label));
      const several = run.filter((x) => x.type === 'multiselect').map((x) => bare(x.label));
      parts.push(
        `${run.map((x) => bare(x.label)).join('、')}（写名称，如 ${choices(f)[0]?.label ?? ''}${several.length ? `；${several.join('、')}可写多个` : ''}${skippable.length ? `；${skippable.join('、')}可省略` : ''}）`,
      );
    } else if (f.type === 'select') {
      parts.push(
        `${bare(f.label)}（${choices(f)
          .map((o) => o.label)
          .join('/')}${optional(f) ? '，可省略' : ''}）`,
      );
    } else {
      parts.push(i === fields.length - 1 ? `最后是${f.label}` : f.label);
    }
    i += run.length;
  }
  return { example, explain: parts.length ? `依次为：${parts.join('；')}` : '' };
}

/** Concise text: 【title】, label：value lines, text, the words to reply, note. */
export function renderText(m: Message): string {
  const lines: string[] = [`【${m.title}】`];
  for (const f of m.fields ?? []) lines.push(`${f.label}：${f.value}`);
  if (m.text) lines.push(m.text);
  // the pictures Huying draws follow as files; photos of other platforms stay where they are
  for (const img of m.images ?? []) if (isDrawnPicture(img.ref)) lines.push(`［图片］${img.alt}`);
  const actions: string[] = [];
  for (const b of m.buttons ?? []) {
    const words = replyWords(b);
    const verb = words.split(' ')[0];
    actions.push(bare(b.label) === verb ? `回复「${words}」` : `${b.label}：回复「${words}」`);
  }
  if (m.form) {
    const { example, explain } = formWords(m.form);
    actions.push(`${m.form.submitLabel}：回复「${example}」`);
    if (explain) actions.push(explain);
  }
  if (actions.length) lines.push('——', ...actions);
  if (m.note) lines.push(m.note);
  return lines.join('\n');
}

/** Splits at line boundaries into parts of at most `max` characters (a longer line is cut). */
export function splitText(text: string, max = WECHAT_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let current = '';
  const flush = () => {
    if (current) parts.push(current);
    current = '';
  };
  for (const line of text.split('\n')) {
    const pieces: string[] = [];
    for (let rest = line; ; rest = rest.slice(max)) {
      pieces.push(rest.slice(0, max));
      if (rest.length <= max) break;
    }
    for (const piece of pieces) {
      if (current && current.length + 1 + piece.length > max) flush();
      current = current ? `${current}\n${piece}` : piece;
    }
  }
  flush();
  return parts.length ? parts : [''];
}
