// Stage 4 (dispatch): the dispatcher's request card and each department's dispatch card.
import type { District } from '../../config/district.ts';
import type { Assignment, Call } from '../../db/schema.ts';
import { say } from '../command-def.ts';
import type { Message } from '../messages.ts';
import { modeOf } from '../modes.ts';
import {
  assignmentFields,
  baseFields,
  departmentFields,
  durationWords,
  photoImages,
  unitName,
} from './fields.ts';

/**
 * To whoever dispatches the call (the office for a complex call, the leaders for key and
 * emergency calls): pick the departments. The office sees a leaders' call too, as `observer`,
 * with nothing to press (it may stand in for the leaders on an emergency later, when told so).
 */
export function dispatchRequestCard(
  d: District,
  call: Call,
  suggested: { lead: string | null; co: string[]; busy?: string[] },
  audience: 'dispatcher' | 'observer' = 'dispatcher',
): Message {
  const no = call.no;
  const mode = modeOf(call.tier);
  const units = [suggested.lead, ...suggested.co].filter((u): u is string => !!u);
  const card: Message = {
    kind: 'dispatch_request',
    callNo: no,
    title: `${call.emergency ? '【紧急】' : ''}请${mode.dispatcherName}派单 ${no}`,
    tone: call.emergency ? 'danger' : 'warning',
    urgent: call.emergency,
    fields: [
      ...baseFields(d, call),
      { label: '建议部门', value: units.map((u) => unitName(d, u)).join('、') || '—' },
    ],
  };
  if (audience === 'observer') {
    const standIn = mode.officeMayStandIn && d.escalation.stand_in_dispatch;
    card.text = `由${mode.dispatcherName}派单。${standIn ? `${durationWords(standIn)}内无领导派单时，呼应办可代为派单（届时另行提醒）。` : ''}`;
    return card;
  }
  card.buttons = units.length
    ? [
        {
          label: `按建议派单（${units.map((u) => unitName(d, u)).join('、')}）`,
          command: say.dispatch(no, units),
          style: 'primary',
        },
      ]
    : [];
  card.form = {
    command: `派单 ${no} {lead} {co}`,
    submitLabel: '派单',
    fields: departmentFields(d, suggested.lead, suggested.busy),
  };
  return card;
}

export function dispatchCard(
  d: District,
  call: Call,
  a: Assignment,
  mentions: { personId: string; name: string }[],
): Message {
  const no = call.no;
  const self = a.role === 'self';
  // with no 报到 time limit (a simple matter's co-department), the assignment starts acknowledged
  const reported = a.state !== 'dispatched';
  return {
    kind: 'dispatch',
    callNo: no,
    assignmentId: a.id,
    title: self
      ? `街道自行处置 ${no}`
      : `${call.emergency ? '【紧急】' : ''}新呼叫请${reported ? '办理' : '报到'} ${no}`,
    tone: call.emergency ? 'danger' : 'warning',
    urgent: call.emergency,
    fields: [...baseFields(d, call), ...assignmentFields(d, a)],
    images: photoImages(call.images),
    mentions,
    buttons: [
      ...(reported
        ? [
            { label: '反馈进展', command: say.progress(no), needsText: '处置进展' },
            { label: '办结', command: say.resolve(no), style: 'primary' as const, needsText: '办理结果' },
          ]
        : [{ label: '报到', command: say.acknowledge(no, a.unit_code), style: 'primary' as const }]),
      ...(self
        ? []
        : [
            {
              label: '退回',
              command: `退回 ${no} `,
              style: 'danger' as const,
              needsText: '退回理由（错派原因）',
            },
          ]),
    ],
  };
}
