// The environment and the district file: refused at start with every problem listed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultDistrictPath, loadDistrict, parseDistrict } from './district.ts';
import { loadEnv } from './env.ts';
import { ConfigError } from './errors.ts';

const sample = () => parse(readFileSync(defaultDistrictPath, 'utf8'));

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('district file', () => {
  it('loads the shipped sample with its codes', () => {
    const d = loadDistrict();
    expect(d.units.get('chenhui')).toEqual({
      code: 'chenhui',
      name: '晨辉社区',
      kind: 'community',
      parent: 'jinhualu',
    });
    expect(d.catalogByCode.get('illegal_build')).toMatchObject({ lead: 'cgw', co: ['zjj'], tier: 'general' });
    expect(d.district.call_prefix).toBe('JJ');
    expect(d.escalation.remind_before).toBe(0.25);
  });

  it('is the same file as the shared sample', () => {
    const shared = join(defaultDistrictPath, '..', '..', '..', 'shared', 'sample-district.yaml');
    let text: string | undefined;
    try {
      text = readFileSync(shared, 'utf8');
    } catch {
      return; // the shared folder is not beside this checkout
    }
    expect(readFileSync(defaultDistrictPath, 'utf8')).toBe(text);
  });

  it('lists every problem with its place in the file', () => {
    const doc = sample();
    doc.catalog[0].lead = 'nobody';
    doc.catalog[1].tier = 'urgent';
    doc.tiers.general.ack = '2 hours';
    doc.chats[0].unit = 'jinhualu/nowhere';
    doc.chats[2].role = 'street';
    doc.people[1].role = 'street_staff';
    doc.departments.push({ code: 'cgw', name: '重复' });
    const list = problems(() => parseDistrict(doc, 'test.yaml'));
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tiers\.general\.ack: must be a duration such as 30m/),
        expect.stringMatching(/^catalog\[1\]\.tier: /),
      ]),
    );
    expect(list.length).toBeGreaterThanOrEqual(2);
    // cross-references are checked once the shapes are right
    const doc2 = sample();
    doc2.catalog[0].lead = 'nobody';
    doc2.chats[0].unit = 'jinhualu/nowhere';
    doc2.chats[2].role = 'street';
    doc2.people[1].role = 'street_staff';
    doc2.departments.push({ code: 'cgw', name: '重复' });
    expect(problems(() => parseDistrict(doc2, 'test.yaml'))).toEqual([
      'departments[11].code: code "cgw" is already used by departments.0.code',
      'catalog[0].lead: no department "nobody"',
      'chats[0].unit: no unit "jinhualu/nowhere"',
      'chats[2].role: a street chat must belong to a street, but "cgw" is a department',
      'people[1].role: a street_staff belongs to a street, but "cgw" is a department',
    ]);
  });

  it('takes a calendar of days the holiday library does not list yet, refusing bad dates', () => {
    const doc = sample();
    doc.calendar = { holidays: ['2027-01-01', '2027-02-30'], workdays: ['next saturday'] };
    expect(problems(() => parseDistrict(doc, 'test.yaml'))).toEqual([
      'calendar.holidays[1]: is not a real date',
      'calendar.workdays[0]: must be a date like 2027-01-01',
    ]);
    doc.calendar = { holidays: ['2027-01-01'] };
    expect(parseDistrict(doc).calendar).toEqual({ holidays: ['2027-01-01'], workdays: [] });
    expect(parseDistrict(sample()).calendar).toEqual({ holidays: [], workdays: [] });
  });

  it('refuses unreadable files and broken YAML in plain words', () => {
    expect(problems(() => loadDistrict('/nonexistent/district.yaml'))[0]).toMatch(/^cannot read the file/);
    const dir = mkdtempSync(join(tmpdir(), 'huying-cfg-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'streets: [\n  - { code: a');
    expect(problems(() => loadDistrict(bad))[0]).toMatch(/^not valid YAML/);
  });
});

describe('environment', () => {
  it('has working defaults', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      HUYING_CLOCK: 'system',
      LOG_LEVEL: 'info',
    });
    expect(env.DATABASE_URL).toBeUndefined();
  });

  it('names every bad variable', () => {
    const list = problems(() =>
      loadEnv({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        REDIS_URL: 'localhost:6379',
        ADMIN_TOKEN: 'short',
        LOG_LEVEL: 'loud',
      }),
    );
    expect(list.map((p) => p.split(':')[0]).sort()).toEqual([
      'ADMIN_TOKEN',
      'DATABASE_URL',
      'LOG_LEVEL',
      'PORT',
      'REDIS_URL',
    ]);
  });
});
