import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnnkitError } from '../../src/core/errors.js';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes, loadIndex, saveIndex } from '../../src/index/persist.js';
import { decodeEnvelope } from '../../src/index/envelope.js';
import { buildForest, NODE_INTS } from '../../src/index/rp-forest/build.js';
import type { SearchResult } from '../../src/search/results.js';
import { gaussianClusters } from '../helpers/data.js';

function recall(res: SearchResult, truth: SearchResult): number {
  let hit = 0, total = 0;
  for (let q = 0; q < truth.nQueries; q++) {
    const t = new Set(truth.row(q).indices);
    total += t.size;
    for (const i of res.row(q).indices) if (t.has(i)) hit++;
  }
  return hit / total;
}

const all = gaussianClusters(2600, 20, 25, 21);
const base = { kind: 'dense' as const, data: all.data.slice(0, 2500 * 20), rows: 2500, cols: 20 };
const queries = { kind: 'dense' as const, data: all.data.slice(2500 * 20), rows: 100, cols: 20 };
const METRICS = ['euclidean', 'cosine', 'manhattan', 'ip'] as const;

test('rp-forest: searchK = n returns exactly brute force\'s neighbours, every metric', () => {
  for (const metric of METRICS) {
    const idx = createIndex('rp-forest', base, { metric, nTrees: 5 });
    const want = createIndex('brute', base, { metric }).search(queries, 10);
    const got = idx.search(queries, 10, { searchK: base.rows });
    assert.deepEqual(Array.from(got.indices), Array.from(want.indices), `${metric}: ids`);
    assert.deepEqual(Array.from(got.distances), Array.from(want.distances), `${metric}: distances`);
  }
});

test('rp-forest at defaults (nTrees 50, searchK = nTrees k): recall@10 on clustered data; more trees and searchK raise it', () => {
  for (const metric of METRICS) {
    const truth = createIndex('brute', base, { metric }).search(queries, 10);
    const idx = createIndex('rp-forest', base, { metric });
    const r = recall(idx.search(queries, 10), truth);
    assert.ok(r >= 0.9, `${metric}: recall ${r}`);
    const low = recall(idx.search(queries, 10, { searchK: 20 }), truth);
    assert.ok(low < r, `${metric}: searchK 20 recall ${low} not below the default's ${r}`);
  }
  const truth = createIndex('brute', base).search(queries, 10);
  const r2 = recall(createIndex('rp-forest', base, { trees: 2 }).search(queries, 10, { searchK: 100 }), truth);
  const r20 = recall(createIndex('rp-forest', base, { trees: 20 }).search(queries, 10, { searchK: 100 }), truth);
  assert.ok(r20 > r2, `20 trees ${r20} vs 2 trees ${r2} at the same searchK`);
});

test('rp-forest build: leaves of at most leafSize items, every tree holds every point once, splits balanced', () => {
  const f = buildForest(base, 'euclidean', 4, 30, 9);
  const nodes = f.nodes.length / NODE_INTS;
  assert.equal(f.items.length, 4 * base.rows);
  for (let t = 0; t < 4; t++) {
    const seen = new Uint8Array(base.rows);
    let leaves = 0, depthMax = 0;
    const stack: [number, number][] = [[f.roots[t], 0]];
    while (stack.length) {
      const [nd, depth] = stack.pop()!;
      const o = nd * NODE_INTS;
      assert.ok(nd >= 0 && nd < nodes);
      if (f.nodes[o] >= 0) {
        assert.ok(f.nodes[o] <= 30, `leaf of ${f.nodes[o]} items`);
        for (let i = 0; i < f.nodes[o]; i++) { const it = f.items[f.nodes[o + 1] + i]; assert.equal(seen[it], 0); seen[it] = 1; }
        leaves++; depthMax = Math.max(depthMax, depth);
      } else {
        stack.push([f.nodes[o + 1], depth + 1], [f.nodes[o + 2], depth + 1]);
      }
    }
    assert.equal(seen.reduce((a, b) => a + b, 0), base.rows);
    // two-means splits of 2,500 points into leaves of <= 30: well under the 95% imbalance limit
    assert.ok(depthMax < 25, `tree ${t} depth ${depthMax}`);
    assert.ok(leaves >= base.rows / 30);
  }
});

