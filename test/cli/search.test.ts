import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { output } from '../../src/cli/output.js';
import { writeFvecs, writeIvecs, writeNpy } from '../../src/io/index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { recallAtK, percentile, recallQpsSvg } from '../../src/cli/bench-report.js';
import { SearchResult } from '../../src/search/results.js';
import { gaussianClusters } from '../helpers/data.js';
import { familyNames } from '../../src/index/registry.js';
import '../../src/index/families.js';

let dir = '';
const base = gaussianClusters(1500, 6, 8, 1);
const queries = gaussianClusters(60, 6, 8, 2);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'knnkit-search-'));
  await writeFvecs(join(dir, 'base.fvecs'), base);
  await writeFvecs(join(dir, 'query.fvecs'), queries);
  await writeFvecs(join(dir, 'query5.fvecs'), gaussianClusters(3, 5, 1, 3));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process, capturing what it writes to stdout and stderr. */
async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const write = output.write, log = console.log, error = console.error;
  output.write = (s: string) => { out += s; };
  console.log = (...a: unknown[]) => { out += a.join(' ') + '\n'; };
  console.error = (...a: unknown[]) => { err += a.join(' ') + '\n'; };
  try {
    const code = await main(['search', ...args]);
    return { code, out, err };
  } finally {
    output.write = write; console.log = log; console.error = error;
  }
}

const f = (name: string) => join(dir, name);

test('--json prints exactly one object: exact engines find every true neighbour', async () => {
  for (const index of ['brute', 'kd-tree', 'ball-tree']) {
    const r = await cli(f('base.fvecs'), f('query.fvecs'), '--index', index, '--k', '7', '--json', '--threads', '1');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.equal(lines.length, 1, 'one line of output');
    const j = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(j), ['index', 'k', 'buildSeconds', 'memoryBytes', 'runs']);
    assert.equal(j.index, index); assert.equal(j.k, 7);
    assert.ok(j.buildSeconds >= 0 && j.memoryBytes >= base.data.byteLength);
    assert.equal(j.runs.length, 1);
    assert.deepEqual(Object.keys(j.runs[0]), ['recall', 'qps', 'p50Ms', 'p99Ms']);
    assert.equal(j.runs[0].recall, 1);
    assert.ok(j.runs[0].qps > 0 && j.runs[0].p50Ms > 0 && j.runs[0].p99Ms >= j.runs[0].p50Ms);
  }
});

test('hnsw: one run per --ef, each with its ef; recall grows with ef; --plot writes an SVG', async () => {
  const plot = f('curve.svg');
  const r = await cli(f('base.fvecs'), f('query.fvecs'), '--index', 'hnsw', '--ef', '10,80', '--m', '8', '--ef-construction', '64', '--json', '--threads', '1', '--plot', plot);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.index, 'hnsw');
  assert.deepEqual(j.runs.map((x: { ef: number }) => x.ef), [10, 80]);
  assert.deepEqual(Object.keys(j.runs[0]), ['ef', 'recall', 'qps', 'p50Ms', 'p99Ms']);
  assert.ok(j.runs[1].recall >= j.runs[0].recall && j.runs[1].recall > 0.9, JSON.stringify(j.runs));
  const svg = readFileSync(plot, 'utf8');
  assert.match(svg, /^<svg /);
  // one labelled point per run (ECharts draws the markers as paths; test/cli/html-report checks the label positions)
  assert.deepEqual((svg.match(/>ef \d+<\/text>/g) ?? []).sort(), ['>ef 10</text>', '>ef 80</text>']);
});

