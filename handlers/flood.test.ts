// The merging rule on the cards handlers really build: which messages merge, how a merged
// receipt and a merged triage list read, and what pressing a button on one changes.
import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../config/district.ts';
import type { Call } from '../db/schema.ts';
import { draftCard, triageCard } from './cards/collect.ts';
import { dispatchRequestCard } from './cards/dispatch.ts';
import { isMerged, lineWarning, MERGE_LIMIT, mergeKey, mergeMessages, pressedUpdate } from './flood.ts';
import { type Message, notice } from './messages.ts';

const d = loadDistrict();
const call = (n: number, o: Partial<Call> = {}): Call =>
  ({
    id: String(n),
    no: `JJ-20261127-${String(n).padStart(4, '0')}`,
    text: `晨辉路${n}号路灯不亮`,
    location: `晨辉路${n}号`,
    street_code: 'jinhualu',
    community_code: 'chenhui',
    category_code: d.catalog[0].code,
    tier: 'general',
    emergency: false,
    images: [],
    reporter_name: '居民',
    ...o,
  }) as Call;
const suggested = { lead: 'cgw', co: [] };

describe('which messages merge', () => {
  it('routine receipts and triage cards do; urgent ones, pictures, mentions and notices do not', () => {
    expect(mergeKey(draftCard(d, call(1), ['cgw']))).toBe('draft');
    expect(mergeKey(triageCard(d, call(1), suggested))).toBe('triage');
    expect(mergeKey(draftCard(d, call(1, { emergency: true }), ['cgw']))).toBeUndefined();
    expect(mergeKey(triageCard(d, call(1, { emergency: true }), suggested))).toBeUndefined();
    expect(mergeKey(dispatchRequestCard(d, call(1, { emergency: true }), suggested))).toBeUndefined();
    expect(
      mergeKey(triageCard(d, call(1, { images: ['lark-image:om_1:img_1'] }), suggested)),
    ).toBeUndefined();
    expect(mergeKey({ ...draftCard(d, call(1), []), mentions: [{ name: '某人' }] })).toBeUndefined();
    expect(mergeKey(notice('帮助', '…'))).toBeUndefined();
  });
});

describe('a merged message', () => {
  it('a receipt names every report and its number', () => {
    const parts = [1, 2, 3].map((n) => draftCard(d, call(n), ['cgw']));
    const m = mergeMessages(parts);
    expect(m).toMatchObject({ kind: 'draft_list', title: '已收到 3 条反映', tone: 'info' });
    expect(m.fields!.map((f) => f.label)).toEqual(parts.map((p) => p.callNo));
    expect(m.fields![1].value).toContain('晨辉路2号');
    expect(m.text).toContain('查询 0001');
    expect(m.urgent).toBeFalsy();
    expect(isMerged(m)).toBe(true);
  });

  it('a triage list keeps each call its own button and command words', () => {
    const dup = triageCard(d, call(2), suggested);
    dup.fields!.push({ label: '疑似重复', value: 'JJ-20261127-0001（晨辉路1号）' });
    dup.buttons!.unshift({
      label: '合并到 JJ-20261127-0001',
      command: '合并 JJ-20261127-0002 到 JJ-20261127-0001',
      style: 'primary',
    });
    const m = mergeMessages([triageCard(d, call(1), suggested), dup, triageCard(d, call(3), suggested)]);
    expect(m).toMatchObject({ kind: 'triage_list', title: '新呼叫待研判（3 件）', tone: 'warning' });
    expect(m.form).toBeUndefined();
    expect(m.buttons!.map((b) => [b.label, b.command])).toEqual([
      ['0001 按建议呼叫', '呼叫 JJ-20261127-0001'],
      ['0002 合并到 JJ-20261127-0001', '合并 JJ-20261127-0002 到 JJ-20261127-0001'],
      ['0002 按建议呼叫', '呼叫 JJ-20261127-0002'],
      ['0003 按建议呼叫', '呼叫 JJ-20261127-0003'],
    ]);
    expect(m.fields![1].value).toContain('疑似重复 JJ-20261127-0001');
    expect(m.text).toMatch(/自行处置 0001.*撤销 0001 理由/);
  });

  it('one message stays as it was; messages of different kinds do not merge', () => {
    const one = draftCard(d, call(1), ['cgw']);
    expect(mergeMessages([one])).toBe(one);
    expect(() => mergeMessages([one, triageCard(d, call(2), suggested)])).toThrow(/cannot merge/);
    expect(MERGE_LIMIT).toBeGreaterThan(3);
  });
});

