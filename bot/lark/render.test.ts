// Message → Lark card JSON 2.0, and back: what a button or form carries returns as the same command.
import { describe, expect, it } from 'vitest';
import type { Message } from '../../handlers/messages.ts';
import { larkEvent } from '../../test/fakes/lark-events.ts';
import { cardActions } from '../../test/harness/lark.ts';
import { flattenEnvelope, normalizeCardAction } from './inbound.ts';
import { CARD_LIMIT_BYTES, cardBytes, escapeMarkdown, NONE_VALUE, renderCard } from './render.ts';

const triage: Message = {
  kind: 'triage',
  callNo: 'JJ-20261123-0001',
  title: '新呼叫待研判 JJ-20261123-0001',
  tone: 'warning',
  fields: [
    { label: '编号', value: 'JJ-20261123-0001' },
    { label: '反映内容', value: '路灯不亮，电话138****5678' },
  ],
  buttons: [
    { label: '按建议呼叫', command: '呼叫 JJ-20261123-0001', style: 'primary' },
    { label: '合并到…', command: '合并 JJ-20261123-0001 到 ', needsText: '并入的呼叫单编号，如 0001' },
    { label: '撤销', command: '撤销 JJ-20261123-0001 ', style: 'danger', needsText: '撤销理由' },
  ],
  form: {
    command: '呼叫 JJ-20261123-0001 {tier} {lead} {co}',
    submitLabel: '按所选呼叫',
    fields: [
      {
        name: 'tier',
        label: '等级',
        type: 'select',
        initial: '一般',
        options: ['简单', '一般'].map((w) => ({ value: w, label: w })),
      },
      { name: 'lead', label: '牵头部门', type: 'select', options: [{ value: 'cgw', label: '区城管委' }] },
      {
        name: 'co',
        label: '协办部门',
        type: 'select',
        initial: '',
        options: [
          { value: '', label: '（无）' },
          { value: 'zjj', label: '区住建交通局' },
        ],
      },
      { name: 'comment', label: '意见', type: 'text', placeholder: '处置及时' },
    ],
  },
  note: '由 梁益莉 处理',
};

/** What Lark would send back when this action is used, as the router will see it. */
function press(action: { value: unknown }, formValue?: Record<string, unknown>) {
  const e = larkEvent.cardAction({
    operatorOpenId: 'ou_1',
    messageId: 'om_1',
    chatId: 'oc_1',
    value: action.value as Record<string, unknown>,
    formValue,
  });
  return normalizeCardAction(flattenEnvelope(e as never))!.action!;
}

