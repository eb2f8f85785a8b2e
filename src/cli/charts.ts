/**
 * Charts of the CLI's reports, drawn by Apache ECharts (server-side rendering to an SVG string:
 * no DOM, no canvas, no fonts to load). ECharts is imported on the first chart, so only the
 * commands that draw (`search --plot / --html`, `evaluate --html`) load it.
 *
 * Point and bar labels must stay inside the plot frame: the axes get headroom, and a label
 * whose point sits in the right or top part of the frame is placed on its inner side.
 */
import type { EChartsOption } from 'echarts';

type ECharts = typeof import('echarts');
let lib: Promise<ECharts> | undefined;

/** Frame of every chart (pixels): the plot area is the rectangle inside these margins. */
export const CHART = { width: 720, height: 440, left: 80, right: 30, top: 56, bottom: 56 } as const;

async function render(option: EChartsOption): Promise<string> {
  const echarts = await (lib ??= import('echarts'));
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART.width, height: CHART.height });
  try {
    chart.setOption({
      animation: false, backgroundColor: '#fff', textStyle: { fontFamily: 'sans-serif' },
      grid: { left: CHART.left, right: CHART.right, top: CHART.top, bottom: CHART.bottom },
      ...option,
    });
    return chart.renderToSVGString() + '\n';
  } finally {
    chart.dispose();
  }
}

export interface CurvePoint { recall: number; qps: number; label?: string }

/**
 * Queries/s (log scale, y) against recall@k (x), the ANN-benchmarks picture: up and to the
 * right is better; each point labelled with its sweep value.
 */
export function recallQpsChart(points: CurvePoint[], title: string): Promise<string> {
  const sorted = points.slice().sort((a, b) => a.recall - b.recall);
  const x1 = 1;
  let x0 = Math.max(0, Math.floor((Math.min(...sorted.map((p) => p.recall), 1) - 0.02) * 10) / 10);
  if (x1 - x0 < 0.1) x0 = Math.max(0, x1 - 0.1);
  const logs = sorted.map((p) => Math.log10(Math.max(p.qps, 1e-9)));
  // a decade more when an extreme point sits on the frame's top or bottom: its label would cross it
  let y0 = Math.floor(Math.min(...logs));
  if (Math.min(...logs) - y0 < 0.15) y0 -= 1;
  let y1 = Math.ceil(Math.max(...logs));
  if (y1 - Math.max(...logs) < 0.15) y1 += 1;
  const right = x0 + 0.8 * (x1 - x0);
  return render({
    title: { text: title, left: 'center', top: 12, textStyle: { fontSize: 14, fontWeight: 'normal' } },
    xAxis: { type: 'value', min: x0, max: x1, name: 'recall@k', nameLocation: 'middle', nameGap: 30, axisLabel: { formatter: (v: number) => v.toFixed(2) } },
    yAxis: { type: 'log', min: 10 ** y0, max: 10 ** y1, name: 'queries/s (log scale)', nameLocation: 'middle', nameGap: 58 },
    series: [{
      type: 'line', symbolSize: 8, lineStyle: { width: 2 }, clip: true,
      data: sorted.map((p) => ({
        value: [p.recall, Math.max(p.qps, 1e-9)], name: p.label ?? '',
        label: { show: p.label !== undefined, formatter: p.label ?? '', fontSize: 11, position: p.recall > right ? 'left' : 'top', distance: 8 },
      })),
      labelLayout: { moveOverlap: 'shiftY' },
    }],
  });
}

export interface FoldBars { metric: string; values: number[]; mean: number }

/** One bar per fold of a cross-validation score, its value on the bar, the mean as a line. */
export function foldChart(s: FoldBars, title: string): Promise<string> {
  const max = Math.max(...s.values, s.mean);
  const min = Math.min(...s.values, 0);
  // room above the tallest bar for its label
  const unit = max <= 1 && min >= 0;
  const top = unit ? Math.min(1.15, max * 1.15 || 1) : max + 0.15 * (max - min || 1);
  return render({
    title: { text: title, left: 'center', top: 12, textStyle: { fontSize: 14, fontWeight: 'normal' } },
    xAxis: { type: 'category', data: s.values.map((_, i) => `fold ${i + 1}`), name: 'fold', nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'value', min: Math.min(0, min), max: top, name: s.metric, nameLocation: 'middle', nameGap: 58, axisLabel: { formatter: (v: number) => (unit && v > 1 ? '' : String(Number(v.toFixed(3)))) } },
    series: [{
      type: 'bar', data: s.values, barMaxWidth: 48,
      label: { show: true, position: 'insideTop', distance: 6, color: '#fff', fontSize: 11, formatter: (p: { value: unknown }) => (p.value as number).toFixed(3) },
      markLine: { symbol: 'none', silent: true, data: [{ yAxis: s.mean, name: 'mean' }], label: { formatter: `mean ${s.mean.toFixed(3)}`, position: 'insideEndTop' } },
    }],
  });
}