describe('timer messages already merged', () => {
  const remind = (n: number): Message => ({
    kind: n % 2 ? 'remind' : 'escalate',
    tone: n % 2 ? 'warning' : 'danger',
    callNo: `JJ-20261202-${String(n).padStart(4, '0')}`,
    title: `催办：JJ-20261202-${String(n).padStart(4, '0')} 报到时限将到`,
    fields: [{ label: '问题', value: `晨辉路${n}号路灯不亮` }],
    buttons: [
      { label: '报到', command: `报到 JJ-20261202-${String(n).padStart(4, '0')} cgw`, style: 'primary' },
    ],
    ...(n === 4 ? { urgent: true, mentions: [{ personId: '9', name: '城管负责人' }] } : {}),
  });
  it('merge on: lines, buttons, count and words as if merged from the calls at once', () => {
    const calls = [1, 2, 3, 4, 5].map(remind);
    const once = mergeMessages(calls);
    const twice = mergeMessages([mergeMessages(calls.slice(0, 2)), calls[2], mergeMessages(calls.slice(3))]);
    expect(twice).toEqual(once);
    expect(once.title).toBe('催办汇总：5 件同时到期');
    expect(once.urgent).toBe(true);
    expect(mergeKey(once)).toBe('timers');
    expect(mergeKey({ ...once, private: true })).toBeUndefined();
  });
});

describe('pressing a button on a card', () => {
  it('on a merged list, takes away only the pressed call’s buttons and says who did it', () => {
    const m = mergeMessages([1, 2].map((n) => triageCard(d, call(n), suggested)));
    m.buttons!.push({ label: '0002 合并到 0001', command: '合并 JJ-20261127-0002 到 JJ-20261127-0001' });
    const after = pressedUpdate(m, '呼叫 JJ-20261127-0001', '✓ 梁益莉 于 11-27 10:02 办理：呼叫');
    expect(after.buttons!.map((b) => b.command)).toEqual([
      '呼叫 JJ-20261127-0002',
      '合并 JJ-20261127-0002 到 JJ-20261127-0001',
    ]);
    expect(after.fields![0].value).toMatch(/✓ 梁益莉/);
    expect(after.fields![1].value).not.toMatch(/✓/);
    expect(after.note).toBeUndefined();
  });

  it('on a card about one call, takes away its buttons and form', () => {
    const card = triageCard(d, call(1), suggested);
    const after = pressedUpdate(card, '呼叫 JJ-20261127-0001', '✓ 已办理');
    expect(after).toMatchObject({ kind: 'triage', buttons: [], form: undefined, note: '✓ 已办理' });
  });
});

describe('the long-line warning', () => {
  it('tells the office where, how many and how long, ahead of routine messages', () => {
    const m = lineWarning({
      platform: '飞书',
      name: '晨辉社区',
      waiting: 240,
      urgent: 2,
      oldestWaitSeconds: 150,
      longForSeconds: 75,
    });
    expect(m).toMatchObject({ kind: 'line_warning', title: '消息积压：晨辉社区', urgent: true });
    expect(m.fields).toEqual([
      { label: '群', value: '晨辉社区（飞书）' },
      { label: '待发消息', value: '240 条（其中紧急 2 条）' },
      { label: '最早一条已等待', value: '3 分钟' },
      { label: '积压已持续', value: '1 分钟' },
    ]);
  });
});
