import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { KnnkitError } from '../../src/core/errors.js';
import type { SearchResult } from '../../src/search/results.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import type { VectorIndex } from '../../src/index/types.js';
import { recall, rows } from '../helpers/recall.js';
import { gaussianClusters } from '../helpers/data.js';

const base = gaussianClusters(1500, 16, 12, 21);
const queries = gaussianClusters(40, 16, 12, 22);



/** Brute-force ADC: the squared L2 / 1 - <q, x> between each query and every decoded vector (getVector). */
function bruteAdc(idx: VectorIndex, Q: DenseMatrix, ip: boolean): Float64Array[] {
  const n = idx.size, d = Q.cols, dec = [...idx.ids()].map((id) => idx.getVector(id));
  return Array.from({ length: Q.rows }, (_, q) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += ip ? Q.data[q * d + t] * dec[i][t] : (Q.data[q * d + t] - dec[i][t]) ** 2;
      out[i] = ip ? 1 - s : s;
    }
    return out;
  });
}

test('pq / ivf-pq: ADC distances equal the distances to the decoded vectors (brute-force ADC), L2 and ip', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['pq', { m: 4 }, {}],
    ['pq', { m: 8, metric: 'ip' }, {}],
    ['ivf-pq', { m: 4, nlist: 10 }, { nprobe: 10 }],
    ['ivf-pq', { m: 4, nlist: 10, precomputedTable: false }, { nprobe: 10 }],
    ['ivf-pq', { m: 8, nlist: 10, metric: 'ip' }, { nprobe: 10 }],
  ];
  for (const [fam, opts, sp] of cases) {
    const metric = (opts.metric as string) ?? 'sqeuclidean';
    const idx = createIndex(fam, base, { metric, ...opts });
    const ip = metric === 'ip';
    const want = bruteAdc(idx, queries, ip);
    const res = idx.search(queries, 1500, sp);
    for (let q = 0; q < queries.rows; q++) {
      const row = res.row(q);
      for (let t = 0; t < 1500; t++) {
        const w = want[q][row.indices[t]];
        assert.ok(Math.abs(row.distances[t] - w) <= 1e-3 * Math.max(1, Math.abs(w)), `${fam} ${JSON.stringify(opts)} q${q} rank ${t}: ${row.distances[t]} vs ${w}`);
        if (t > 0) assert.ok(row.distances[t] >= row.distances[t - 1]);
      }
      // the ranking is the brute-force ADC ranking (up to float32 near-ties)
      const order = Array.from(want[q].keys()).sort((a, b) => want[q][a] - want[q][b]);
      let same = 0;
      for (let t = 0; t < 10; t++) if (order.slice(0, 10).includes(row.indices[t])) same++;
      assert.ok(same >= 9, `${fam} q${q}: top-10 overlap with brute-force ADC ${same}`);
    }
  }
});

test('pq / ivf-pq: recall at the defaults; refine re-ranks to (near) exact', () => {
  const want = createIndex('brute', base).search(queries, 10);
  const pq = recall(createIndex('pq', base).search(queries, 10), want);
  const ivfpq = recall(createIndex('ivf-pq', base).search(queries, 10), want);
  const refined = recall(createIndex('ivf-pq', base, { refine: true }).search(queries, 10, { kFactor: 8 }), want);
  assert.ok(pq >= 0.5, `pq ${pq}`);
  assert.ok(ivfpq >= 0.6, `ivf-pq ${ivfpq}`);
  assert.ok(refined >= 0.97 && refined > ivfpq, `refined ${refined}`);
  // refine reports exact distances
  const r = createIndex('pq', base, { refine: true, metric: 'euclidean' }).search(queries, 5);
  for (let q = 0; q < 5; q++) {
    const id = r.indices[q * 5];
    let s = 0;
    for (let t = 0; t < 16; t++) s += (queries.data[q * 16 + t] - base.data[id * 16 + t]) ** 2;
    assert.ok(Math.abs(r.distances[q * 5] - Math.sqrt(s)) < 1e-4);
  }
});

