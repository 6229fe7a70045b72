// `huying parse` over in-memory streams: one JSON line per non-blank report, keys in a fixed order.
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadDistrict } from '../config/district.ts';
import { runParseCli } from './intake-cli.ts';

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

  it('writes one line per report, skipping blank lines', async () => {
    const input = Readable.from([
      '书院街45号有人在楼顶搭违建\n\n   \n',
      '3单元一股燃气味\r\n问一下社保卡怎么办理',
    ]);
    const out = collector();
    const count = await runParseCli(input, out.stream, district);
    expect(count).toBe(3);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      '{"category":"illegal_build","tier":"general","departments":["cgw","zjj"],"emergency":false,"location":"书院街45号"}',
    );
    expect(JSON.parse(lines[1])).toEqual({
      category: 'gas_leak',
      tier: 'emergency',
      departments: ['yjj'],
      emergency: true,
      location: '3单元',
    });
    expect(Object.keys(JSON.parse(lines[2]))).toEqual([
      'category',
      'tier',
      'departments',
      'emergency',
      'location',
    ]);
    expect(JSON.parse(lines[2])).toMatchObject({ category: 'other', departments: [], location: null });
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
