// The index contract's costs and its codecs, measured in one run:
//  1. overhead: each engine called directly vs through createIndex (ManagedIndex: ids,
//     validation, parameters) on the same data and queries (target: no regression);
//  2. codecs: brute force with f32 / f16 / sq8 (+ refine) / bits and HNSW with f32 / bits:
//     bytes per vector, build seconds, recall@10, queries/s;
//  3. persistence: toBytes / saveIndex (streamed) / loadIndex (copy and view) of an HNSW
//     index: seconds and the peak RSS of a fresh process that loads it.
// Usage: npm run bench:contract [-- --n 100000 --d 128 --queries 1000 --runs 3]
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gaussianClusters } from '../test/helpers/data.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { BruteForce } from '../src/search/brute-force/brute-force.js';
import { HnswIndex } from '../src/search/hnsw/hnsw-index.js';
import { KDTree } from '../src/search/kd-tree/kd-tree.js';
import { createIndex } from '../src/index/api.js';
import { saveIndex } from '../src/index/persist.js';
import type { SearchResult } from '../src/search/results.js';
import { fmt, median, opt } from './common.js';

const n = Number(opt('n', '100000')), d = Number(opt('d', '128')), nq = Number(opt('queries', '1000')), runs = Number(opt('runs', '3'));
const K = 10;
// base and queries drawn from the same clusters (one draw, split)
const all = gaussianClusters(n + nq, d, 100, 1);
const X: DenseMatrix = { kind: 'dense', data: all.data.subarray(0, n * d), rows: n, cols: d };
const Q: DenseMatrix = { kind: 'dense', data: all.data.slice(n * d), rows: nq, cols: d };

function timeIt(fn: () => unknown): { s: number; out: unknown } {
  const t = performance.now();
  const out = fn();
  return { s: (performance.now() - t) / 1000, out };
}

function recall(a: SearchResult, truth: SearchResult): number {
  let hit = 0;
  for (let q = 0; q < truth.nQueries; q++) {
    const t = new Set(truth.row(q).indices);
    for (const i of a.row(q).indices) if (t.has(i)) hit++;
  }
  return hit / (truth.nQueries * truth.k);
}

/** Median queries/s of `runs` whole-batch searches, alternating a and b so that load hits both alike. */
function qpsPair(a: () => unknown, b: () => unknown, queries: number): [number, number] {
  const ta: number[] = [], tb: number[] = [];
  for (let r = 0; r < runs; r++) { ta.push(timeIt(a).s); tb.push(timeIt(b).s); }
  return [queries / median(ta), queries / median(tb)];
}

console.log(`knnkit contract bench: ${n} x ${d} clustered (100 clusters), ${nq} queries, k ${K}, ${runs} runs (medians), load ${(await import('node:os')).loadavg()[0].toFixed(2)}`);

// ---------------------------------------------------------------- 1. overhead
console.log('\n1. engine called directly vs through the contract (createIndex), one thread');
console.log('engine      direct q/s   contract q/s   ratio');
{
  const bf = new BruteForce(X), cb = createIndex('brute', X);
  const [a, b] = qpsPair(() => bf.search(Q, K), () => cb.search(Q, K), nq);
  console.log(`brute       ${fmt(a).padStart(10)}   ${fmt(b).padStart(12)}   ${(b / a).toFixed(3)}`);
  const h = HnswIndex.build(X, { seed: 1 }), ch = createIndex('hnsw', X, { seed: 1 });
  const [c, e] = qpsPair(() => h.search(Q, K, { ef: 64 }), () => ch.search(Q, K, { ef: 64 }), nq);
  console.log(`hnsw ef 64  ${fmt(c).padStart(10)}   ${fmt(e).padStart(12)}   ${(e / c).toFixed(3)}`);
  const low = gaussianClusters(n + nq, 8, 100, 3);
  const lowD: DenseMatrix = { kind: 'dense', data: low.data.subarray(0, n * 8), rows: n, cols: 8 };
  const lowQ: DenseMatrix = { kind: 'dense', data: low.data.slice(n * 8), rows: nq, cols: 8 };
  const kd = new KDTree(lowD), ck = createIndex('kd-tree', lowD);
  const [f, g] = qpsPair(() => kd.search(lowQ, K), () => ck.search(lowQ, K), nq);
  console.log(`kd-tree d8  ${fmt(f).padStart(10)}   ${fmt(g).padStart(12)}   ${(g / f).toFixed(3)}`);
}

