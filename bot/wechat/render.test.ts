import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../../config/district.ts';
import type { Assignment, Call } from '../../db/schema.ts';
import { scoreCard } from '../../handlers/cards/close.ts';
import type { Message } from '../../handlers/messages.ts';
import { formWords, renderText, replyWords, shortenCallNumbers, splitText } from './render.ts';

const NO = 'JJ-20261127-0001';

describe('the words to reply', () => {
  it('uses the short number', () => {
    expect(shortenCallNumbers(`查询 ${NO}`)).toBe('查询 0001');
    expect(shortenCallNumbers(`合并 JJ-20261127-0002 到 ${NO}`)).toBe('合并 0002 到 0001');
    expect(shortenCallNumbers('呼叫 0001')).toBe('呼叫 0001');
  });

  it('drops the unit from 报到 (it goes to the department’s own room) and keeps it elsewhere', () => {
    expect(replyWords({ label: '报到', command: `报到 ${NO} cgw` })).toBe('报到 0001');
    expect(replyWords({ label: '派单', command: `派单 ${NO} swj sthjj` })).toBe('派单 0001 swj sthjj');
  });

  it('names what must follow for buttons that need text, without the example', () => {
    expect(replyWords({ label: '办结', command: `办结 ${NO} `, needsText: '办理结果' })).toBe(
      '办结 0001 办理结果',
    );
    expect(
      replyWords({ label: '合并到…', command: `合并 ${NO} 到 `, needsText: '并入的呼叫单编号，如 0001' }),
    ).toBe('合并 0001 到 并入的呼叫单编号');
  });
});

describe('renderText', () => {
  const message: Message = {
    kind: 'dispatch',
    title: `新呼叫请报到 ${NO}`,
    tone: 'warning',
    fields: [
      { label: '编号', value: NO },
      { label: '地点', value: '东湖路8号' },
    ],
    text: '请尽快报到。',
    buttons: [
      { label: '报到', command: `报到 ${NO} cgw` },
      { label: '按建议呼叫', command: `呼叫 ${NO}` },
    ],
    note: '由 系统 发出',
  };

  it('gives the title, fields, text, the words to reply and the note, one per line', () => {
    expect(renderText(message)).toBe(
      [
        `【新呼叫请报到 ${NO}】`,
        `编号：${NO}`,
        '地点：东湖路8号',
        '请尽快报到。',
        '——',
        '回复「报到 0001」',
        '按建议呼叫：回复「呼叫 0001」',
        '由 系统 发出',
      ].join('\n'),
    );
  });

  it('spells out the score card: five dimensions and one line to reply, 报到 prefilled', () => {
    const d = loadDistrict();
    const call = { no: NO } as Call;
    const a = { id: '7', unit_code: 'cgw', acknowledged_at: null, ack_due_at: null } as unknown as Assignment;
    const card = scoreCard(d, call, a, 14);
    const { example, explain } = formWords(card.form!);
    expect(example).toBe('评分 0001 城管委 14 20 20 20 20 意见…');
    expect(explain).toBe(
      '依次为：报到、专业性、担当意识、配合度、办理结果，各0–20分；最后是意见（低分须写理由）',
    );
    expect(renderText(card)).toContain('提交评分：回复「评分 0001 城管委 14 20 20 20 20 意见…」');
  });

  it('lists a select’s choices, or asks for a name when there are many', () => {
    const { example, explain } = formWords({
      command: `呼叫 ${NO} {tier} {lead} {co}`,
      submitLabel: '按所选呼叫',
      fields: [
        {
          name: 'tier',
          label: '等级',
          type: 'select',
          initial: '一般',
          options: ['简单', '一般', '复杂'].map((v) => ({ value: v, label: v })),
        },
        {
          name: 'lead',
          label: '牵头部门',
          type: 'select',
          initial: 'cgw',
          options: [
            { value: 'cgw', label: '区城管委' },
            ...Array.from({ length: 8 }, (_, i) => ({ value: `d${i}`, label: `部门${i}` })),
          ],
        },
        {
          name: 'co',
          label: '协办部门',
          type: 'select',
          options: [
            { value: '', label: '（无）' },
            ...Array.from({ length: 8 }, (_, i) => ({ value: `d${i}`, label: `部门${i}` })),
          ],
        },
      ],
    });
    expect(example).toBe('呼叫 0001 一般 区城管委');
    expect(explain).toBe(
      '依次为：等级（简单/一般/复杂）；牵头部门、协办部门（写名称，如 区城管委；协办部门可省略）',
    );
  });
});

describe('splitText', () => {
  it('keeps short texts whole', () => {
    expect(splitText('a\nb', 10)).toEqual(['a\nb']);
  });

  it('splits at line boundaries and cuts only a line that is itself too long', () => {
    expect(splitText('aaaa\nbbbb\ncc', 9)).toEqual(['aaaa\nbbbb', 'cc']);
    expect(splitText('x'.repeat(12), 5)).toEqual(['xxxxx', 'xxxxx', 'xx']);
    for (const part of splitText(Array.from({ length: 500 }, (_, i) => `第${i}行`).join('\n'), 100))
      expect(part.length).toBeLessThanOrEqual(100);
  });
});
