// Renders real bulletin charts and checks the PNG header, size and that the Chinese text is actually drawn.
import { describe, expect, it } from 'vitest';
import { renderBarChartPng } from './chart.ts';

const departments = [
  '区城管委',
  '区水务局',
  '区住建委',
  '区市场监管局',
  '区生态环境局',
  '区卫健委',
  '区交通委',
  '区民政局',
  '区应急管理局',
  '区教委',
  '区房管局',
];
const scores = [92.5, 88.1, 87.4, 86.9, 85.0, 84.3, 83.8, 81.2, 79.6, 77.1, 74.9];
const title = '2026年11月 部门过程评议平均分';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  // The first chunk is IHDR: 4-byte length, 'IHDR', then width and height as big-endian uint32.
  expect(png.toString('ascii', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('renderBarChartPng', () => {
  it('renders 11 departments as a PNG of the default size', async () => {
    const png = await renderBarChartPng({ title, labels: departments, values: scores, unit: '分' });
    expect(pngSize(png)).toEqual({ width: 900, height: 120 + 40 * departments.length });
    expect(png.length).toBeGreaterThan(15_000);
  });

  it('honours an explicit width and height', async () => {
    const png = await renderBarChartPng({
      title,
      labels: departments,
      values: scores,
      width: 640,
      height: 480,
    });
    expect(pngSize(png)).toEqual({ width: 640, height: 480 });
  });

  it('draws the labels and title: the same bars without text give a different image', async () => {
    const withText = await renderBarChartPng({ title, labels: departments, values: scores, unit: '分' });
    const withoutText = await renderBarChartPng({
      title: '',
      labels: departments.map(() => ''),
      values: scores,
      unit: '分',
    });
    expect(withText.equals(withoutText)).toBe(false);
  });

  it('draws real Chinese glyphs, not identical missing-glyph boxes', async () => {
    // Labels of the same length: if the font lacked these characters both would render as the same boxes.
    const values = [90, 80];
    const a = await renderBarChartPng({ title: '', labels: ['区城管委', '区水务局'], values });
    const b = await renderBarChartPng({ title: '', labels: ['区教委办', '区民政局'], values });
    expect(a.equals(b)).toBe(false);
  });

  it('rejects labels and values of different lengths', async () => {
    await expect(renderBarChartPng({ title, labels: ['区城管委'], values: [1, 2] })).rejects.toThrow(
      /labels/,
    );
  });
});
