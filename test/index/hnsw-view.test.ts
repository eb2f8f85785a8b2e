// HNSW view loading (issue 12): the envelope holds the kernel's arena image as one section; the
// WebAssembly kernel reads it straight into its memory, the TypeScript kernel (WebAssembly off)
// searches the given bytes themselves, and the first change copies the index out of them.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { decodeEnvelope, encodeEnvelope, type Section } from '../../src/index/envelope.js';
import { hnswParts } from '../../src/search/hnsw/serialize.js';
import { setWasmMode } from '../../src/wasm/loader.js';
import type { HnswCore } from '../../src/index/hnsw/descriptor.js';
import type { ManagedIndex } from '../../src/index/managed-index.js';
import type { VectorIndex } from '../../src/index/types.js';
import { KnnkitError } from '../../src/core/errors.js';

afterEach(() => { setWasmMode(undefined); });

const d = 12;
function rows(n: number, seed: number): Float32Array {
  const X = new Float32Array(n * d);
  let s = seed;
  for (let i = 0; i < X.length; i++) { s = (s * 1103515245 + 12345) >>> 0; X[i] = (s >>> 8) / 16777216; }
  return X;
}
const base = { data: rows(700, 1), rows: 700, cols: d };
const queries = { data: rows(25, 2), rows: 25, cols: d };
const hnswOf = (ix: VectorIndex) => ((ix as unknown as ManagedIndex).core as HnswCore).hnsw;

function same(a: VectorIndex, b: VectorIndex, what: string): void {
  const x = a.search(queries, 8), y = b.search(queries, 8);
  assert.deepEqual(Array.from(y.ids), Array.from(x.ids), `${what}: ids`);
  assert.deepEqual(Array.from(y.distances), Array.from(x.distances), `${what}: distances`);
}

for (const metric of ['euclidean', 'cosine'] as const) {
  test(`hnsw view [${metric}]: one arena section, file length a multiple of 64, same answers by copy and view on both kernels`, () => {
    const built = createIndex('hnsw', base, { metric, M: 6, efConstruction: 40 });
    built.remove([3, 50]); // tombstones and a free list travel too
    const bytes = built.toBytes();
    assert.equal(bytes.length % 64, 0);
    assert.deepEqual(decodeEnvelope(bytes).sectionNames().filter((n) => n.startsWith('hnsw.')), ['hnsw.arena', 'hnsw.labels', 'hnsw.free']);
    for (const mode of ['auto', 'off'] as const) {
      setWasmMode(mode);
      // the TypeScript kernel sums distances in another order than WebAssembly SIMD (last-bit
      // differences): with it, the view is compared with the copy load on the same kernel
      const ref = mode === 'auto' ? built : indexFromBytes(bytes.slice());
      for (const view of [false, true]) {
        const buf = bytes.slice();
        const back = indexFromBytes(buf, { view });
        same(ref, back, `${metric} wasm ${mode} view ${view}`);
        const h = hnswOf(back);
        // zero copy exactly when the TypeScript kernel views the bytes
        assert.equal(h.arena.buffer === buf.buffer, mode === 'off' && view, `${mode} ${view}: arena over the given bytes`);
        if (mode === 'off') assert.equal(h.kernelName, 'js');
      }
    }
  });
}

