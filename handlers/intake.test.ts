// The report parser against a labelled set of realistic reports, plus the rules that must never bend.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../config/district.ts';
import { cleanText, createParser } from './intake.ts';

interface Labelled {
  text: string;
  category: string;
  emergency: boolean;
  location: string | null;
}

const district = loadDistrict();
const parse = createParser(district);
const labelled: Labelled[] = readFileSync(new URL('../test/fixtures/reports.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));

describe('labelled reports', () => {
  const results = labelled.map((r) => ({ r, d: parse(r.text) }));

  it('is a varied set covering every catalog code at least twice', () => {
    expect(labelled.length).toBeGreaterThanOrEqual(70);
    for (const item of district.catalog) {
      expect(labelled.filter((r) => r.category === item.code).length, item.code).toBeGreaterThanOrEqual(2);
    }
    for (const r of labelled) expect(district.catalogByCode.has(r.category), r.category).toBe(true);
  });

  it('gets at least 90% of categories right', () => {
    const misses = results.filter(({ r, d }) => d.category !== r.category);
    const accuracy = 1 - misses.length / results.length;
    const detail = misses.map(
      ({ r, d }) => `${r.text} — want ${r.category}, got ${d.category} [${d.matched}]`,
    );
    expect(
      accuracy,
      `accuracy ${(accuracy * 100).toFixed(1)}%, misses:\n${detail.join('\n')}`,
    ).toBeGreaterThanOrEqual(0.9);
  });

  it('flags every emergency', () => {
    const missed = results.filter(({ r, d }) => r.emergency && !d.emergency).map(({ r }) => r.text);
    expect(missed).toEqual([]);
  });

  it('raises at most two false alarms', () => {
    const falseAlarms = results.filter(({ r, d }) => !r.emergency && d.emergency).map(({ r }) => r.text);
    expect(falseAlarms.length, falseAlarms.join('\n')).toBeLessThanOrEqual(2);
  });

  it('finds the location in at least 85% of reports that name one', () => {
    const withPlace = results.filter(({ r }) => r.location);
    const misses = withPlace.filter(({ r, d }) => !d.location?.includes(r.location!));
    const rate = 1 - misses.length / withPlace.length;
    const detail = misses.map(({ r, d }) => `${r.text} — want ${r.location}, got ${d.location}`);
    expect(
      rate,
      `location ${(rate * 100).toFixed(1)}%, misses:\n${detail.join('\n')}`,
    ).toBeGreaterThanOrEqual(0.85);
  });

  it('parses a report in well under a millisecond once warm', () => {
    for (const { r } of results) parse(r.text);
    const rounds = 10;
    const start = performance.now();
    for (let i = 0; i < rounds; i++) for (const r of labelled) parse(r.text);
    const perReport = (performance.now() - start) / (rounds * labelled.length);
    expect(perReport).toBeLessThan(1);
  });
});

describe('createParser', () => {
  it('says other, with no departments and no confidence, for gibberish and empty text', () => {
    for (const text of ['asdf qwer', '哈哈哈哈', '', '   ', '@呼应助手 ']) {
      const d = parse(text);
      expect(d.category, text).toBe('other');
      expect(d.departments).toEqual([]);
      expect(d.lead).toBeNull();
      expect(d.confidence).toBe(0);
      expect(d.emergency).toBe(false);
      expect(d.location).toBeNull();
    }
  });

  it('says other when two items tie instead of guessing a department', () => {
    const d = parse('整栋楼突然就没电了，电梯也停了');
    expect(d.category).toBe('other');
    expect(d.departments).toEqual([]);
  });

  it('takes tier and departments from the catalog', () => {
    const d = parse('书院街45号有人在楼顶私搭了一间违建');
    expect(d).toMatchObject({
      category: 'illegal_build',
      categoryName: '违章搭建',
      tier: 'general',
      lead: 'cgw',
      co: ['zjj'],
      departments: ['cgw', 'zjj'],
      emergency: false,
    });
    expect(d.matched).toContain('违建');
    expect(d.confidence).toBeGreaterThan(0.5);
    expect(d.confidence).toBeLessThanOrEqual(1);
  });

  it('has no lead for a simple matter the street handles itself', () => {
    const d = parse('小区垃圾桶满了没人清运');
    expect(d).toMatchObject({ category: 'garbage', tier: 'simple', lead: null, departments: [] });
  });

  it('makes any report with a danger word an emergency, keeping its category', () => {
    const d = parse('锦华路的电线掉下来冒烟了，有人触电');
    expect(d.emergency).toBe(true);
    expect(d.tier).toBe('emergency');
    const wall = parse('新华社区9栋外墙瓷砖掉下来，差点砸到人');
    expect(wall).toMatchObject({ category: 'old_building', tier: 'emergency', emergency: true });
    expect(wall.departments).toEqual(['zjj', 'yjj', 'xfjy']);
  });

  it('reads a gas smell as a gas leak and an emergency', () => {
    for (const text of ['3单元楼道里一股燃气味', '家里闻到气味，好像是燃气', '楼下有很重的煤气味']) {
      expect(parse(text), text).toMatchObject({
        category: 'gas_leak',
        tier: 'emergency',
        lead: 'yjj',
        emergency: true,
      });
    }
  });

  it('does not raise alarms over look-alike words', () => {
    for (const text of ['被楼上噪音困扰很久了', '燃气费在哪里交', '楼下烧烤摊每天冒烟', '房间搞得一塌糊涂']) {
      expect(parse(text).emergency, text).toBe(false);
    }
  });

  it('counts a word inside a longer keyword of another item once', () => {
    // 堵塞 (drainage) sits inside 堵塞通道 (fire_hazard).
    expect(parse('楼道里堆满东西堵塞通道').category).toBe('fire_hazard');
    expect(parse('电梯困人了，快来').category).toBe('trapped_lift');
  });

  it('joins location parts in order and keeps phone digits out of them', () => {
    const d = parse('@呼应助手 晨辉社区锦华路88号3栋2单元门口的路灯不亮了，电话13812345678');
    expect(d.location).toBe('晨辉社区锦华路88号3栋2单元门口');
    expect(d.text).toBe('晨辉社区锦华路88号3栋2单元门口的路灯不亮了，电话13812345678');
    expect(parse('九眼桥下面的路灯坏了').location).toBe('九眼桥下面');
    expect(parse('东湖公园旁边有人摆摊，联系我 028-84561234').location).toBe('东湖公园旁边');
  });

  it("recognises a community's short name in its own chat only", () => {
    expect(parse('晨辉的路灯坏了').location).toBeNull();
    expect(parse('晨辉的路灯坏了', { communityCode: 'chenhui', streetCode: 'jinhualu' }).location).toBe(
      '晨辉',
    );
  });
});

describe('cleanText', () => {
  it('drops mentions and collapses whitespace', () => {
    expect(cleanText('  @呼应助手\u2005锦华路   路灯\n不亮 ')).toBe('锦华路 路灯 不亮');
    expect(cleanText('@_user_1 东大街积水')).toBe('东大街积水');
  });
});
