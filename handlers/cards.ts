// The cards people see at each stage, built from the call as it is now.
import type { District } from '../config/district.ts';
import type { Assignment, Call } from '../db/schema.ts';
import { STATE_NAMES, TIER_NAMES } from './calls.ts';
import { SCORE_DIMENSIONS, say } from './command-def.ts';
import type { FormField, Message, Tone } from './messages.ts';
import { modeOf } from './modes.ts';
import { formatShanghai } from './worktime.ts';

export const unitName = (d: District, code: string | null | undefined) =>
  (code && d.units.get(code)?.name) || code || '—';
/** The name people type for a unit: without the 区 / 国网 / 公安 before it (城管委, 水务局). */
export const shortName = (d: District, code: string) => unitName(d, code).replace(/^(区|国网|公安)/, '');
const categoryName = (d: District, code: string) => d.catalogByCode.get(code)?.name ?? code;
const when = (at: Date | string | null | undefined) => (at ? formatShanghai(new Date(at)) : '—');

/** Phone numbers are masked wherever other people read them: 138****5678. */
export function maskPhones(text: string): string {
  return text
    .replace(/(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g, '$1****$2')
    .replace(/(?<!\d)(0\d{2,3}-?)\d{4}(\d{3,4})(?!\d)/g, '$1****$2');
}

const short = (no: string) => no.slice(-4);

function baseFields(d: District, call: Call) {
  return [
    { label: '编号', value: call.no },
    { label: '反映内容', value: maskPhones(call.text) },
    { label: '地点', value: call.location ?? '未识别，请补充' },
    {
      label: '所属',
      value: `${unitName(d, call.street_code)}${call.community_code ? ` ${unitName(d, call.community_code)}` : ''}`,
    },
    { label: '类别', value: categoryName(d, call.category_code) },
    { label: '等级', value: TIER_NAMES[call.tier] ?? call.tier },
    ...photosField(call.images),
  ];
}

/** A photo a person sent on a platform, as calls keep it: `<platform>-image:<where>`. */
const PLATFORM_PHOTO = /^[a-z]+-image:/;

/**
 * The reporter's photos to show on a card: those a platform keeps and can show again (each
 * platform's renderer shows its own and leaves the others out); others are counted in the
 * 现场图片 field only.
 */
function photoImages(images: string[] | null | undefined): { ref: string; alt: string }[] {
  const shown = (images ?? []).filter((i) => PLATFORM_PHOTO.test(i)).slice(0, 3);
  return shown.map((ref, i) => ({ ref, alt: shown.length > 1 ? `现场图片 ${i + 1}` : '现场图片' }));
}

/** The reporter's photos: links where they are on the web, else where to find them. */
function photosField(images: string[] | null | undefined) {
  if (!images?.length) return [];
  const links = images.filter((i) => /^https?:\/\//i.test(i));
  const value = `${images.length} 张${links.length ? ` ${links.join(' ')}` : '（见反映人所在群的原消息）'}`;
  return [{ label: '现场图片', value }];
}

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
      ? '已同时报告呼应办和区领导。如有人员危险，请立即拨打 119 / 110 / 120。'
      : `${unitName(d, call.street_code)}将尽快研判处理，可随时发送「${say.query(short(call.no))}」查看进度。`,
    buttons: [{ label: '查询进度', command: say.query(call.no) }],
  };
}

