// Stages 1–3 (collect, triage, call): the reporter's receipt and the street's triage card.
import type { District } from '../../config/district.ts';
import type { Call } from '../../db/schema.ts';
import { TIER_NAMES } from '../calls.ts';
import { say } from '../command-def.ts';
import type { Message } from '../messages.ts';
import { modeOf } from '../modes.ts';
import {
  baseFields,
  categoryName,
  departmentFields,
  photoImages,
  short,
  tierWord,
  unitName,
} from './fields.ts';

/** What anyone told of a danger is asked to do at once. */
export const IN_DANGER = '如有人员危险，请立即拨打 119 / 110 / 120。';

export function draftCard(d: District, call: Call, departments: string[]): Message {
  return {
    kind: 'draft',
    callNo: call.no,
    title: call.emergency ? `紧急情况已上报 ${call.no}` : `已收到反映 ${call.no}`,
    tone: call.emergency ? 'danger' : 'info',
    urgent: call.emergency,
    fields: [
      { label: '编号', value: call.no },
      { label: '类别', value: categoryName(d, call.category_code) },
      { label: '地点', value: call.location ?? '未识别（可补充说明）' },
      { label: '建议等级', value: TIER_NAMES[call.tier] ?? call.tier },
      { label: '对口部门', value: departments.map((u) => unitName(d, u)).join('、') || '街道研判后确定' },
    ],
    text: call.emergency
      ? `已同时报告呼应办和区领导。${IN_DANGER}`
      : call.in_doubt
        ? `${unitName(d, call.street_code)}将尽快核实处理。${IN_DANGER}可随时发送「${say.query(short(call.no))}」查看进度。`
        : `${unitName(d, call.street_code)}将尽快研判处理，可随时发送「${say.query(short(call.no))}」查看进度。`,
    buttons: [{ label: '查询进度', command: say.query(call.no) }],
  };
}

export function triageCard(
  d: District,
  call: Call,
  suggested: { lead: string | null; co: string[] },
  /** when the parser is unsure of the category: its confidence and best guesses */
  unsure?: {
    confidence: number;
    alternatives: { category: string; name: string; score: number }[];
    /** what the district's language model said, where it was asked */
    advice?: { category: string };
  },
): Message {
  const no = call.no;
  const suggestion = [suggested.lead, ...suggested.co].filter(Boolean).map((u) => unitName(d, u));
  // Unsure: say so, and offer the likeliest categories; 呼叫 with a category calls with its tier and lead.
  const guesses = unsure?.alternatives.slice(0, 3) ?? [];
  // the district's language model's choice, where it was asked, leads the guesses (applyAdvice)
  const advised = unsure?.advice && guesses.find((a) => a.category === unsure.advice!.category);
  return {
    ...(unsure && {
      text: `呼应助手不确定这是哪类问题（把握 ${Math.round(unsure.confidence * 100)}%），可按下面的类别呼叫：${guesses
        .map((a) => `${a.name}（${a === advised ? '区大模型建议' : `${Math.round(a.score * 100)}%`}）`)
        .join('、')}`,
    }),
    kind: 'triage',
    callNo: no,
    title: `${call.emergency ? '【紧急】' : ''}新呼叫待研判 ${no}`,
    tone: call.emergency ? 'danger' : 'warning',
    urgent: call.emergency,
    fields: [
      ...baseFields(d, call),
      { label: '建议部门', value: suggestion.join('、') || '（需人工研判）' },
      { label: '反映人', value: call.reporter_name ?? '—' },
    ],
    images: photoImages(call.images),
    buttons: [
      // as suggested: only when the suggestion is enough to call (a general call needs its department)
      ...(!modeOf(call.tier).needsDepartment || suggested.lead
        ? [{ label: '按建议呼叫', command: say.call(no), style: 'primary' as const }]
        : []),
      { label: '自行处置', command: say.selfHandle(no) },
      { label: '提交呼应办', command: say.toOffice(no) },
      { label: '提交区领导', command: say.toLeaders(no) },
      { label: '撤销', command: say.cancel(no), style: 'danger', needsText: '撤销理由' },
      ...guesses.map((a) => ({ label: `按「${a.name}」呼叫`, command: say.call(no, a.name) })),
    ],
    form: {
      command: `呼叫 ${no} {tier} {lead} {co}`,
      submitLabel: '按所选呼叫',
      fields: [
        {
          name: 'tier',
          label: '等级',
          type: 'select',
          initial: tierWord(call.tier),
          options: ['简单', '一般', '复杂', '重点', '突发'].map((w) => ({ value: w, label: w })),
        },
        ...departmentFields(d, suggested.lead),
      ],
    },
  };
}
