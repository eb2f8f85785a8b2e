import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestCentres } from '../../src/learn/kmeans-kernel.js';
import { Rng } from '../../src/core/rng.js';

// The coarse probe's selection (assembly/kmeans.ts select: four scores per compare once nprobe
// are held) against a plain sort. Small integer coordinates keep every float32 score exact, so
// the ranking is exact and ties (duplicated centres) must go to the lower centre.
test('ivf probe: nearestCentres keeps each row\'s nprobe best centres, nearest first, ties to the lower centre, L2 and ip', () => {
  const rng = new Rng(7), d = 8, k = 203, n = 64;
  const C = new Float32Array(k * d), X = new Float32Array(n * d);
  for (let i = 0; i < C.length; i++) C[i] = rng.int(7) - 3;
  for (let c = 0; c < k; c += 5) C.copyWithin(((c * 7) % k) * d, c * d, c * d + d); // duplicated centres: exact ties
  for (let i = 0; i < X.length; i++) X[i] = rng.int(7) - 3;
  for (const kind of ['l2', 'ip'] as const) {
    for (const np of [1, 2, 3, 5, 8, 16, 64, k]) {
      const got = nearestCentres(X, n, d, C, k, np, kind);
      if (!got) return; // WebAssembly unavailable: the TypeScript probe is the brute-force engine's
      for (let i = 0; i < n; i++) {
        const score = (c: number) => {
          let dot = 0, cc = 0;
          for (let t = 0; t < d; t++) { dot += X[i * d + t] * C[c * d + t]; cc += C[c * d + t] * C[c * d + t]; }
          return kind === 'l2' ? cc - 2 * dot : 1 - dot;
        };
        const want = Array.from({ length: k }, (_, c) => c).sort((a, b) => score(a) - score(b) || a - b).slice(0, np);
        assert.deepEqual([...got.lists.subarray(i * np, i * np + np)], want, `${kind} nprobe ${np} row ${i}`);
      }
    }
  }
});