test('hnsw --storage bits: bit-packed 0/1 vectors, same recall as float32 storage, less memory', async () => {
  const bin = (m: typeof base) => ({ ...m, data: m.data.map((v) => (v > 0 ? 1 : 0)) });
  const wide = (n: number, seed: number) => bin(gaussianClusters(n, 96, 8, seed));
  await writeFvecs(f('bbase.fvecs'), wide(1500, 4));
  await writeFvecs(f('bquery.fvecs'), wide(60, 5));
  const args = [f('bbase.fvecs'), f('bquery.fvecs'), '--index', 'hnsw', '--ef', '64', '--m', '8', '--ef-construction', '64', '--json', '--threads', '1', '--k', '5'];
  const a = await cli(...args, '--storage', 'bits');
  const b = await cli(...args);
  assert.equal(a.code, 0, a.err); assert.equal(b.code, 0, b.err);
  const ja = JSON.parse(a.out), jb = JSON.parse(b.out);
  assert.equal(ja.runs[0].recall, jb.runs[0].recall);
  // integer Hamming distances tie often, and the CLI counts recall by id: equality with f32 is the check
  assert.ok(ja.runs[0].recall > 0.5, JSON.stringify(ja.runs));
  assert.ok(ja.memoryBytes < jb.memoryBytes, `${ja.memoryBytes} vs ${jb.memoryBytes}`);
  const bad = await cli(f('base.fvecs'), f('query.fvecs'), '--index', 'hnsw', '--storage', 'bits');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--storage: got "bits" but .*base\.fvecs: row 0, column \d+ holds .*0\/1 vectors only/);
  const other = await cli(f('base.fvecs'), f('query.fvecs'), '--storage', 'bits');
  assert.equal(other.code, 2);
  assert.match(other.err, /--storage: got "bits"; expected "f32" \(the only codec of the "kd-tree" index\)/, 'auto picks the KD-tree here, which stores f32 only');
});

test('--groundtruth: the first k ids of each row count; a wrong ground truth lowers recall', async () => {
  const truth = new BruteForce(base).search(queries, 100);
  await writeIvecs(f('gt.ivecs'), { data: truth.indices, rows: truth.nQueries, cols: 100 });
  const r = await cli(f('base.fvecs'), f('query.fvecs'), '--index', 'kd-tree', '--groundtruth', f('gt.ivecs'), '--json', '--k', '10');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).runs[0].recall, 1);
  // shift every row by 5: only the ids at ranks 5..9 remain among the first 10
  const shifted = new Int32Array(truth.indices.length);
  for (let q = 0; q < 60; q++) for (let j = 0; j < 100; j++) shifted[q * 100 + j] = truth.indices[q * 100 + Math.min(99, j + 5)];
  await writeIvecs(f('gt-shift.ivecs'), { data: shifted, rows: 60, cols: 100 });
  const s = await cli(f('base.fvecs'), f('query.fvecs'), '--index', 'brute', '--groundtruth', f('gt-shift.ivecs'), '--json');
  assert.equal(JSON.parse(s.out).runs[0].recall, 0.5);
});

test('human output names the engine, build, memory, the recall table and the threads', async () => {
  const r = await cli(f('base.fvecs'), f('query.fvecs'), '--index', 'ball-tree', '--threads', '2', '--metric', 'manhattan');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /index: ball-tree \(leafSize 40\), built in [\d.]+ s, memory [\d.]+ KB/);
  assert.match(r.out, /batch search: 2 worker threads/);
  assert.match(r.out, /recall@10/);
  assert.match(r.out, /\n\s+1\.0000\s+\d+/);
  const a = await cli(f('base.fvecs'), f('query.fvecs'), '--metric', 'hamming', '--threads', '1');
  assert.match(a.out, /index: ball-tree \(auto\)/, 'auto picks the ball tree for hamming');
});

test('CSV and .npy inputs: the CSV label column is ignored', async () => {
  const header = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'label'].join(',');
  const toCsv = (m: typeof base) => header + '\n' + Array.from({ length: m.rows }, (_, i) => [...m.data.subarray(i * 6, i * 6 + 6)].join(',') + ',' + (i % 3)).join('\n') + '\n';
  writeFileSync(f('base.csv'), toCsv(base));
  await writeNpy(f('query.npy'), queries);
  const r = await cli(f('base.csv'), f('query.npy'), '--index', 'kd-tree', '--json', '--k', '3');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).runs[0].recall, 1);
});

test('k larger than the base is clamped', async () => {
  await writeFvecs(f('tiny.fvecs'), gaussianClusters(4, 6, 1, 9));
  const r = await cli(f('tiny.fvecs'), f('query.fvecs'), '--index', 'kd-tree', '--k', '10', '--json');
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).k, 4);
  assert.equal(JSON.parse(r.out).runs[0].recall, 1);
});