export function triageCard(
  d: District,
  call: Call,
  suggested: { lead: string | null; co: string[] },
  /** when the parser is unsure of the category: its confidence and best guesses */
  unsure?: { confidence: number; alternatives: { name: string; score: number }[] },
): Message {
  const no = call.no;
  const suggestion = [suggested.lead, ...suggested.co].filter(Boolean).map((u) => unitName(d, u));
  // Unsure: say so, and offer the likeliest categories; 呼叫 with a category calls with its tier and lead.
  const guesses = unsure?.alternatives.slice(0, 3) ?? [];
  return {
    ...(unsure && {
      text: `呼应助手不确定这是哪类问题（把握 ${Math.round(unsure.confidence * 100)}%），可按下面的类别呼叫：${guesses
        .map((a) => `${a.name}（${Math.round(a.score * 100)}%）`)
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

const tierWord = (tier: string) =>
  ({ simple: '简单', general: '一般', complex: '复杂', key: '重点', emergency: '突发' })[tier] ?? '一般';

/** The departments to choose from, but those already working on the call. */
export const departmentOptions = (d: District, busy: string[] = []) =>
  d.departments.filter((u) => !busy.includes(u.code)).map((u) => ({ value: u.code, label: u.name }));

/** The lead and co-department selects of the triage and dispatch forms. */
const departmentFields = (d: District, lead: string | null, busy: string[] = []): FormField[] => [
  {
    name: 'lead',
    label: '牵头部门',
    type: 'select',
    initial: lead ?? undefined,
    options: departmentOptions(d, busy),
  },
  { name: 'co', label: '协办部门（可多选）', type: 'multiselect', options: departmentOptions(d, busy) },
];

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

/** "15m" → "15分钟", "2h" → "2小时", "1wd" → "1个工作日": a limit as people say it. */
export function durationWords(text: string): string {
  const m = /^(\d+(?:\.\d+)?)(m|h|d|wh|wd)$/.exec(text);
  if (!m) return text;
  const unit = { m: '分钟', h: '小时', d: '天', wh: '个工作小时', wd: '个工作日' }[m[2] as 'm'];
  return `${m[1]}${unit}`;
}

export function assignmentFields(d: District, a: Assignment) {
  return [
    {
      label: '承办',
      value: `${unitName(d, a.unit_code)}（${a.role === 'lead' ? '牵头' : a.role === 'co' ? '协办' : '自行处置'}，第${a.round}轮）`,
    },
    { label: '报到时限', value: when(a.ack_due_at) },
    { label: '办结时限', value: when(a.resolve_due_at) },
  ];
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

export function scoreCard(d: District, call: Call, a: Assignment, ackScore: number): Message {
  const no = call.no;
  const options = Array.from({ length: 21 }, (_, i) => String(20 - i)).map((v) => ({ value: v, label: v }));
  const names = ['ack', 'professional', 'ownership', 'cooperation', 'result'];
  return {
    kind: 'score',
    callNo: no,
    assignmentId: a.id,
    title: `逆向评议：${unitName(d, a.unit_code)} ${no}`,
    tone: 'info',
    fields: [
      { label: '编号', value: no },
      { label: '承办部门', value: unitName(d, a.unit_code) },
      {
        label: '报到',
        value: a.acknowledged_at ? `${when(a.acknowledged_at)}（时限 ${when(a.ack_due_at)}）` : '未报到',
      },
      { label: '办结', value: `${when(a.resolved_at)}（时限 ${when(a.resolve_due_at)}）` },
    ],
    text: `五项各0–20分：${SCORE_DIMENSIONS.join('、')}。低于12分或逾期仍给满分须写明理由。也可回复「评分 ${short(no)} ${shortName(d, a.unit_code)} 20 18 20 19 20 意见」`,
    form: {
      command: `评分 ${no} ${shortName(d, a.unit_code)} {ack} {professional} {ownership} {cooperation} {result} {comment}`,
      submitLabel: '提交评分',
      fields: [
        ...SCORE_DIMENSIONS.map((label, i) => ({
          name: names[i],
          label,
          type: 'select' as const,
          options,
          initial: i === 0 ? String(ackScore) : '20',
          required: true,
        })),
        { name: 'comment', label: '意见（低分须写理由）', type: 'text' as const, placeholder: '处置及时' },
      ],
    },
  };
}

export function satisfactionCard(d: District, call: Call, assignments: Assignment[]): Message {
  const no = call.no;
  const results = assignments.filter((a) => a.result_text);
  return {
    kind: 'satisfaction',
    callNo: no,
    title: `您反映的问题已办结 ${no}`,
    tone: 'success',
    fields: [
      { label: '您反映的', value: maskPhones(call.text).slice(0, 60) },
      ...results.map((a) => ({ label: `${unitName(d, a.unit_code)}办理结果`, value: a.result_text! })),
    ],
    text: '请评价处理结果：',
    buttons: [
      { label: '满意', command: say.rate(no, '满意'), style: 'primary' },
      { label: '基本满意', command: say.rate(no, '基本满意') },
      { label: '不满意', command: say.rate(no, '不满意'), style: 'danger' },
    ],
  };
}

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

const eventDetail = (p: Record<string, unknown>) => {
  const s = (p.text ?? p.reason ?? p.note) as string | undefined;
  return s ? `：${maskPhones(String(s)).slice(0, 40)}` : '';
};

export const EVENT_NAMES: Record<string, string> = {
  reported: '反映问题',
  triaged: '研判',
  called: '呼叫',
  dispatched: '派单',
  acknowledged: '报到',
  progress: '反馈进展',
  resolved: '办结',
  returned: '退回',
  closed: '结案',
  reopened: '要求重办',
  merged: '合并',
  merge_received: '并入重复反映',
  cancelled: '撤销',
  reassigned: '改派',
  co_added: '增派协办',
  deadline_changed: '调整时限',
  reminded: '督办提醒',
  escalated: '升级督办',
  scored: '评分',
  score_corrected: '更正评分',
  rated: '评价满意度',
  archived: '备案',
  spot_checked: '暗访督查',
  emergency_alert: '紧急报告',
  followed_up: '追问',
  thanked: '致谢',
};
