// A loaded HNSW index inserts later adds on the threads its saved options name (the graph
// format does not hold them); deterministic indexes stay serial.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex } from '../../src/index/api.js';
import { indexFromBytes } from '../../src/index/persist.js';
import type { HnswCore } from '../../src/index/hnsw/descriptor.js';

function rows(n: number, d: number): Float32Array {
  const X = new Float32Array(n * d);
  for (let i = 0; i < X.length; i++) X[i] = ((i * 7919) % 1013) / 1013;
  return X;
}

test('hnsw: threads come back from the saved options on load; deterministic stays serial', () => {
  const X = { data: rows(300, 8), rows: 300, cols: 8 };
  for (const [opts, expected] of [[{ threads: 2 }, 2], [{ threads: 3, deterministic: true }, 1], [{}, 1]] as const) {
    const ix = createIndex('hnsw', X, opts);
    const back = indexFromBytes(ix.toBytes());
    const core = (back as unknown as { core: HnswCore }).core;
    const eff = core.hnsw.deterministic ? 1 : core.hnsw.threads;
    assert.equal(eff, expected, JSON.stringify(opts));
    assert.equal(back.options.threads, (opts as { threads?: number }).threads ?? 1);
  }
});
