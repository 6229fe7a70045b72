// Turning a press in the simulator into the router's action: a button's command (with the
// words a needsText button asks for), or a form's template and its checked values.

import { checkForm, type Message } from '../../handlers/messages.ts';
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
    const values = checkForm(card.form, input.form ?? {});
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