describe('renderCard', () => {
  it('is a JSON 2.0 card with a coloured header, fields as markdown and a grey note', () => {
    const card = renderCard(triage);
    expect(card).toMatchObject({
      schema: '2.0',
      config: { update_multi: true },
      header: { title: { tag: 'plain_text', content: triage.title }, template: 'orange' },
    });
    const md = card.body.elements.filter((e) => e.tag === 'markdown').map((e) => e.content as string);
    expect(md[0]).toBe('**编号**：JJ-20261123-0001\n**反映内容**：路灯不亮，电话138&#42;&#42;&#42;&#42;5678');
    expect(md.at(-1)).toBe("<font color='grey'>由 梁益莉 处理</font>");
    for (const [tone, colour] of [
      ['info', 'blue'],
      ['success', 'green'],
      ['danger', 'red'],
      ['neutral', 'grey'],
    ] as const)
      expect(renderCard({ ...triage, tone }).header.template).toBe(colour);
  });

  it('gives plain buttons a callback with their command', () => {
    const actions = cardActions(renderCard(triage));
    expect(actions.find((a) => a.label === '按建议呼叫')).toEqual({
      label: '按建议呼叫',
      value: { cmd: '呼叫 JJ-20261123-0001' },
    });
    expect(press(actions[0]).command).toBe('呼叫 JJ-20261123-0001');
  });

  it('turns needsText buttons into small forms whose submit brings back command + text', () => {
    const card = renderCard(triage);
    const forms = card.body.elements.filter((e) => e.tag === 'form');
    expect(forms.map((f) => f.name)).toEqual(['reply_1', 'reply_2', 'form']);
    const reply = forms[1].elements as Record<string, any>[];
    expect(reply[0]).toMatchObject({ tag: 'input', required: true, placeholder: { content: '撤销理由' } });
    expect(reply[1]).toMatchObject({ tag: 'button', type: 'danger', form_action_type: 'submit' });
    const revoke = cardActions(card).find((a) => a.label === '撤销')!;
    expect(revoke.form).toBe('reply_2');
    expect(press(revoke, { [reply[0].name]: '  重复反映，已处理 ' }).command).toBe(
      '撤销 JJ-20261123-0001 重复反映，已处理',
    );
    const merge = cardActions(card).find((a) => a.label === '合并到…')!;
    expect(press(merge, { text_1: '0002' }).command).toBe('合并 JJ-20261123-0001 到 0002');
    // Every named field in the card is unique (Lark refuses a submit otherwise).
    const names: string[] = [];
    const walk = (el: any) => {
      if (el?.name) names.push(el.name);
      for (const k of ['elements', 'columns']) for (const c of el?.[k] ?? []) walk(c);
    };
    for (const el of card.body.elements) walk(el);
    expect(new Set(names).size).toBe(names.length);
  });

  it('renders the form with select_static (string values, the empty choice as a sentinel) and inputs', () => {
    const form = renderCard(triage).body.elements.find((e) => e.name === 'form')!;
    const fields = (form.elements as Record<string, any>[]).filter((e) => e.tag !== 'markdown');
    expect(fields.map((f) => f.tag)).toEqual([
      'select_static',
      'select_static',
      'select_static',
      'input',
      'button',
    ]);
    expect(fields[0]).toMatchObject({ name: 'tier', initial_option: '一般' });
    expect(fields[2].options.map((o: any) => o.value)).toEqual([NONE_VALUE, 'zjj']);
    expect(fields[2].initial_option).toBe(NONE_VALUE);
    for (const f of fields.slice(0, 3)) for (const o of f.options) expect(typeof o.value).toBe('string');
    expect(fields[3]).toMatchObject({ tag: 'input', name: 'comment', placeholder: { content: '处置及时' } });
    const submit = cardActions(renderCard(triage)).find((a) => a.form === 'form')!;
    expect(submit.label).toBe('按所选呼叫');
    expect(press(submit, { tier: '一般', lead: 'cgw', co: NONE_VALUE, comment: '' }).command).toBe(
      '呼叫 JJ-20261123-0001 一般 cgw',
    );
  });

  it('@-mentions people by open_id, and writes names when the id is unknown or not given', () => {
    const m: Message = {
      ...triage,
      mentions: [
        { personId: '1', name: '城管联络员' },
        { personId: '2', name: '无飞书' },
      ],
    };
    const mentions = [
      { personId: '1', name: '城管联络员', platformUserId: 'ou_sample_cgw1' },
      { personId: '2', name: '无飞书', platformUserId: null },
    ];
    expect(renderCard(m, { mentions }).body.elements[0]).toEqual({
      tag: 'markdown',
      content: '<at id=ou_sample_cgw1></at> @无飞书',
    });
    expect(renderCard(m).body.elements[0].content).toBe('@城管联络员 @无飞书');
  });

  it('escapes what people wrote, so it cannot format, link or mention', () => {
    expect(escapeMarkdown('<at id=all></at> **粗** [a](http://x) `c` _i_ ~~s~~')).not.toMatch(/[<>*[\]`_~]/);
    expect(escapeMarkdown('# 标题\n- 列表\n> 引用')).toBe('&#35; 标题\n&#45; 列表\n&#62; 引用');
    expect(escapeMarkdown('A&B &amp; 1-2')).toBe('A&B &#38;amp; 1-2');
  });

  it('stays under 30 KB by cutting long text with …', () => {
    const long: Message = {
      ...triage,
      text: '很长的说明'.repeat(5000),
      fields: Array.from({ length: 20 }, (_, i) => ({ label: `字段${i}`, value: '内容'.repeat(800) })),
    };
    const card = renderCard(long);
    expect(cardBytes(card)).toBeLessThanOrEqual(CARD_LIMIT_BYTES);
    expect(JSON.stringify(card)).toContain('…');
    expect(cardActions(card).length).toBe(cardActions(renderCard(triage)).length);
    const huge: Message = {
      ...triage,
      form: {
        ...triage.form!,
        fields: Array.from({ length: 30 }, (_, i) => ({
          name: `f${i}`,
          label: `字段${i}`,
          type: 'select' as const,
          options: Array.from({ length: 30 }, (_, j) => ({ value: `v${j}`, label: `选项${j}`.repeat(4) })),
        })),
      },
    };
    const cut = renderCard(huge);
    expect(cardBytes(cut)).toBeLessThanOrEqual(CARD_LIMIT_BYTES);
    expect(JSON.stringify(cut)).toContain('内容过长');
  });

  it('shows stored images by key only', () => {
    const card = renderCard({
      ...triage,
      images: [
        { ref: 'img_v3_abc', alt: '现场' },
        { ref: 'chart:42', alt: '图表' },
      ],
    });
    expect(card.body.elements.filter((e) => e.tag === 'img')).toEqual([
      { tag: 'img', img_key: 'img_v3_abc', alt: { tag: 'plain_text', content: '现场' } },
    ]);
  });
});
