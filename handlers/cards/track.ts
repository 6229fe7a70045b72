// Stage 5 (track): a department's work card and the street's card when the work is done.
import type { District } from '../../config/district.ts';
import type { Assignment, Call } from '../../db/schema.ts';
import { say } from '../command-def.ts';
import type { Message } from '../messages.ts';
import { assignmentFields, baseFields, unitName } from './fields.ts';

export function workCard(d: District, call: Call, a: Assignment): Message {
  const no = call.no;
  return {
    kind: 'work',
    callNo: no,
    assignmentId: a.id,
    title: `已报到 ${no}，请处置`,
    tone: 'info',
    fields: [...baseFields(d, call), ...assignmentFields(d, a)],
    buttons: [
      { label: '反馈进展', command: say.progress(no), needsText: '处置进展' },
      { label: '办结', command: say.resolve(no), style: 'primary', needsText: '办理结果' },
      { label: '退回', command: `退回 ${no} `, style: 'danger', needsText: '退回理由（错派原因）' },
    ],
  };
}

export function resolvedCard(d: District, call: Call, assignments: Assignment[]): Message {
  const no = call.no;
  return {
    kind: 'close',
    callNo: no,
    title: `已办结，请确认结案 ${no}`,
    tone: 'success',
    fields: [
      ...baseFields(d, call),
      ...assignments.map((a) => ({
        label: `${unitName(d, a.unit_code)}办理结果`,
        value: a.result_text ?? '—',
      })),
    ],
    buttons: [
      { label: '结案', command: say.close(no), style: 'primary' },
      { label: '重办', command: say.reopen(no), style: 'danger', needsText: '重办理由' },
    ],
  };
}
