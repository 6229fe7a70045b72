// Turning a press in the simulator into the router's action: a button's command (with the
// words a needsText button asks for), or a form's template and its checked values.

import type { Form, Message } from '../../handlers/messages.ts';
import type { Inbound } from '../inbound.ts';

export type Press =
  | { ok: true; action: NonNullable<Inbound['action']> }
  | { ok: false; status: 400; message: string };

const MAX_TEXT = 2000;

export function pressOf(
  card: Message,
  action: number | 'form',
  input: { form?: Record<string, unknown>; text?: string },
): Press {
  const refuse = (message: string): Press => ({ ok: false, status: 400, message });
  if (action === 'form') {
    if (!card.form) return refuse('这张卡片没有表单');
    const values = formValues(card.form, input.form ?? {});
    if (typeof values === 'string') return refuse(values);
    return {
      ok: true,
      action: { command: card.form.command.split(' ')[0], template: card.form.command, form: values },
    };
  }
  const button = card.buttons?.[action];
  if (!button)
    return refuse(card.buttons?.length ? `没有第${action + 1}个按钮` : '这张卡片没有按钮（可能已处理）');
  if (!button.needsText) return { ok: true, action: { command: button.command } };
  const text = (input.text ?? '').replace(/\s+/g, ' ').trim();
  if (!text) return refuse(`请填写${button.needsText}`);
  if (text.length > MAX_TEXT) return refuse(`内容过长，请精简到${MAX_TEXT}字以内`);
  return { ok: true, action: { command: `${button.command.trim()} ${text}` } };
}

/** The submitted values, checked against the form's fields (missing ones take the field's
 * initial value); a Chinese reason when something is wrong. */
export function formValues(form: Form, given: Record<string, unknown>): Record<string, string> | string {
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
      return `「${f.label}」没有“${v}”这个选项`;
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
