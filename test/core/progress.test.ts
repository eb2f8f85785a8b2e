import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProgressEvent } from '../../src/core/progress.js';
import { createIndex } from '../../src/index/api.js';
import { HnswIndex } from '../../src/search/hnsw/hnsw-index.js';
import { KnnGraphClassifier } from '../../src/knn-graph/classifier.js';
import { crossValidate } from '../../src/model-selection/cross-validate.js';
import { KNeighborsClassifier } from '../../src/learn/knn-classifier.js';
import { readDataset } from '../../src/io/dataset.js';
import { gaussianClusters } from '../helpers/data.js';

/** Events of one phase rise to the total and end on it. */
function checkPhase(events: ProgressEvent[], phase: string, total: number): void {
  const own = events.filter((e) => e.phase === phase);
  assert.ok(own.length >= 2, `${phase}: ${own.length} events`);
  for (let i = 1; i < own.length; i++) assert.ok(own[i].done >= own[i - 1].done, `${phase}: done never goes back`);
  for (const e of own) { assert.equal(e.total, total); assert.ok(e.done >= 0 && e.done <= total); }
  assert.equal(own.at(-1)!.done, total, `${phase}: ends at the total`);
}

test('HNSW build reports its inserts, through createIndex and HnswIndex.build, with the same graph', () => {
  const X = gaussianClusters(1500, 8, 5, 1);
  const events: ProgressEvent[] = [];
  const a = createIndex('hnsw', X, { M: 8, seed: 2, onProgress: (e) => events.push(e) });
  checkPhase(events, 'hnsw insert', 1500);
  assert.ok(events.length <= 250, `throttled: ${events.length} events`);
  const direct: ProgressEvent[] = [];
  const b = HnswIndex.build(X, { M: 8, seed: 2, onProgress: (e) => direct.push(e) });
  checkPhase(direct, 'hnsw insert', 1500);
  // reporting changes nothing: the same neighbours as a build without a callback
  const c = HnswIndex.build(X, { M: 8, seed: 2 });
  assert.deepEqual(b.search(X, 5).indices, c.search(X, 5).indices);
  assert.deepEqual(Array.from(a.search(X, 5).ids), Array.from(c.search(X, 5).indices));
});

test('kNN-Graph fit and fitAsync report the column solves; the model is the same', async () => {
  const X = gaussianClusters(300, 6, 3, 4);
  const y = Array.from({ length: 300 }, (_, i) => `c${i % 3}`);
  const events: ProgressEvent[] = [];
  const g = new KnnGraphClassifier().fit(X, y, { onProgress: (e) => events.push(e) });
  checkPhase(events, 'knn-graph solve', 300);
  const plain = new KnnGraphClassifier().fit(X, y);
  assert.deepEqual(g.predict(X), plain.predict(X));
  const asyncEvents: ProgressEvent[] = [];
  const h = await new KnnGraphClassifier({ threads: 2 }).fitAsync(X, y, { onProgress: (e) => asyncEvents.push(e) });
  checkPhase(asyncEvents, 'knn-graph solve', 300);
  assert.deepEqual(h.predict(X), plain.predict(X));
});

test('cross-validation reports each fold', () => {
  const X = gaussianClusters(200, 4, 2, 5);
  const y = Array.from({ length: 200 }, (_, i) => i % 2);
  const events: ProgressEvent[] = [];
  crossValidate(() => new KNeighborsClassifier({ k: 3 }), X, y, { folds: 4, onProgress: (e) => events.push(e) });
  assert.deepEqual(events, [1, 2, 3, 4].map((done) => ({ phase: 'cross-validation', done, total: 4 })));
});

test('a streamed CSV read reports its bytes up to the file size', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-progress-'));
  try {
    const path = join(dir, 'big.csv');
    const rows = ['a,b,c,label'];
    for (let i = 0; i < 250_000; i++) rows.push(`${i % 97},${(i * 7) % 13}.5,${i % 5},${i % 3}`);
    writeFileSync(path, rows.join('\n') + '\n');
    const size = statSync(path).size;
    assert.ok(size > 2 * (1 << 20), 'more than two read chunks');
    const events: ProgressEvent[] = [];
    const ds = await readDataset(path, { onProgress: (e) => events.push(e) });
    assert.equal(ds.X.rows, 250_000);
    checkPhase(events, 'read big.csv', size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
