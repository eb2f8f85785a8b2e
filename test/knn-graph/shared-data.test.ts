import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedData } from '../helpers/data.js';
import { readDataset } from '../../src/io/index.js';
import { matrixTakeRows } from '../../src/core/data.js';
import { csrNormalizeRows } from '../../src/core/sparse.js';
import { KnnGraphClassifier } from '../../src/knn-graph/index.js';

const bin = sharedData('binalpha.csv');
test('binalpha subset: reference rule keeps 1-3 neighbours (mean about 1.5), support keeps the whole support', { skip: bin.skip }, async () => {
  const ds = await readDataset(bin.path);
  const rows = Int32Array.from({ length: 351 }, (_, i) => i * 4); // every 4th row: 9-10 per class
  const X = matrixTakeRows(ds.X, rows), y = Array.from(rows, (i) => ds.y![i]);
  const ref = new KnnGraphClassifier({ neighbourRule: 'reference' }).fit(X, y);
  const info = ref.fitInfo;
  assert.ok(info.meanNeighbours >= 1 && info.meanNeighbours <= 3, `mean k_j ${info.meanNeighbours}`);
  assert.ok(info.meanIterations >= 1 && info.meanIterations <= 5);
  assert.ok(info.sigma > 0);
  const sup = new KnnGraphClassifier({ neighbourRule: 'support' }).fit(X, y);
  assert.ok(sup.fitInfo.meanNeighbours > info.meanNeighbours);
});

const news = sharedData('news20_uni.svm');
test('news20 subset (CSR, rows L2-normalised): candidates mode trains and predicts without densifying', { skip: news.skip }, async () => {
  const ds = await readDataset(news.path);
  assert.equal(ds.X.kind, 'csr');
  const rows = Int32Array.from({ length: 400 }, (_, i) => i * 9);
  const X = matrixTakeRows(ds.X, rows);
  const y = Array.from(rows, (i) => ds.y![i]);
  const Xn = X.kind === 'csr' ? csrNormalizeRows(X) : X;
  const c = new KnnGraphClassifier({ candidates: 24 }).fit(Xn, y);
  assert.equal(c.fitInfo.mode, 'candidates');
  const pred = c.predict(Xn);
  let hit = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === y[i]) hit++;
  assert.ok(hit / pred.length > 0.9, `training-set agreement ${hit / pred.length}`);
});
