// The text grammar: what people type, and the words on every button.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../config/district.ts';
import { findUnitCode, say } from './command-def.ts';
import { COMMANDS, commandDef, commandSchema, GRAMMAR, parseCommand } from './commands.ts';

const d = loadDistrict();
const cmd = (t: string) => {
  const r = parseCommand(t, d);
  if (!r) return null;
  return r.ok ? r.command : { hint: r.hint };
};

describe('text grammar', () => {
  it('reads every command, with full and short numbers', () => {
    expect(cmd('报到 JJ-20261127-0001')).toEqual({
      type: 'acknowledge',
      ref: 'JJ-20261127-0001',
      unit: undefined,
    });
    expect(cmd('报到0001')).toEqual({ type: 'acknowledge', ref: '0001', unit: undefined });
    expect(cmd('办结 0001 已更换灯杆')).toEqual({
      type: 'resolve',
      ref: '0001',
      text: '已更换灯杆',
      images: [],
    });
    expect(cmd('评分 0001 20 18 20 19 20 处置及时')).toEqual({
      type: 'score',
      ref: '0001',
      unit: undefined,
      scores: [20, 18, 20, 19, 20],
      comment: '处置及时',
    });
    expect(cmd('评分 0001 区城管委 20 18 20 19 20')).toMatchObject({ unit: 'cgw', comment: undefined });
    // people type a department's short name, or its code
    expect(cmd('评分 0001 城管委 20 18 20 19 20')).toMatchObject({ unit: 'cgw' });
    expect(cmd('评分 0001 cgw 20 18 20 19 20')).toMatchObject({ unit: 'cgw' });
    expect(cmd('评分 0001 住建交通局 20 18 20 19 20')).toMatchObject({ unit: 'zjj' });
    expect(cmd('评分 0001 锦江供电中心 20 18 20 19 20')).toMatchObject({ unit: 'gdj' });
    expect(cmd('呼叫 0001 复杂 区水务局 生态环境局')).toEqual({
      type: 'triage',
      ref: '0001',
      tier: 'complex',
      category: undefined,
      lead: 'swj',
      co: ['sthjj'],
      call: true,
    });
    expect(cmd('研判 0001 一般问题 drainage')).toMatchObject({
      type: 'triage',
      tier: 'general',
      category: 'drainage',
      call: false,
    });
    expect(cmd('自行处置 0001')).toMatchObject({ type: 'triage', tier: 'simple', call: true });
    expect(cmd('提交呼应办 0001')).toMatchObject({ tier: 'complex' });
    expect(cmd('提交领导 0001')).toMatchObject({ tier: 'key' });
    expect(cmd('派单 0001 swj cgw')).toEqual({ type: 'dispatch', ref: '0001', departments: ['swj', 'cgw'] });
    expect(cmd('协办 0001 住建交通局')).toEqual({ type: 'add_co', ref: '0001', departments: ['zjj'] });
    expect(cmd('改派 0001 cgw swj 职责不符')).toEqual({
      type: 'reassign',
      ref: '0001',
      from: 'cgw',
      to: 'swj',
      reason: '职责不符',
    });
    expect(cmd('延期 0001 cgw 2026-12-01 18:00 等待材料')).toEqual({
      type: 'set_deadline',
      ref: '0001',
      unit: 'cgw',
      kind: 'resolve',
      due: '2026-12-01 18:00',
      reason: '等待材料',
    });
    expect(cmd('延期 0001 cgw 报到 2wh 人员外出')).toMatchObject({ kind: 'ack', due: '2wh' });
    expect(cmd('合并 0002 到 0001')).toEqual({ type: 'merge', ref: '0002', into: '0001' });
    expect(cmd('基本满意 0001')).toEqual({ type: 'rate', ref: '0001', answer: 'basic' });
    expect(cmd('不满意0001')).toEqual({ type: 'rate', ref: '0001', answer: 'unsatisfied' });
    expect(cmd('查询 0001')).toEqual({ type: 'query', ref: '0001' });
    expect(cmd('我的待办')).toEqual({ type: 'todo' });
    expect(cmd('帮助')).toEqual({ type: 'help', all: false });
    expect(cmd('帮助 全部')).toEqual({ type: 'help', all: true });
  });

  it('tells what is missing instead of guessing', () => {
    expect(cmd('办结 0001')).toEqual({ hint: '格式：办结 0001 办理结果' });
    expect(cmd('退回')).toEqual({ hint: '格式：退回 0001 退回理由' });
    expect(cmd('评分 0001 20 18')).toMatchObject({ hint: expect.stringContaining('只给了2项') });
    expect(cmd('评分 0001 20 18 20 19 二十')).toMatchObject({
      hint: expect.stringContaining('“二十”不是整数'),
    });
    expect(cmd('评分 0001 20 18 21 19 20')).toEqual({ hint: '每项评分在0到20之间：担当意识 21 超出范围' });
    expect(cmd('派单 0001 教育局')).toEqual({ hint: '没有找到部门“教育局”' });
  });

  it('leaves everything else to be a report', () => {
    expect(cmd('晨辉路12号路灯不亮了')).toBeNull();
    expect(cmd('')).toBeNull();
  });

  it('words every button as a command it can read back', () => {
    for (const text of [
      say.call('JJ-20261127-0001'),
      say.acknowledge('0001', 'cgw'),
      say.close('0001'),
      say.rate('0001', '满意'),
    ])
      expect(parseCommand(text, d)?.ok, text).toBe(true);
    expect(findUnitCode(d, '城管委')).toBe('cgw');
    expect(findUnitCode(d, '区消防救援大队')).toBe('xfjy');
    expect(GRAMMAR.length).toBeGreaterThan(20);
  });
});