test('rp-forest: sections are flat arrays; toBytes / loadIndex (copy and view) give identical results, views alias the file', async () => {
  const idx = createIndex('rp-forest', base, { nTrees: 10 });
  const want = idx.search(queries, 10);
  const bytes = idx.toBytes();
  const env = decodeEnvelope(bytes);
  assert.deepEqual(env.sectionNames().sort(), ['forest.items', 'forest.nodes', 'forest.roots', 'forest.splits', 'rows.data']);
  for (const view of [false, true]) {
    const back = indexFromBytes(bytes, { view });
    assert.deepEqual(Array.from(back.search(queries, 10).indices), Array.from(want.indices));
    assert.deepEqual(Array.from(back.search(queries, 10).distances), Array.from(want.distances));
    // a view load searches the buffer itself: its vectors are a view over `bytes`
    const v = (back as unknown as { core: { rows: { matrix(): { data: Float32Array } } } }).core.rows.matrix().data;
    assert.equal(v.buffer === bytes.buffer, view, `view=${view}: vectors share the file's buffer`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-forest-'));
  try {
    await saveIndex(idx, join(dir, 'f.knnkit'));
    const back = await loadIndex(join(dir, 'f.knnkit'), { view: true });
    assert.deepEqual(Array.from(back.search(queries, 10, { searchK: 700 }).indices), Array.from(idx.search(queries, 10, { searchK: 700 }).indices));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a corrupted child index is refused, not followed (CRC off so the structural check speaks)
  const bad = bytes.slice();
  const e2 = decodeEnvelope(bad);
  const nodes = e2.typed('forest.nodes', Int32Array);
  let split = 0;
  while (nodes[split * NODE_INTS] >= 0) split++;
  nodes[split * NODE_INTS + 1] = 0; // a child pointing back to the root: a loop
  assert.throws(() => indexFromBytes(bad, { verify: false }), (e: unknown) => e instanceof KnnkitError && /inconsistent/.test(e.message));
});

test('rp-forest: filters inside the search, removal by tombstones, add refused after build as Annoy', () => {
  const idx = createIndex('rp-forest', base, { nTrees: 10 });
  const odd = (id: number) => id % 2 === 1;
  const r = idx.search(queries, 10, { filter: odd });
  for (const id of r.indices) assert.ok(id % 2 === 1, `id ${id} not allowed`);
  // filtered recall: compared with brute force under the same filter
  const ref = createIndex('brute', base).search(queries, 10, { filter: odd });
  assert.ok(recall(r, ref) >= 0.85, `filtered recall ${recall(r, ref)}`);
  // a small set filter is scanned exactly
  const few = new Set([3, 30, 300, 3000, 7]);
  assert.deepEqual(Array.from(idx.search(queries, 4, { filter: few }).indices), Array.from(createIndex('brute', base).search(queries, 4, { filter: few }).indices));
  idx.remove(Array.from({ length: 1250 }, (_, i) => 2 * i));
  for (const id of idx.search(queries, 10).indices) assert.ok(id % 2 === 1, `removed id ${id}`);
  assert.throws(() => idx.add(queries), (e: unknown) => e instanceof KnnkitError && /rp-forest/.test(e.message) && /add/.test(e.message));
  // an empty index builds on its first add
  const e = emptyIndex('rp-forest', 20, { nTrees: 10 });
  e.add(base);
  assert.deepEqual(Array.from(e.search(queries, 10).indices), Array.from(createIndex('rp-forest', base, { nTrees: 10 }).search(queries, 10).indices));
  assert.throws(() => e.add(queries), KnnkitError);
});

test('rp-forest: options by their CLI names; bad values name the parameter', () => {
  const idx = createIndex('rp-forest', base, { n_trees: 3, leafSize: 50 });
  assert.equal(idx.options.nTrees, 3);
  const bad = (fn: () => unknown, p: string) => assert.throws(fn, (e: unknown) => e instanceof KnnkitError && e.message.includes(p));
  bad(() => createIndex('rp-forest', base, { nTrees: 0 }), 'nTrees');
  bad(() => createIndex('rp-forest', base, { metric: 'chebyshev' }), 'metric');
  bad(() => idx.search(queries, 3, { searchK: 0 }), 'searchK');
  bad(() => idx.search(queries, 3, { search_k: 1.5 }), 'search_k');
});

test('rp-forest: the first t trees of a forest are the forest built with nTrees = t', () => {
  const big = createIndex('rp-forest', base, { nTrees: 6, seed: 4 });
  const small = createIndex('rp-forest', base, { nTrees: 3, seed: 4 });
  const core = (big as unknown as { core: { prefix(t: number): { search: typeof small.search; memoryUsage(): number; persist(): { sections: { data: ArrayBufferView }[] } } } }).core;
  const p3 = core.prefix(3);
  const sCore = (small as unknown as { core: typeof p3 }).core;
  assert.deepEqual(p3.persist().sections.map((x) => Array.from(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength)).length), sCore.persist().sections.map((x) => x.data.byteLength));
  assert.equal(p3.memoryUsage(), sCore.memoryUsage());
  assert.deepEqual(Array.from((p3 as never as { search: (q: unknown, k: number, p: object, a: null) => SearchResult }).search(queries, 10, { searchK: 60 }, null).indices),
    Array.from(small.search(queries, 10, { searchK: 60 }).indices));
});

test('rp-forest build: every stored hyperplane assigned its sides (Annoy: the last draw kept up to 99%, random halves under a zero normal)', () => {
  // exponentially spaced points: most two-means hyperplanes split off a few far points, so the
  // 95% rule fails often; a random split that kept its failed hyperplane would steer searches wrongly
  const n = 240, d = 2, data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) { data[i * d] = Math.pow(1.3, i % 120) * (i < 120 ? 1 : -1); data[i * d + 1] = (i % 7) * 1e-3; }
  const X = { kind: 'dense' as const, data, rows: n, cols: d };
  const below = (f: ReturnType<typeof buildForest>, nd: number, out: number[]): number[] => {
    const o = nd * NODE_INTS;
    if (f.nodes[o] >= 0) for (let i = 0; i < f.nodes[o]; i++) out.push(f.items[f.nodes[o + 1] + i]);
    else { below(f, f.nodes[o + 1], out); below(f, f.nodes[o + 2], out); }
    return out;
  };
  let checked = 0;
  for (let seed = 1; seed <= 4; seed++) {
    const f = buildForest(X, 'euclidean', 4, 2, seed);
    for (let nd = 0; nd < f.nodes.length / NODE_INTS; nd++) {
      const o = nd * NODE_INTS;
      if (f.nodes[o] >= 0) continue;
      const so = f.nodes[o + 3] * (d + 1);
      const margin = (i: number) => f.splits[so + d] + f.splits[so] * data[i * d] + f.splits[so + 1] * data[i * d + 1];
      for (const i of below(f, f.nodes[o + 1], [])) assert.ok(margin(i) <= 0, `seed ${seed} node ${nd}: item ${i} left of a margin ${margin(i)}`);
      for (const i of below(f, f.nodes[o + 2], [])) assert.ok(margin(i) >= 0, `seed ${seed} node ${nd}: item ${i} right of a margin ${margin(i)}`);
      checked++;
    }
  }
  assert.ok(checked > 400, `${checked} split nodes`);
});
