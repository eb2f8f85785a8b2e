import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli, cliTempDir } from '../helpers/cli.js';
import { gaussianClusters } from '../helpers/data.js';
import { writeFvecs } from '../../src/io/vecs.js';
import { CHART } from '../../src/cli/charts.js';

/** search --plot / --html and evaluate --html: ECharts SVG inside a standalone HTML report. */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = cliTempDir('knnkit-html-');
after(tmp.remove);

/** Text labels of an ECharts SVG: text, anchor and position (translate(x y)). */
function texts(svg: string): { text: string; anchor: string; x: number; y: number; size: number; fill: string }[] {
  return [...svg.matchAll(/<text([^>]*)>([^<]*)<\/text>/g)].flatMap((m) => {
    const t = /transform="translate\(([-\d.]+) ([-\d.]+)\)"/.exec(m[1]);
    if (!t) return [];
    return [{ text: m[2], anchor: /text-anchor="(\w+)"/.exec(m[1])?.[1] ?? 'start', x: Number(t[1]), y: Number(t[2]), size: Number(/font-size:(\d+)px/.exec(m[1])?.[1] ?? 12), fill: /fill="([^"]+)"/.exec(m[1])?.[1] ?? '' }];
  });
}

/** The label's box (width estimated at 0.62 em per character) lies inside the plot frame. */
function assertInsideFrame(label: { text: string; anchor: string; x: number; y: number; size: number }): void {
  const w = label.text.length * label.size * 0.62, h = label.size;
  const x0 = label.anchor === 'end' ? label.x - w : label.anchor === 'middle' ? label.x - w / 2 : label.x;
  const inside = x0 >= CHART.left && x0 + w <= CHART.width - CHART.right && label.y - h / 2 >= CHART.top && label.y + h / 2 <= CHART.height - CHART.bottom;
  assert.ok(inside, `label ${JSON.stringify(label)} is inside the frame`);
}

test('search --plot and --html: the recall / queries/s chart with every sweep label inside the frame, and the table of runs', async () => {
  const X = gaussianClusters(2000, 16, 10, 1), Q = gaussianClusters(200, 16, 10, 2);
  const base = join(tmp.dir, 'base.fvecs'), queries = join(tmp.dir, 'q.fvecs');
  await writeFvecs(base, X);
  await writeFvecs(queries, Q);
  const plot = join(tmp.dir, 'curve.svg'), html = join(tmp.dir, 'report.html');
  const r = await cli(['search', base, queries, '--index', 'hnsw', '--ef', '4,8,16,64,256', '--threads', '1', '--plot', plot, '--html', html, '--json']);
  assert.equal(r.code, 0, r.err);
  const runs = JSON.parse(r.out).runs as { ef: number; recall: number }[];
  const svg = readFileSync(plot, 'utf8');
  assert.match(svg, /^<svg[^>]*width="720" height="440"/);
  const labels = texts(svg).filter((t) => /^ef \d+$/.test(t.text));
  assert.deepEqual(labels.map((l) => l.text).sort(), runs.map((x) => `ef ${x.ef}`).sort(), 'one label per run');
  labels.forEach(assertInsideFrame);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /^<!doctype html>/);
  assert.match(page, /<title>knnkit search: hnsw on .*base\.fvecs<\/title>/);
  const rows = [...page.matchAll(/<tr><td>(\d+)<\/td><td>([\d.]+)<\/td>/g)];
  assert.deepEqual(rows.map((m) => [Number(m[1]), Number(m[2])]), runs.map((x) => [x.ef, Number(x.recall.toFixed(4))]));
  assert.equal((page.match(/<svg/g) ?? []).length, 1, 'the chart is inline');
  assert.doesNotMatch(page, /<script|https?:\/\/(?!www\.w3\.org)/, 'nothing to load');
});

test('evaluate --html: scores, per-fold table and a per-fold chart with labels inside the frame', async () => {
  const X = gaussianClusters(150, 4, 3, 7);
  const lines = ['a,b,c,d,label'];
  for (let i = 0; i < X.rows; i++) lines.push(`${Array.from(X.data.subarray(i * 4, i * 4 + 4)).join(',')},c${i % 3}`);
  const data = join(tmp.dir, 'data.csv');
  writeFileSync(data, lines.join('\n') + '\n');
  const html = join(tmp.dir, 'eval.html');
  const r = await cli(['evaluate', data, '--folds', '5', '--json', '--html', html]);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out) as { accuracy: { mean: number }; perFold: { accuracy: number }[] };
  const page = readFileSync(html, 'utf8');
  const perFold = [...page.matchAll(/<tr><td>\d+<\/td><td>\d+<\/td><td>\d+<\/td><td>([\d.]+)<\/td>/g)].map((m) => Number(m[1]));
  assert.deepEqual(perFold, rep.perFold.map((f) => Number(f.accuracy.toFixed(4))));
  assert.match(page, new RegExp(`<td>accuracy</td><td>${rep.accuracy.mean.toFixed(4)}</td>`));
  const svg = /<svg[\s\S]*<\/svg>/.exec(page)![0];
  const bars = texts(svg).filter((t) => t.fill === '#fff' && /^\d\.\d{3}$/.test(t.text));
  assert.equal(bars.length, 5, 'one value label per fold');
  bars.forEach(assertInsideFrame);
  assert.deepEqual(bars.map((b) => b.text), rep.perFold.map((f) => f.accuracy.toFixed(3)), 'the bars carry the per-fold accuracies');
  const mean = texts(svg).find((t) => t.text === `mean ${rep.accuracy.mean.toFixed(3)}`);
  assert.ok(mean, 'the mean line is labelled');
  assertInsideFrame(mean);
});

test('--html is checked before any work: a wrong extension or a missing folder is a one-line error', async () => {
  const r = await cli(['evaluate', join(tmp.dir, 'data.csv'), '--html', join(tmp.dir, 'x.txt')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--html/);
  const s = await cli(['search', join(tmp.dir, 'base.fvecs'), join(tmp.dir, 'q.fvecs'), '--html', join(tmp.dir, 'missing', 'r.html')]);
  assert.equal(s.code, 2);
  assert.match(s.err, /^knnkit search: --html: .*missing/);
  assert.equal(s.out, '');
});

test('ECharts is imported by src/cli/charts.ts only, and that module only on demand', () => {
  const files: string[] = [];
  (function walk(d: string) { for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') && files.push(join(d, e.name)); })(join(root, 'src'));
  const importers = files.filter((f) => /from ['"]echarts['"]|import\(['"]echarts['"]\)/.test(readFileSync(f, 'utf8').replace(/import type[^;]*;/g, '')));
  assert.deepEqual(importers.map((f) => relative(root, f)), ['src/cli/charts.ts']);
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /^\s*import\s+(?!type\b)[^;]*from\s+['"][./]*charts\.js['"]/m, `${relative(root, f)} imports charts.js statically`);
  }
});
