// The brute family's memoryUsage counts what it holds: the stored rows, plus the engine's
// packed copy when a base is too large to be scanned in place (then both copies exist).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex } from '../../src/index/api.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { SHARED_MAX_BYTES } from '../../src/search/brute-force/dot-scanner.js';

function rows(n: number, d: number): Float32Array {
  const X = new Float32Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = ((i * 7919) % 1000) / 1000;
  return X;
}

test('brute memoryUsage: small bases count the rows once, large ones count the packed copy beside them', () => {
  const d = 64;
  for (const n of [500, Math.ceil((2 * SHARED_MAX_BYTES) / (d * 4))]) {
    const X = rows(n, d);
    const ix = createIndex('brute', { data: X, rows: n, cols: d });
    ix.search({ data: X.subarray(0, d), rows: 1, cols: d }, 1);
    const engine = new BruteForce({ data: X, rows: n, cols: d });
    const expected = engine.countsInputRows ? engine.memoryUsage() : X.byteLength + engine.memoryUsage();
    assert.ok(ix.memoryUsage() >= expected, `n ${n}: memoryUsage ${ix.memoryUsage()} below ${expected}`);
    assert.ok(ix.memoryUsage() >= X.byteLength, `n ${n}: memoryUsage below the vectors' bytes`);
    if (n > 500 && engine.internals.wasm) assert.equal(engine.countsInputRows, false, 'a large base is packed into a store of its own');
    if (!engine.countsInputRows) assert.ok(ix.memoryUsage() >= 2 * X.byteLength, `n ${n}: the packed copy is not counted`);
  }
});