// ---------------------------------------------------------------- 2. codecs
console.log('\n2. codecs (bytes per vector = index memory / n, ids included)');
console.log('index                bytes/vec   build s   recall@10   queries/s');
const truth = createIndex('brute', X).search(Q, K);
const fewQ: DenseMatrix = { kind: 'dense', data: Q.data.subarray(0, 100 * d), rows: 100, cols: d };
const fewTruth = createIndex('brute', X).search(fewQ, K);
const rows: [string, string, Record<string, unknown>, Record<string, unknown>, boolean][] = [
  ['brute f32', 'brute', {}, {}, false],
  ['brute f16', 'brute', { codec: 'f16' }, {}, true],
  ['brute sq8', 'brute', { codec: 'sq8' }, {}, true],
  ['brute sq8 + refine', 'brute', { codec: 'sq8', refine: true }, { kFactor: 4 }, true],
  ['hnsw f32 (ef 64)', 'hnsw', { seed: 1 }, { ef: 64 }, false],
];
for (const [label, family, opts, params, slow] of rows) {
  const b = timeIt(() => createIndex(family, X, opts));
  const idx = b.out as ReturnType<typeof createIndex>;
  const q = slow ? fewQ : Q, t = slow ? fewTruth : truth;
  const times: number[] = [];
  let res: SearchResult | undefined;
  for (let r = 0; r < runs; r++) { const s = timeIt(() => idx.search(q, K, params)); times.push(s.s); res = s.out as SearchResult; }
  console.log(`${label.padEnd(20)} ${fmt(idx.memoryUsage() / n, 1).padStart(9)}   ${fmt(b.s, 2).padStart(7)}   ${fmt(recall(res!, t), 4).padStart(9)}   ${fmt(q.rows / median(times)).padStart(9)}${slow ? '  (100 queries: decoding scan in TypeScript)' : ''}`);
}
{
  // 0/1 data: the bits codec (popcount) against float32, both exact
  const B: DenseMatrix = { kind: 'dense', data: X.data.map((v) => (v > 0 ? 1 : 0)), rows: n, cols: d };
  const BQ: DenseMatrix = { kind: 'dense', data: Q.data.map((v) => (v > 0 ? 1 : 0)), rows: nq, cols: d };
  const bt = createIndex('brute', B).search(BQ, K);
  for (const [label, family, opts, params] of [
    ['brute f32 (0/1 data)', 'brute', {}, {}], ['brute bits (0/1 data)', 'brute', { codec: 'bits' }, {}],
    ['hnsw f32 (0/1 data)', 'hnsw', { seed: 1 }, { ef: 64 }], ['hnsw bits (0/1 data)', 'hnsw', { seed: 1, codec: 'bits' }, { ef: 64 }],
  ] as [string, string, Record<string, unknown>, Record<string, unknown>][]) {
    const b = timeIt(() => createIndex(family, B, opts));
    const idx = b.out as ReturnType<typeof createIndex>;
    const times: number[] = [];
    let res: SearchResult | undefined;
    for (let r = 0; r < runs; r++) { const s = timeIt(() => idx.search(BQ, K, params)); times.push(s.s); res = s.out as SearchResult; }
    console.log(`${label.padEnd(20)} ${fmt(idx.memoryUsage() / n, 1).padStart(9)}   ${fmt(b.s, 2).padStart(7)}   ${fmt(recall(res!, bt), 4).padStart(9)}   ${fmt(nq / median(times)).padStart(9)}`);
  }
}

// ---------------------------------------------------------------- 3. persistence
console.log('\n3. HNSW persistence (streamed save; load in a fresh process: seconds and peak RSS)');
{
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-contract-'));
  const idx = createIndex('hnsw', X, { seed: 1 });
  const path = join(dir, 'hnsw.knnkit');
  const tb = timeIt(() => idx.toBytes());
  console.log(`toBytes: ${fmt(tb.s, 3)} s, ${fmt((tb.out as Uint8Array).length / 2 ** 20, 1)} MiB`);
  const t0 = performance.now();
  try {
    await saveIndex(idx, path);
    {
    console.log(`saveIndex (streamed, fsync): ${fmt((performance.now() - t0) / 1000, 3)} s, file ${fmt(statSync(path).size / 2 ** 20, 1)} MiB`);
    for (const view of [false, true]) {
      const script = `import { loadIndex } from ${JSON.stringify(new URL('../src/index/persist.ts', import.meta.url).href)};
        import { readFileSync } from 'node:fs';
        const t = performance.now(); const idx = await loadIndex(${JSON.stringify(path)}, { view: ${view} }); const s = (performance.now() - t) / 1000;
        const hwm = Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
        console.log(JSON.stringify({ s, hwm, size: idx.size }));`;
      // a module file (tsx compiles -e code as CommonJS, without top-level await)
      const file = join(dir, `load-${view}.mts`);
      writeFileSync(file, script);
      const r = spawnSync(process.execPath, ['--import', 'tsx', file], { encoding: 'utf8' });
      const last = r.stdout.trim().split('\n').pop() ?? '';
      if (!last.startsWith('{')) { console.log(`loadIndex view=${view}: failed: ${(r.stderr || r.stdout).trim().split('\n').filter((l) => /Error/.test(l)).slice(0, 2).join(' | ')}`); continue; }
      const j = JSON.parse(last) as { s: number; hwm: number };
      console.log(`loadIndex view=${view}: ${fmt(j.s, 3)} s, peak RSS ${fmt(j.hwm / 2 ** 20)} MiB (index memory ${fmt(idx.memoryUsage() / 2 ** 20)} MiB)`);
    }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
