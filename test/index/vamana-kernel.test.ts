// The Vamana WebAssembly kernel (assembly/vamana.ts over src/index/vamana/store.ts) against
// the TypeScript walker it replaces (kept as the KNNKIT_WASM=off fallback): same graphs, same
// answers; and files saved before the kernel existed still load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import type { ManagedIndex } from '../../src/index/managed-index.js';
import type { VamanaCore } from '../../src/index/vamana/core.js';
import type { VectorIndex } from '../../src/index/types.js';
import { setWasmMode } from '../../src/wasm/loader.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { gaussianClusters } from '../helpers/data.js';

const core = (ix: unknown) => (ix as ManagedIndex).core as VamanaCore;
const wasmAvailable = (() => { setWasmMode(undefined); const k = core(createIndex('vamana', { kind: 'dense', data: new Float32Array(8), rows: 2, cols: 4 })).kernel; return k === 'wasm'; })();
const skip = wasmAvailable ? false : 'WebAssembly SIMD unavailable: only the TypeScript walker runs here';

function split(n: number, nq: number, d: number, seed: number): { X: DenseMatrix; Q: DenseMatrix } {
  const all = gaussianClusters(n + nq, d, 20, seed);
  return {
    X: { kind: 'dense', data: all.data.slice(0, n * d), rows: n, cols: d },
    Q: { kind: 'dense', data: all.data.slice(n * d), rows: nq, cols: d },
  };
}

/** Runs `f` with the kernel forced to `mode`, restoring the environment's choice after. */
function inMode<T>(mode: 'off' | 'auto', f: () => T): T {
  setWasmMode(mode);
  try { return f(); } finally { setWasmMode(undefined); }
}

function sameGraph(a: VectorIndex, b: VectorIndex, what: string): void {
  const ga = core(a).graph, gb = core(b).graph;
  assert.equal(ga.n, gb.n); assert.equal(ga.medoid, gb.medoid, `${what}: medoid`);
  assert.deepEqual(ga.degree.subarray(0, ga.n), gb.degree.subarray(0, gb.n), `${what}: degrees`);
  // the slots past a node's degree hold whatever was there (not part of the graph)
  for (let v = 0; v < ga.n; v++) {
    const ea = ga.adj.subarray(v * ga.stride, v * ga.stride + ga.degree[v]), eb = gb.adj.subarray(v * gb.stride, v * gb.stride + gb.degree[v]);
    assert.deepEqual(ea, eb, `${what}: edges of ${v}`);
  }
}

test('the kernel is the default walker and KNNKIT_WASM=off / setWasmMode("off") selects the TypeScript one', { skip }, () => {
  const { X } = split(100, 1, 8, 1);
  assert.equal(inMode('auto', () => core(createIndex('vamana', X)).kernel), 'wasm');
  assert.equal(inMode('off', () => core(createIndex('vamana', X)).kernel), 'ts');
});

test('kernel and TypeScript walker: the same graph and the same answers (plain, filtered, lazily deleted) per metric', { skip }, () => {
  const { X, Q } = split(1500, 40, 24, 31);
  for (const metric of ['euclidean', 'cosine', 'ip']) {
    const [w, t] = (['auto', 'off'] as const).map((m) => inMode(m, () => createIndex('vamana', X, { metric, R: 24, L: 60 })));
    assert.equal(core(w).kernel, 'wasm'); assert.equal(core(t).kernel, 'ts');
    sameGraph(w, t, metric);
    const filter = Array.from({ length: 700 }, (_, i) => 2 * i + 1);
    for (const p of [{ L: 30 }, { L: 600 }, { L: 40, filter }, { L: 40, filter: (id: number) => id % 3 !== 0 }]) {
      const a = w.search(Q, 10, p), b = t.search(Q, 10, p);
      assert.deepEqual(a.indices, b.indices, `${metric} ${JSON.stringify(p).slice(0, 40)}`);
      assert.deepEqual(a.distances, b.distances);
    }
    // lazy deletes (below consolidateAt) then consolidation, in both
    const del = Array.from({ length: 60 }, (_, i) => 7 * i);
    w.remove(del); t.remove(del);
    assert.ok(core(w).graph.pendingDeletes > 0);
    assert.deepEqual(w.search(Q, 10, { L: 50 }).indices, t.search(Q, 10, { L: 50 }).indices, `${metric} lazy`);
    core(w).consolidate(); core(t).consolidate();
    sameGraph(w, t, `${metric} consolidated`);
    assert.deepEqual(w.search(Q, 10, { L: 50 }).indices, t.search(Q, 10, { L: 50 }).indices, `${metric} consolidated`);
  }
});

test('the kernel memory grows with inserts and long lists, keeping the graph', { skip }, () => {
  const { X, Q } = split(1200, 30, 16, 37);
  const [w, t] = (['auto', 'off'] as const).map((m) => inMode(m, () => {
    const ix = emptyIndex('vamana', 16, { R: 12, L: 30 });
    for (let i = 0; i < 1200; i += 300) ix.add({ kind: 'dense', data: X.data.subarray(i * 16, (i + 300) * 16), rows: 300, cols: 16 });
    return ix;
  }));
  sameGraph(w, t, 'incremental');
  const layouts = core(w).graph.store!.layouts;
  assert.deepEqual(w.search(Q, 10, { L: 1000 }).indices, t.search(Q, 10, { L: 1000 }).indices);
  assert.ok(core(w).graph.store!.layouts > layouts, 'L = 1000 needed a longer scratch list');
  assert.deepEqual(w.search(Q, 10, { L: 20 }).indices, t.search(Q, 10, { L: 20 }).indices);
});

test('a view load searches with the TypeScript walker from the bytes, and moves into the kernel at its first write', { skip }, () => {
  const { X, Q } = split(600, 10, 8, 41);
  const ix = createIndex('vamana', X, { R: 12 });
  const bytes = ix.toBytes();
  const v = indexFromBytes(bytes, { view: true }), c = indexFromBytes(bytes);
  assert.equal(core(v).kernel, 'ts'); assert.equal(core(c).kernel, 'wasm');
  assert.deepEqual(v.search(Q, 5).indices, c.search(Q, 5).indices);
  v.remove([0]); c.remove([0]);
  assert.equal(core(v).kernel, 'wasm');
  assert.deepEqual(v.search(Q, 5).indices, c.search(Q, 5).indices);
});

// Saved by knnkit at feec267 (TypeScript-only vamana, format version 1): 300 x 8, R 8, L 20,
// labels 1 and 2 removed; the answers recorded then (k 5, L 20) for 10 queries.
const fixture = JSON.parse(readFileSync(new URL('../fixtures/vamana-v1.json', import.meta.url), 'utf8')) as Record<string, { file: string; indices: number[]; distances: number[] }> & { queries: number[] };

test('files saved before the kernel load in both walkers with the answers recorded then', () => {
  const Q: DenseMatrix = { kind: 'dense', data: Float32Array.from(fixture.queries), rows: 10, cols: 8 };
  for (const metric of ['euclidean', 'cosine', 'ip']) {
    const f = fixture[metric];
    for (const mode of ['auto', 'off'] as const) {
      const ix = inMode(mode, () => indexFromBytes(Buffer.from(f.file, 'base64')));
      assert.equal(ix.kind, 'vamana'); assert.equal(ix.size, 298);
      const r = ix.search(Q, 5, { L: 20 });
      assert.deepEqual(Array.from(r.indices), f.indices, `${metric} ${mode}`);
      assert.deepEqual(Array.from(r.distances), f.distances.map(Math.fround), `${metric} ${mode}`);
    }
  }
});