test('bad input: exit 2 with one line naming the option or file', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['--index', 'octree'], new RegExp(`--index: got "octree"; expected one of ${familyNames().join(', ')}, auto`)],
    [['--metric', 'nope'], /--metric: got "nope"/],
    [['--index', 'kd-tree', '--metric', 'cosine'], /--metric: got "cosine"; the KD-tree needs a Minkowski-family metric/],
    [['--index', 'ball-tree', '--metric', 'sqeuclidean'], /--metric: got "sqeuclidean"; the ball tree needs a true metric/],
    [['--k', '0'], /--k: got "0"; expected an integer >= 1/],
    [['--k', 'ten'], /--k: got "ten"/],
    [['--ef', '10,x', '--index', 'hnsw'], /--ef: got "10,x"/],
    [['--ef', '10', '--index', 'kd-tree'], /--ef: does not apply to --index kd-tree; it is an option of (.*, )?hnsw\b/],
    [['--leaf-size', '8', '--index', 'brute'], /--leaf-size: does not apply to --index brute; it is an option of (.*, )?kd-tree, ball-tree\b/],
    [['--threads', '0'], /--threads: got "0"/],
    [['--p', '3'], /--p: only applies to --metric minkowski/],
    [['--plot', 'curve.png'], /--plot: .*\.svg/],
    [['--plot', '/no/such/dir/p.svg'], /--plot: \/no\/such\/dir\/p\.svg: cannot write it: its folder \/no\/such\/dir does not exist/],
    [['--groundtruth', 'gt.txt'], /--groundtruth: .*\.ivecs/],
    [['--bogus'], /--bogus: unknown option/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(f('base.fvecs'), f('query.fvecs'), ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit code (stderr: ${r.err})`);
    assert.match(r.err, re, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, 'one line');
    assert.equal(r.out, '', 'nothing on stdout');
  }
  const missing = await cli(f('base.fvecs'), f('missing.fvecs'));
  assert.equal(missing.code, 2); assert.match(missing.err, /missing\.fvecs: no such file/);
  const mismatch = await cli(f('base.fvecs'), f('query5.fvecs'));
  assert.equal(mismatch.code, 2); assert.match(mismatch.err, /query5\.fvecs: dimension mismatch: the queries have 5 columns but the base .* has 6/);
  const one = await cli(f('base.fvecs'));
  assert.equal(one.code, 2); assert.match(one.err, /expected exactly two/);
  await writeIvecs(f('gt-short.ivecs'), { data: new Int32Array(60 * 5), rows: 60, cols: 5 });
  const short = await cli(f('base.fvecs'), f('query.fvecs'), '--groundtruth', f('gt-short.ivecs'));
  assert.equal(short.code, 2); assert.match(short.err, /--groundtruth: .* lists 5 neighbours per query; --k 10 needs at least 10/);
  assert.ok(!existsSync(join(dir, 'curve.png')));
});

test('bench-report: recall@k, percentiles and the SVG writer', () => {
  const res = new SearchResult(Int32Array.from([1, 2, 3, 4, 5, -1]), new Float32Array(6), 2, 3);
  const gt = { data: Int32Array.from([3, 2, 9, 9, 4, 5, 6, 7, 5, 4, 8, 9]), rows: 2, cols: 6 };
  assert.equal(recallAtK(res, gt, 3), 3 / 6); // query 0: 2 and 3 of {3, 2, 9}; query 1: 5 of {6, 7, 5}; -1 is a miss
  assert.equal(recallAtK(res, gt, 2), 1 / 4); // query 0: 2 of {3, 2}; query 1: none of {6, 7}
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([1, 2], 99), 1.99);
  assert.ok(Number.isNaN(percentile([], 50)));
  const svg = recallQpsSvg([{ recall: 0.9, qps: 1200, label: 'ef 10' }, { recall: 0.99, qps: 300, label: 'a<b' }], 'test & plot');
  assert.match(svg, /<polyline/);
  assert.match(svg, /a&lt;b/);
  assert.match(svg, /test &amp; plot/);
});
