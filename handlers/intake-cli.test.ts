// `huying parse` over in-memory streams: one JSON line per non-blank report, keys in a fixed order; `--eval` scores a labelled file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../config/district.ts';
import { IN_DOUBT } from '../test/fixtures/in-doubt.ts';
import { CorpusError, runEvalCli, runParseCli } from './intake-cli.ts';

function collector() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('runParseCli', () => {
  const district = loadDistrict();

  it('says which report is in doubt: no alarm, but one the street should check soon', async () => {
    const out = collector();
    await runParseCli(Readable.from([`${IN_DOUBT}\n晨辉路12号路灯不亮了\n`]), out.stream, district);
    const [doubt, plain] = out
      .text()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(doubt).toMatchObject({ emergency: false, alarmDoubt: true });
    expect(plain).toMatchObject({ emergency: false, alarmDoubt: false });
  });

  it('writes one line per report, skipping blank lines, with intent and confidence last', async () => {
    const input = Readable.from([
      '书院街45号有人在楼顶搭违建\n\n   \n',
      '3单元一股燃气味\r\n问一下社保卡怎么办理',
    ]);
    const out = collector();
    const count = await runParseCli(input, out.stream, district);
    expect(count).toBe(3);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    const first = JSON.parse(lines[0]);
    expect(Object.keys(first)).toEqual([
      'category',
      'tier',
      'departments',
      'emergency',
      'alarmDoubt',
      'location',
      'intent',
      'confidence',
    ]);
    expect(first).toMatchObject({
      category: 'illegal_build',
      tier: 'general',
      departments: ['cgw', 'zjj'],
      emergency: false,
      alarmDoubt: false,
      location: '书院街45号',
      intent: 'report',
    });
    expect(first.confidence).toBeGreaterThan(0.5);
    expect(JSON.parse(lines[1])).toMatchObject({
      category: 'gas_leak',
      tier: 'emergency',
      departments: ['yjj'],
      emergency: true,
      location: '3单元',
      intent: 'report',
    });
    expect(JSON.parse(lines[2])).toMatchObject({ intent: 'question', emergency: false, location: null });
  });

  it('handles reports split across chunks and empty input', async () => {
    const split = collector();
    expect(await runParseCli(Readable.from(['东大街156号下水', '道堵了\n']), split.stream, district)).toBe(1);
    expect(JSON.parse(split.text())).toMatchObject({ category: 'drainage', location: '东大街156号' });
    const empty = collector();
    expect(await runParseCli(Readable.from([]), empty.stream, district)).toBe(0);
    expect(empty.text()).toBe('');
  });
});

describe('runEvalCli', () => {
  const district = loadDistrict();
  const dir = mkdtempSync(join(tmpdir(), 'huying-eval-'));
  const line = (o: object) => JSON.stringify({ style: 'colloquial', location: [], emergency: false, ...o });

  it('prints accuracy per field, parse times and the commonest confusions', () => {
    const file = join(dir, 'labelled.jsonl');
    writeFileSync(
      file,
      [
        line({
          id: 'a1',
          text: '锦华路88号的路灯不亮了',
          intent: 'report',
          category: 'street_light',
          location: ['锦华路88号'],
        }),
        // labelled garbage on purpose: the parser says street_light, a confusion to count
        line({
          id: 'a2',
          text: '东大街的路灯坏了三天了',
          intent: 'report',
          category: 'garbage',
          location: ['东大街'],
        }),
        line({
          id: 'a3',
          text: '电梯卡在两层中间，我妈在里面',
          intent: 'report',
          category: 'trapped_lift',
          emergency: true,
        }),
        line({ id: 'a4', text: '谢谢，路灯修好了', intent: 'thanks', category: null }),
      ].join('\n'),
    );
    const out = collector();
    runEvalCli(file, out.stream, district);
    const text = out.text();
    expect(text).toContain('category: 66.7% (2/3 reports)');
    expect(text).toContain('tier: 66.7% (2/3)');
    expect(text).toContain('emergency recall: 100.0% (1/1)');
    expect(text).toContain('false alarms: 0.0% (0/3)');
    expect(text).toContain('intent: 100.0% (4/4)');
    expect(text).toContain('location: 100.0% (4/4)');
    expect(text).toMatch(/parse time per report: p50 [\d.]+ ms, p99 [\d.]+ ms/);
    expect(text).toContain('1  garbage → street_light');
  });

  it('refuses a file it cannot read or a line without its labels, naming the line', () => {
    expect(() => runEvalCli(join(dir, 'missing.jsonl'), collector().stream, district)).toThrow(CorpusError);
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      `${line({ id: 'b1', text: '路灯坏了', intent: 'report', category: 'street_light' })}\n{"text":"x"}\n`,
    );
    expect(() => runEvalCli(bad, collector().stream, district)).toThrow(/line 2:/);
  });
});
