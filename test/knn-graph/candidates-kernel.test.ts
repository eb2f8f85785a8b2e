// The WebAssembly kernels of the `candidates` mode's local problem (assembly/knn_graph.ts:
// localD2, localGram) against the pure-TS path: bit-identical blocks, Gram forms and graphs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { Matrix } from '../../src/core/data.js';
import { setWasmMode, wasmMode } from '../../src/wasm/loader.js';
import { gaussianClusters } from '../helpers/data.js';
import { denseToCsr } from '../../src/knn-graph/convert.js';
import { rowSquaredNorms } from '../../src/knn-graph/distances.js';
import { KnnGraphClassifier } from '../../src/knn-graph/index.js';
import { kernelModule, resetKernelModule } from '../../src/knn-graph/wasm/kernels.js';
import { LocalTs, LocalWasm, localProblem } from '../../src/knn-graph/wasm/local.js';
import type { TrainedGraph } from '../../src/knn-graph/train.js';

const wasmOn = typeof WebAssembly === 'object' && wasmMode() !== 'off' && kernelModule() !== null;

function source(X: Matrix, y: Int32Array, sigma: number) {
  return {
    sigma, gaussWeight: 0.7, labelWeight: 0.3, labelDiscount: 0.1, yIds: y, norms: rowSquaredNorms(X),
    ...(X.kind === 'dense' ? { dense: { data: X.data, cols: X.cols } } : { csr: { indptr: X.indptr, indices: X.indices, values: X.values, cols: X.cols } }),
  };
}

for (const kind of ['dense', 'csr'] as const) {
  test(`local problem (${kind}): WebAssembly and TS agree bit for bit (blocks of 8, pairs and single rows)`, { skip: wasmOn ? false : 'WebAssembly kernels unavailable (KNNKIT_WASM=off or no SIMD)' }, () => {
    for (const d of [1, 5, 16, 19]) {
      const X0 = gaussianClusters(120, d, 3, d);
      for (let i = 0; i < X0.data.length; i += 4) X0.data[i] = 0;
      const X: Matrix = kind === 'dense' ? X0 : denseToCsr(X0);
      const y = Int32Array.from({ length: 120 }, (_, i) => (i * 7) % 4);
      const rng = new Rng(d);
      for (const q of [2, 3, 8, 9, 10, 17, 33, 66]) {
        const src = source(X, y, 1.7);
        const w = LocalWasm.create(src, q)!, t = new LocalTs(src, q);
        assert.ok(w instanceof LocalWasm);
        for (let rep = 0; rep < 2; rep++) {
          const R = Int32Array.from(rng.permutation(120).subarray(0, q));
          w.block(R); t.block(R);
          assert.deepEqual(w.AR, t.AR, `AR, d = ${d}, q = ${q}`);
          assert.equal(w.gram(), t.gram(), `c, d = ${d}, q = ${q}`);
          assert.deepEqual(w.H, t.H, `H, d = ${d}, q = ${q}`);
          assert.deepEqual(w.b, t.b, `b, d = ${d}, q = ${q}`);
        }
      }
    }
  });
}

function graphOf(c: KnnGraphClassifier): TrainedGraph {
  return (c as unknown as { state(): { graph: TrainedGraph } }).state().graph;
}

test('candidates fit with KNNKIT_WASM=off: the TS path runs and learns the same graph', () => {
  const X0 = gaussianClusters(150, 7, 3, 11, 2);
  const y = Array.from({ length: 150 }, (_, i) => (X0.data[i * 7] > 0 ? 'u' : 'v') + (i % 9 === 0 ? '!' : ''));
  for (const X of [X0, denseToCsr(X0)] as Matrix[]) {
    const on = graphOf(new KnnGraphClassifier({ candidates: 10 }).fit(X, y));
    setWasmMode('off'); resetKernelModule();
    try {
      assert.ok(localProblem(source(X, new Int32Array(150), 1), 11) instanceof LocalTs);
      const off = graphOf(new KnnGraphClassifier({ candidates: 10 }).fit(X, y));
      assert.deepEqual(off.nbrIdx, on.nbrIdx);
      assert.deepEqual(off.nbrW, on.nbrW);
      assert.deepEqual(off.nodeLabels, on.nodeLabels);
      assert.deepEqual(off.lambda, on.lambda);
      assert.equal(off.sigma, on.sigma);
    } finally {
      setWasmMode(undefined); resetKernelModule();
    }
  }
});