test('hnsw view: add and remove after a zero-copy load copy the index out of the caller\'s bytes (copy-on-write)', () => {
  setWasmMode('off');
  const built = createIndex('hnsw', base, { M: 6, efConstruction: 40 });
  const bytes = built.toBytes();
  const buf = bytes.slice();
  const back = indexFromBytes(buf, { view: true });
  const h = hnswOf(back);
  assert.equal(h.arena.buffer, buf.buffer);
  back.remove([7]);
  assert.notEqual(h.arena.buffer, buf.buffer, 'remove copies first');
  assert.ok(!Array.from(back.search(queries, 20).ids).includes(7));
  const extra = rows(1, 9);
  const [id] = Array.from(back.add({ data: extra, rows: 1, cols: d }));
  assert.equal(back.search({ data: extra, rows: 1, cols: d }, 1).ids[0], id);
  // the caller's bytes still hold the saved graph: everything but the search scratch is as saved
  const env = decodeEnvelope(bytes), after = decodeEnvelope(buf, { verify: false });
  const a = env.section('hnsw.arena'), b = after.section('hnsw.arena');
  const l = h.layout;
  const regions = l.allow - l.vec;
  assert.deepEqual(b.subarray(0, regions), a.subarray(0, regions));
  same(built, indexFromBytes(bytes.slice(), { view: true }), 'a second view of the saved bytes');
});

test('hnsw view: a misaligned buffer is copied instead of viewed, with the same answers', () => {
  setWasmMode('off');
  const built = createIndex('hnsw', base, { M: 6, efConstruction: 40 });
  const bytes = built.toBytes();
  const shifted = new Uint8Array(bytes.length + 4);
  shifted.set(bytes, 4);
  const back = indexFromBytes(shifted.subarray(4), { view: true });
  assert.notEqual(hnswOf(back).arena.buffer, shifted.buffer);
  same(built, back, 'misaligned');
});

test('hnsw: envelopes of section format 1 (one section per region) still load', () => {
  const built = createIndex('hnsw', base, { metric: 'cosine', M: 6, efConstruction: 40 });
  built.remove([11]);
  const { header, sections } = (built as unknown as ManagedIndex).envelope();
  const { parts } = hnswParts(hnswOf(built));
  const v1: Section[] = [...parts.map((p) => ({ name: `hnsw.${p.name}`, data: p.bytes })), ...sections.filter((s) => !s.name.startsWith('hnsw.'))];
  const old = encodeEnvelope({ ...header, familyVersion: 1 }, v1);
  for (const view of [false, true]) same(built, indexFromBytes(old, { view }), `format 1 view ${view}`);
});

test('hnsw view: a corrupt arena section is refused', () => {
  const bytes = createIndex('hnsw', base, { M: 6, efConstruction: 40 }).toBytes();
  const env = decodeEnvelope(bytes);
  const at = env.inPlace!('hnsw.arena').byteOffset + 100;
  const bad = bytes.slice();
  bad[at] ^= 0x40;
  assert.throws(() => indexFromBytes(bad, { view: true }), /checksum/);
});

test('hnsw view: a beam wider than the saved scratch moves a zero-copy index into its own memory, same answers', () => {
  setWasmMode('off');
  const built = createIndex('hnsw', base, { M: 6, efConstruction: 40 });
  const bytes = built.toBytes();
  const buf = bytes.slice();
  const back = indexFromBytes(buf, { view: true });
  const h = hnswOf(back);
  assert.equal(h.arena.buffer, buf.buffer);
  const want = indexFromBytes(bytes.slice()).search(queries, 8, { ef: 300 });
  const got = back.search(queries, 8, { ef: 300 });
  assert.notEqual(h.arena.buffer, buf.buffer, 'scratch for ef 300 is larger than the saved one (efConstruction 40)');
  assert.deepEqual(Array.from(got.ids), Array.from(want.ids));
  assert.deepEqual(Array.from(got.distances), Array.from(want.distances));
});

test('hnsw view: a header whose counts are not integers >= 0 is refused with a KnnkitError', () => {
  const built = createIndex('hnsw', base, { M: 6, efConstruction: 40 });
  const { header, sections } = (built as unknown as ManagedIndex).envelope();
  const core = header.state.core as Record<string, unknown>;
  const bad = encodeEnvelope({ ...header, state: { ...header.state, core: { ...core, upperUsed: -5 } } }, sections);
  assert.throws(() => indexFromBytes(bad, { view: true }), (e: unknown) => e instanceof KnnkitError && /upperUsed -5/.test(e.message));
});
