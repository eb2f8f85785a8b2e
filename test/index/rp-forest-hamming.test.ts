// rp-forest over codec "bits" (Annoy's Hamming): one bit per split, popcount re-ranking, the
// contract's checks (exactness at searchK = n, recall at defaults, save / load / view, filters,
// removal, add refused) run here for metric hamming, which the generic suite builds only with f32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnnkitError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { createIndex } from '../../src/index/api.js';
import { indexFromBytes, loadIndex, saveIndex } from '../../src/index/persist.js';
import { decodeEnvelope } from '../../src/index/envelope.js';
import { NODE_INTS, type ForestArrays } from '../../src/index/rp-forest/build.js';
import { recall } from '../helpers/recall.js';

/** 0/1 rows around `clusters` random prototypes, each bit flipped with probability `flip`. */
function binaryClusters(n: number, d: number, clusters: number, flip: number, seed: number): DenseMatrix {
  const rng = new Rng(seed), proto = new Uint8Array(clusters * d), data = new Float32Array(n * d);
  for (let i = 0; i < proto.length; i++) proto[i] = rng.random() < 0.5 ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const c = rng.int(clusters);
    for (let j = 0; j < d; j++) data[i * d + j] = rng.random() < flip ? 1 - proto[c * d + j] : proto[c * d + j];
  }
  return { kind: 'dense', data, rows: n, cols: d };
}

const d = 100; // not a multiple of 32: padding bits must not count
const all = binaryClusters(2060, d, 20, 0.1, 5);
const base: DenseMatrix = { kind: 'dense', data: all.data.slice(0, 2000 * d), rows: 2000, cols: d };
const queries: DenseMatrix = { kind: 'dense', data: all.data.slice(2000 * d), rows: 60, cols: d };
const bits = { metric: 'hamming', codec: 'bits' } as const;
const same = (a: { indices: Int32Array; distances: Float32Array }, b: typeof a, what: string) => {
  assert.deepEqual(Array.from(a.indices), Array.from(b.indices), `${what}: ids`);
  assert.deepEqual(Array.from(a.distances), Array.from(b.distances), `${what}: distances`);
};

test('rp-forest bits: searchK = n is brute force exactly (hamming fraction, euclidean, sqeuclidean; ties to the lower id)', () => {
  for (const metric of ['hamming', 'euclidean', 'sqeuclidean'] as const) {
    const idx = createIndex('rp-forest', base, { metric, codec: 'bits', nTrees: 4 });
    same(idx.search(queries, 10, { searchK: base.rows }), createIndex('brute', base, { metric }).search(queries, 10), metric);
  }
});

test('rp-forest bits: recall@10 at defaults above the family floor; fewer candidates lower it', () => {
  const truth = createIndex('brute', base, { metric: 'hamming' }).search(queries, 10);
  const idx = createIndex('rp-forest', base, bits);
  assert.equal((idx as unknown as { core: { settings: { leafSize: number; kind: string } } }).core.settings.leafSize, 2 * Math.ceil(d / 64) + 3);
  const r = recall(idx.search(queries, 10), truth);
  assert.ok(r >= 0.8, `recall ${r}`);
  const low = recall(idx.search(queries, 10, { searchK: 15 }), truth);
  assert.ok(low < r, `searchK 15: ${low} vs default ${r}`);
});

test('rp-forest bits: each split tests one bit and sends exactly the items with that bit set right', () => {
  const idx = createIndex('rp-forest', base, { ...bits, nTrees: 3 });
  const f = (idx as unknown as { core: { forest: ForestArrays } }).core.forest;
  assert.equal(f.splits.length, 0);
  const below = (nd: number, out: number[]): number[] => {
    const o = nd * NODE_INTS;
    if (f.nodes[o] >= 0) for (let i = 0; i < f.nodes[o]; i++) out.push(f.items[f.nodes[o + 1] + i]);
    else { below(f.nodes[o + 1], out); below(f.nodes[o + 2], out); }
    return out;
  };
  let splits = 0;
  for (let nd = 0; nd < f.nodes.length / NODE_INTS; nd++) {
    const o = nd * NODE_INTS;
    if (f.nodes[o] >= 0) continue;
    const j = f.nodes[o + 3];
    assert.ok(j >= 0 && j < d, `bit ${j}`); // no random split on these data
    for (const i of below(f.nodes[o + 1], [])) assert.equal(base.data[i * d + j], 0, `node ${nd}: item ${i} left with bit ${j} set`);
    for (const i of below(f.nodes[o + 2], [])) assert.equal(base.data[i * d + j], 1, `node ${nd}: item ${i} right with bit ${j} clear`);
    splits++;
  }
  assert.ok(splits > 3 * base.rows / 10, `${splits} splits`);
});

