// One WebAssembly loader for every kernel family: setWasmMode('off') (and KNNKIT_WASM=off) force
// the TypeScript kernels everywhere, HNSW included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setWasmMode } from '../../src/wasm/loader.js';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { BitScan } from '../../src/codecs/bit-scan.js';
import { kernelModule } from '../../src/knn-graph/wasm/kernels.js';
import { gaussianClusters } from '../helpers/data.js';

test('setWasmMode("off") forces TypeScript in HNSW, brute force, the bit scan and the kNN-Graph solver; results stay the same', () => {
  const X = gaussianClusters(300, 16, 4, 1);
  const on = HnswIndex.build(X, { seed: 1 });
  const hasWasm = on.kernelName !== 'js';
  setWasmMode('off');
  try {
    const off = HnswIndex.build(X, { seed: 1 });
    assert.equal(off.kernelName, 'js');
    assert.equal(new BruteForce(X).kernelPath === 'simd' || new BruteForce(X).kernelPath === 'relaxed', false);
    assert.equal(new BitScan(new Uint8Array(16), 2, 1).path, 'ts');
    assert.equal(kernelModule(), null);
    assert.deepEqual(Array.from(off.search(X, 5).indices), Array.from(on.search(X, 5).indices));
  } finally {
    setWasmMode(undefined);
  }
  if (hasWasm) assert.notEqual(HnswIndex.build(X, { seed: 1 }).kernelName, 'js', 'auto again after the override is lifted');
});