test('pq / ivf-pq: memory as FAISS: m bytes + an id per vector', () => {
  for (const fam of ['pq', 'ivf-pq']) {
    const a = createIndex(fam, base, { m: 4, nlist: fam === 'pq' ? undefined : 8 });
    const e = emptyIndex(fam, 16, { m: 4, nlist: fam === 'pq' ? undefined : 8 });
    e.train(base);
    const fixed = e.memoryUsage();
    e.add(base);
    // codes (4 B) + list label (4 B) + label -> list (4 B), lists grown by doubling
    const per = (e.memoryUsage() - fixed) / 1500;
    assert.ok(per >= 12 && per <= 2 * 12 + 1, `${fam}: ${per} bytes per vector`);
    assert.equal(a.memoryUsage() > 0, true);
  }
});

test('pq / ivf-pq: save / load (copy and view), remove, filters, add after training', () => {
  for (const fam of ['pq', 'ivf-pq']) {
    for (const refine of [false, true]) {
      const idx = createIndex(fam, base, { refine, metric: 'cosine' });
      const want = idx.search(queries, 10);
      const bytes = idx.toBytes(), keep = bytes.slice();
      for (const view of [false, true]) {
        const back = indexFromBytes(bytes, { view });
        assert.deepEqual(Array.from(back.search(queries, 10).indices), Array.from(want.indices), `${fam} refine=${refine} view=${view}`);
        assert.deepEqual(Array.from(back.search(queries, 10).distances), Array.from(want.distances));
        back.remove(Array.from(want.indices.subarray(0, 3)));
        back.add(rows(base, 0, 5));
      }
      assert.deepEqual(bytes, keep, 'a view load never writes to the loaded bytes');
      const gone = new Set(Array.from({ length: 750 }, (_, i) => 2 * i));
      idx.remove([...gone]);
      for (const id of idx.search(queries, 10).indices) assert.ok(!gone.has(id));
      const allowed = new Set(Array.from({ length: 100 }, (_, i) => 15 * i + 1));
      for (const id of idx.search(queries, 10, { filter: allowed }).indices) assert.ok(id === -1 || allowed.has(id));
      const added = idx.add(rows(base, 0, 20));
      assert.equal(idx.size, 770);
      assert.ok(idx.has(added[0]));
    }
  }
});

test('pq / ivf-pq: bad options refused naming them', () => {
  const bad = (fn: () => unknown, word: string) => assert.throws(fn, (e: unknown) => e instanceof KnnkitError && e.message.includes(word));
  bad(() => createIndex('pq', base, { m: 5 }), 'm');
  bad(() => createIndex('pq', rows(base, 0, 100)), 'sample');
  bad(() => createIndex('ivf-pq', base, { nbits: 6 }), 'nbits');
  bad(() => createIndex('ivf-pq', base, { nbits: 3 }), 'nbits');
  bad(() => createIndex('ivf-pq', base, { metric: 'chebyshev' }), 'metric');
  bad(() => createIndex('pq', base).search(queries, 3, { kFactor: 0 }), 'kFactor');
});

test('pq / ivf-pq (8-bit): the WebAssembly ADC scan and its TypeScript twin agree on the same codes', async () => {
  const { setWasmMode } = await import('../../src/wasm/loader.js');
  for (const [fam, opts] of [['pq', { m: 8 }], ['ivf-pq', { m: 8, nlist: 10 }], ['ivf-pq', { m: 4, nlist: 10, precomputedTable: false }], ['ivf-pq', { m: 8, nlist: 10, metric: 'ip' }]] as const) {
    setWasmMode(undefined);
    const sp = fam === 'pq' ? {} : { nprobe: 4 };
    const idx = createIndex(fam, base, opts);
    const got = idx.search(queries, 10, sp);
    setWasmMode('off');
    const ts = indexFromBytes(idx.toBytes()).search(queries, 10, sp);
    setWasmMode(undefined);
    let same = 0;
    for (let i = 0; i < got.indices.length; i++) {
      if (got.indices[i] === ts.indices[i]) same++;
      assert.ok(Math.abs(got.distances[i] - ts.distances[i]) <= 1e-4 * Math.max(1, Math.abs(ts.distances[i])), `${fam} ${i}: ${got.distances[i]} vs ${ts.distances[i]}`);
    }
    assert.ok(same >= 0.98 * got.indices.length, `${fam} ${JSON.stringify(opts)}: ${same} equal ids`);
  }
});