describe('the command registry', () => {
  it('gives every command one definition: its own words, a help line, a schema its parse satisfies', () => {
    const heads = COMMANDS.flatMap((c) => c.heads ?? []);
    expect(new Set(heads).size).toBe(heads.length);
    for (const c of COMMANDS) {
      expect(c.help.length, c.type).toBeGreaterThan(0);
      expect(c.roles.length, c.type).toBeGreaterThan(0);
      // every help line's example, typed with its optional parts left out, is read as this command
      for (const h of c.parse ? c.help : []) {
        const example = h.usage
          .split(' / ')[0]
          .replace(/\[[^\]]*\]/g, '')
          .replace(/<[^>]*>/g, '路灯不亮')
          .replace('牵头部门', '城管委')
          .replace(/原部门 新部门/, '城管委 住建交通局')
          .replace(/ 部门…?/, ' 城管委')
          .replace(/ 内容| 结果| 理由/, ' 已处理完毕');
        const r = parseCommand(example, d);
        expect(r?.ok ? r.command.type : r, example).toBe(c.type);
        if (r?.ok) expect(commandSchema.safeParse(r.command).success, example).toBe(true);
      }
    }
  });

  it("refuses in the words of the command's own definition", () => {
    expect(commandDef('acknowledge')?.name).toBe('报到');
    expect(GRAMMAR.filter((g) => g.usage.startsWith('报到'))[0].roles).toEqual(
      commandDef('acknowledge')?.roles,
    );
  });
});

describe("the README's table of what people type", () => {
  it('lists every help line of the registry, with its meaning and who may', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = new Set(
      readme
        .split('\n')
        .filter((l) => l.startsWith('| `'))
        .map((l) =>
          l
            .split('|')
            .slice(1, 4)
            .map((c) => c.trim())
            .join('|'),
        ),
    );
    const missing = GRAMMAR.map((g) => `\`${g.usage}\`|${g.meaning}|${g.who}`).filter((r) => !rows.has(r));
    expect(missing).toEqual([]);
  });
});