test('rp-forest bits: the file holds the packed rows only; copy and view loads give identical results, views alias the bytes', async () => {
  const idx = createIndex('rp-forest', base, { ...bits, nTrees: 8 });
  const want = idx.search(queries, 10);
  const bytes = idx.toBytes();
  assert.deepEqual(decodeEnvelope(bytes).sectionNames().sort(), ['forest.items', 'forest.nodes', 'forest.roots', 'forest.splits', 'rows.bits']);
  // 100 bits -> 4 words (whole u64) a row: 16 bytes instead of 400
  assert.equal(decodeEnvelope(bytes).typed('rows.bits', Int32Array).length, base.rows * 4);
  for (const view of [false, true]) {
    const back = indexFromBytes(bytes, { view });
    same(back.search(queries, 10), want, `view=${view}`);
    const data = (back as unknown as { core: { bits: { data: Int32Array } } }).core.bits.data;
    assert.equal(data.buffer === bytes.buffer, view);
    assert.deepEqual(Array.from(back.getVector(7)), Array.from(base.data.subarray(7 * d, 8 * d)));
  }
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-forest-bits-'));
  try {
    await saveIndex(idx, join(dir, 'f.knnkit'));
    same((await loadIndex(join(dir, 'f.knnkit'), { view: true })).search(queries, 10), want, 'loadIndex view');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a split bit out of range is refused, not followed
  const bad = bytes.slice();
  const nodes = decodeEnvelope(bad).typed('forest.nodes', Int32Array);
  let s = 0;
  while (nodes[s * NODE_INTS] >= 0) s++;
  nodes[s * NODE_INTS + 3] = d;
  assert.throws(() => indexFromBytes(bad, { verify: false }), (e: unknown) => e instanceof KnnkitError && /inconsistent/.test(e.message));
});

test('rp-forest bits: filters inside the search, removed ids never returned, add refused after build', () => {
  const idx = createIndex('rp-forest', base, bits);
  const even = (id: number) => id % 2 === 0;
  const r = idx.search(queries, 10, { filter: even });
  for (const id of r.indices) assert.ok(id % 2 === 0, `id ${id} not allowed`);
  assert.ok(recall(r, createIndex('brute', base, { metric: 'hamming' }).search(queries, 10, { filter: even })) >= 0.8);
  const few = new Set([1, 10, 100, 1000]);
  same(idx.search(queries, 3, { filter: few }), createIndex('brute', base, { metric: 'hamming' }).search(queries, 3, { filter: few }), 'set filter');
  idx.remove(Array.from({ length: 1000 }, (_, i) => 2 * i + 1));
  for (const id of idx.search(queries, 10).indices) assert.ok(id % 2 === 0, `removed id ${id}`);
  assert.throws(() => idx.add(queries), (e: unknown) => e instanceof KnnkitError && /add/.test(e.message));
});

test('rp-forest bits: bad input names the parameter, the value and what is accepted', () => {
  const err = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: unknown) => e instanceof KnnkitError && re.test(e.message));
  err(() => createIndex('rp-forest', base, { metric: 'hamming' }), /codec: got "f32" with metric "hamming".*"bits"/);
  err(() => createIndex('rp-forest', base, { metric: 'cosine', codec: 'bits' }), /metric: got "cosine" with codec "bits"/);
  const half = { ...base, data: base.data.slice() };
  half.data[3 * d + 5] = 0.5;
  err(() => createIndex('rp-forest', half, bits), /vectors\[3\]\[5\]: got 0\.5/);
  const q = { ...queries, data: queries.data.slice() };
  q.data[2] = 2;
  err(() => createIndex('rp-forest', base, bits).search(q, 3), /queries\[0\]\[2\]: got 2/);
});