test('coarse probe: the tile kernel\'s nprobe nearest centres and scores match exact ones up to float32 near-ties', async () => {
  const { nearestCentres } = await import('../../src/learn/kmeans.js');
  // n = 1 .. 7 and 261: the one-row tail path alone, with 4-row tiles, and across a 256-row chunk;
  // k = 1100 at d = 128: three centre blocks; k = 37: a padded last panel
  for (const [d, k, n, np] of [[128, 1100, 261, 16], [20, 37, 7, 5], [20, 37, 1, 37], [3, 10, 6, 12], [128, 64, 5, 1]]) {
    const X = gaussianClusters(n + k, d, 9, 11 + d);
    const C = X.data.slice(n * d), Q = X.data.subarray(0, n * d);
    for (const kind of ['l2', 'ip'] as const) {
      const r = nearestCentres(Q, n, d, C, k, np, kind);
      assert.ok(r, 'WebAssembly available');
      const m = Math.min(np, k);
      assert.equal(r.lists.length, n * m);
      for (let i = 0; i < n; i++) {
        const exact = Array.from({ length: k }, (_, c) => {
          let s = 0;
          for (let t = 0; t < d; t++) s += kind === 'l2' ? (Q[i * d + t] - C[c * d + t]) ** 2 : Q[i * d + t] * C[c * d + t];
          return { c, s: kind === 'l2' ? s : 1 - s };
        }).sort((a, b) => a.s - b.s || a.c - b.c);
        const scale = Math.max(1, Math.abs(exact[k - 1].s), Math.abs(exact[0].s));
        for (let j = 0; j < m; j++) {
          const got = r.lists[i * m + j];
          assert.ok(got >= 0 && got < k, `${kind} d=${d} row ${i} rank ${j}: list ${got}`);
          // the score is the exact one within float32 rounding, and the rank's exact score is the
          // same within that rounding (a swap is a near-tie)
          const own = exact.find((e) => e.c === got)!.s;
          assert.ok(Math.abs(r.scores[i * m + j] - own) <= 1e-4 * scale, `${kind} d=${d} row ${i} rank ${j}: score ${r.scores[i * m + j]} vs ${own}`);
          assert.ok(Math.abs(own - exact[j].s) <= 1e-4 * scale, `${kind} d=${d} row ${i} rank ${j}: centre ${got} (${own}) vs ${exact[j].c} (${exact[j].s})`);
          if (j > 0) assert.ok(r.scores[i * m + j] >= r.scores[i * m + j - 1], 'nearest first');
        }
      }
    }
  }
});

test('k-means assignment: the WebAssembly tile kernel picks the exact nearest centre up to float32 near-ties', async () => {
  const { setWasmMode } = await import('../../src/wasm/loader.js');
  const { assignNearest } = await import('../../src/learn/kmeans.js');
  // [128, 1100, 4101]: three centre blocks of the kernel (64 panels of 8 at d = 128) and two row
  // chunks (4,096 rows), the running minima carried across both
  for (const [d, k, n] of [[8, 256, 3001], [3, 10, 3001], [20, 37, 3001], [128, 1100, 4101]]) {
    const X = gaussianClusters(n, d, 9, 5 + d);
    const C = X.data.slice(0, k * d);
    setWasmMode(undefined);
    const a = assignNearest(X.data, X.rows, d, C, k);
    setWasmMode('off');
    const b = assignNearest(X.data, X.rows, d, C, k);
    setWasmMode(undefined);
    const dist = (i: number, c: number) => { let s = 0; for (let t = 0; t < d; t++) s += (X.data[i * d + t] - C[c * d + t]) ** 2; return s; };
    let diff = 0;
    for (let i = 0; i < X.rows; i++) {
      if (a[i] === b[i]) continue;
      diff++;
      // a different pick is a near-tie: its distance within float32 rounding of the exact minimum
      assert.ok(dist(i, a[i]) - dist(i, b[i]) <= 1e-5 * Math.max(1, dist(i, b[i])), `d=${d} row ${i}`);
    }
    assert.ok(diff <= X.rows / 100, `d=${d}: ${diff} differences`);
  }
});
