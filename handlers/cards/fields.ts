// What every card shows: names of units, the call's fields, photos, deadlines, the timeline's words.
import type { District } from '../../config/district.ts';
import type { Assignment, Call } from '../../db/schema.ts';
import { TIER_NAMES } from '../calls.ts';
import type { FormField } from '../messages.ts';
import { formatShanghai } from '../worktime.ts';

export const unitName = (d: District, code: string | null | undefined) =>
  (code && d.units.get(code)?.name) || code || '—';
/** The name people type for a unit: without the 区 / 国网 / 公安 before it (城管委, 水务局). */
export const shortName = (d: District, code: string) => unitName(d, code).replace(/^(区|国网|公安)/, '');
export const categoryName = (d: District, code: string) => d.catalogByCode.get(code)?.name ?? code;
export const when = (at: Date | string | null | undefined) => (at ? formatShanghai(new Date(at)) : '—');

/** Phone numbers are masked wherever other people read them: 138****5678. */
export function maskPhones(text: string): string {
  return text
    .replace(/(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g, '$1****$2')
    .replace(/(?<!\d)(0\d{2,3}-?)\d{4}(\d{3,4})(?!\d)/g, '$1****$2');
}

export const short = (no: string) => no.slice(-4);

export function baseFields(d: District, call: Call) {
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
export const PLATFORM_PHOTO = /^[a-z]+-image:/;

/**
 * The reporter's photos to show on a card: those a platform keeps and can show again (each
 * platform's renderer shows its own and leaves the others out); others are counted in the
 * 现场图片 field only.
 */
export function photoImages(images: string[] | null | undefined): { ref: string; alt: string }[] {
  const shown = (images ?? []).filter((i) => PLATFORM_PHOTO.test(i)).slice(0, 3);
  return shown.map((ref, i) => ({ ref, alt: shown.length > 1 ? `现场图片 ${i + 1}` : '现场图片' }));
}

/** The reporter's photos: links where they are on the web, else where to find them. */
export function photosField(images: string[] | null | undefined) {
  if (!images?.length) return [];
  const links = images.filter((i) => /^https?:\/\//i.test(i));
  const value = `${images.length} 张${links.length ? ` ${links.join(' ')}` : '（见反映人所在群的原消息）'}`;
  return [{ label: '现场图片', value }];
}

export const tierWord = (tier: string) =>
  ({ simple: '简单', general: '一般', complex: '复杂', key: '重点', emergency: '突发' })[tier] ?? '一般';

/** The departments to choose from, but those already working on the call. */
export const departmentOptions = (d: District, busy: string[] = []) =>
  d.departments.filter((u) => !busy.includes(u.code)).map((u) => ({ value: u.code, label: u.name }));

/** The lead and co-department selects of the triage and dispatch forms. */
export const departmentFields = (d: District, lead: string | null, busy: string[] = []): FormField[] => [
  {
    name: 'lead',
    label: '牵头部门',
    type: 'select',
    initial: lead ?? undefined,
    options: departmentOptions(d, busy),
  },
  { name: 'co', label: '协办部门（可多选）', type: 'multiselect', options: departmentOptions(d, busy) },
];

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

export const eventDetail = (p: Record<string, unknown>) => {
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
