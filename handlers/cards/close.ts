// Stage 6 (close): the street's score card and the reporter's satisfaction card.
import type { District } from '../../config/district.ts';
import type { Assignment, Call } from '../../db/schema.ts';
import { SCORE_DIMENSIONS, say } from '../command-def.ts';
import type { Message } from '../messages.ts';
import { maskPhones, short, shortName, unitName, when } from './fields.ts';

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
