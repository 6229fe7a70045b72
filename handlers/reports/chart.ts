// Bar chart PNGs on the server: chart.js on @napi-rs/canvas, Chinese text in OFL Noto Sans Hans (@embedpdf/fonts-sc).
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartItem,
  LinearScale,
  type Plugin,
  Title,
} from 'chart.js';
import { cjkFontPath } from '../../config/fonts.ts';

export interface BarChartInput {
  title: string;
  labels: string[];
  values: number[];
  /** appended to each value label, e.g. '分' */
  unit?: string;
  /** the end of the value axis when the scale has one (scores: 100); otherwise it fits the data */
  max?: number;
  width?: number;
  height?: number;
}

const FAMILY = 'Huying Noto Sans Hans';
const BAR_COLOR = '#3b6fb6';
const TEXT_COLOR = '#222222';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Title);

let fontReady = false;

/** Registers the CJK font once per process. */
function ensureFont(): void {
  if (fontReady) return;
  for (const weight of ['Regular', 'Bold'] as const) {
    const file = cjkFontPath(weight);
    if (!GlobalFonts.registerFromPath(file, FAMILY)) throw new Error(`chart: could not load font ${file}`);
  }
  fontReady = true;
}

const whiteBackground: Plugin<'bar'> = {
  id: 'huyingWhiteBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

function valueLabels(unit: string, digits: number, fontSize: number): Plugin<'bar'> {
  return {
    id: 'huyingValueLabels',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea } = chart;
      const meta = chart.getDatasetMeta(0);
      const data = chart.data.datasets[0]?.data ?? [];
      ctx.save();
      ctx.font = `${fontSize}px "${FAMILY}"`;
      ctx.textBaseline = 'middle';
      meta.data.forEach((bar, i) => {
        const value = data[i];
        if (typeof value !== 'number' || !Number.isFinite(value)) return;
        const text = value.toFixed(digits) + unit;
        const { x, y } = bar.getProps(['x', 'y'], true) as { x: number; y: number };
        const width = ctx.measureText(text).width;
        const outside = value >= 0 ? x + 6 : x - 6 - width;
        const fits = value >= 0 ? outside + width <= chartArea.right : outside >= chartArea.left;
        if (fits) {
          ctx.fillStyle = TEXT_COLOR;
          ctx.textAlign = 'left';
          ctx.fillText(text, outside, y);
        } else {
          ctx.fillStyle = '#ffffff';
          ctx.textAlign = value >= 0 ? 'right' : 'left';
          ctx.fillText(text, value >= 0 ? x - 6 : x + 6, y);
        }
      });
      ctx.restore();
    },
  };
}

/** Renders a horizontal bar chart (bars in the order given, top to bottom) as a PNG with a white background. */
export async function renderBarChartPng(input: BarChartInput): Promise<Buffer> {
  const { title, labels, values, unit = '' } = input;
  if (labels.length !== values.length) {
    throw new Error(`chart: ${labels.length} labels but ${values.length} values`);
  }
  ensureFont();
  const width = Math.round(input.width ?? 900);
  const height = Math.round(input.height ?? 120 + 40 * labels.length);
  const canvas = createCanvas(width, height);
  const fontSize = 15;
  // One decimal for every label as soon as any score has a fraction, so 85 and 84.3 line up as 85.0 and 84.3.
  const digits = values.every(Number.isInteger) ? 0 : 1;
  const chart = new Chart(canvas as unknown as ChartItem, {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          data: values,
          backgroundColor: BAR_COLOR,
          barPercentage: 0.7,
          categoryPercentage: 0.9,
        },
      ],
    },
    options: {
      indexAxis: 'y',
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      events: [],
      layout: { padding: { top: 8, right: 24, bottom: 8, left: 12 } },
      font: { family: `"${FAMILY}"`, size: fontSize },
      color: TEXT_COLOR,
      scales: {
        x: {
          beginAtZero: true,
          ...(input.max !== undefined ? { max: input.max } : { grace: '8%' }),
          grid: { color: '#e5e5e5' },
          ticks: { color: '#555555', font: { family: `"${FAMILY}"`, size: 13 } },
        },
        y: {
          grid: { display: false },
          ticks: { color: TEXT_COLOR, autoSkip: false, font: { family: `"${FAMILY}"`, size: fontSize } },
        },
      },
      plugins: {
        title: {
          display: title.length > 0,
          text: title,
          color: TEXT_COLOR,
          font: { family: `"${FAMILY}"`, size: 22, weight: 'bold' },
          padding: { top: 12, bottom: 16 },
        },
      },
    },
    plugins: [whiteBackground, valueLabels(unit, digits, fontSize)],
  });
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}
