// A call's status and timeline, for 查询 and for everyone who asks.
import type { District } from '../../config/district.ts';
import type { Assignment, Call } from '../../db/schema.ts';
import { STATE_NAMES } from '../calls.ts';
import type { Message, Tone } from '../messages.ts';
import { baseFields, EVENT_NAMES, eventDetail, unitName, when } from './fields.ts';

export function statusCard(
  d: District,
  call: Call,
  assignments: Assignment[],
  events: { at: Date; kind: string; actor_label: string; payload: Record<string, unknown> }[],
): Message {
  const tone: Tone = ['closed', 'archived'].includes(call.state)
    ? 'success'
    : call.emergency
      ? 'danger'
      : 'info';
  return {
    kind: 'status',
    callNo: call.no,
    title: `呼叫单 ${call.no}：${STATE_NAMES[call.state] ?? call.state}`,
    tone,
    fields: [
      ...baseFields(d, call),
      ...assignments.map((a) => ({
        label: unitName(d, a.unit_code),
        value: `${STATE_NAMES[a.state] ?? a.state}；办结时限 ${when(a.resolve_due_at)}`,
      })),
    ],
    text: events
      .slice(-12)
      .map((e) => `${when(e.at)} ${e.actor_label} ${EVENT_NAMES[e.kind] ?? e.kind}${eventDetail(e.payload)}`)
      .join('\n'),
  };
}
