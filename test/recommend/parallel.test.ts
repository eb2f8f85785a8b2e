import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { closeSharedPool } from '../../src/parallel/index.js';
import {
  KNNRecommender, crossValidateRatings, crossValidateRatingsAsync, fitBaselines, ratingMatrix, ratingsFromArrays,
  similarityData, similarityMatrix, similarityMatrixParallel, type Ratings,
} from '../../src/recommend/index.js';
import { balancedChunks } from '../../src/recommend/similarity-parallel.js';
import { resolveSimilarityOptions, rowWork, type SimilarityName } from '../../src/recommend/similarity.js';
import { cli, cliTempDir } from '../helpers/cli.js';

after(() => closeSharedPool());

/** 120 users x 90 items, skewed popularity (a few items rated by most users), half-star ratings. */
function ratings(seed: number, implicit = false): Ratings {
  const rng = new Rng(seed);
  const u: number[] = [], i: number[] = [], r: number[] = [];
  for (let a = 0; a < 120; a++) for (let b = 0; b < 90; b++) {
    if (rng.random() < 0.6 / (1 + b / 8)) { u.push(a); i.push(b); r.push(implicit ? 1 : Math.min(5, Math.max(0.5, Math.round((3 + rng.normal()) * 2) / 2))); }
  }
  return ratingsFromArrays(u, i, r, implicit ? { implicit: true } : { scale: [0.5, 5] });
}

const bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

test('similarity matrix on 2 worker threads is bit-identical to the single-thread pass (every similarity, users and items)', async () => {
  const m = ratingMatrix(ratings(3));
  const bsl = fitBaselines(m, {});
  const names: SimilarityName[] = ['msd', 'cosine', 'pearson', 'pearson-baseline', 'adjusted-cosine'];
  for (const userBased of [true, false]) for (const similarity of names) {
    const D = similarityData(m, resolveSimilarityOptions({ similarity, userBased, minSupport: 2 }), bsl);
    const one = similarityMatrix(D);
    const two = await similarityMatrixParallel(D, 2);
    assert.ok(two.buffer instanceof SharedArrayBuffer, 'computed on the pool');
    assert.equal(Buffer.compare(bytes(one), bytes(two)), 0, `${similarity} ${userBased ? 'user' : 'item'}-based`);
    // not a trivial matrix: off-diagonal values spread out
    let nz = 0;
    for (let p = 0; p < one.length; p++) if (one[p] !== 0 && one[p] !== 1) nz++;
    assert.ok(nz > one.length / 4, `${similarity}: ${nz} informative entries of ${one.length}`);
  }
  const mi = ratingMatrix(ratings(4, true));
  for (const similarity of ['cosine', 'jaccard'] as const) {
    const D = similarityData(mi, resolveSimilarityOptions({ similarity, userBased: false }));
    assert.equal(Buffer.compare(bytes(similarityMatrix(D)), bytes(await similarityMatrixParallel(D, 3))), 0, similarity);
  }
  // threads = 1: the calling thread's pass, no shared memory
  const D = similarityData(m, resolveSimilarityOptions({}));
  assert.ok(!((await similarityMatrixParallel(D, 1)).buffer instanceof SharedArrayBuffer));
  await assert.rejects(similarityMatrixParallel(D, 0), /threads/);
});

test('fitAsync on 2 threads: the same predictions, neighbours and cross-validation scores as fit()', async () => {
  const r = ratings(5);
  for (const p of [{ rule: 'baseline' as const, similarity: 'pearson-baseline' as const }, { rule: 'means' as const, userBased: false }]) {
    const a = new KNNRecommender({ ...p, threads: 2 });
    await a.fitAsync(r);
    const b = new KNNRecommender({ ...p, threads: 2 }).fit(r);
    const users = Int32Array.from({ length: 500 }, (_, t) => (t * 7) % 120), items = Int32Array.from({ length: 500 }, (_, t) => (t * 13) % 90);
    assert.deepEqual([...a.predictBatch(users, items)], [...b.predictBatch(users, items)]);
    assert.deepEqual([...a.neighbours(3, 10).indices], [...b.neighbours(3, 10).indices]);
    assert.deepEqual([...a.recommendInner(7, 5).itemIndices], [...b.recommendInner(7, 5).itemIndices]);
  }
  const make = () => new KNNRecommender({ rule: 'zscore', threads: 2 });
  const cvSync = crossValidateRatings(r, make, { folds: 3, seed: 1, top: 5 });
  const cvAsync = await crossValidateRatingsAsync(r, make, { folds: 3, seed: 1, top: 5 });
  for (const k of ['rmse', 'mae', 'precision', 'ndcg'] as const) assert.equal(cvAsync.mean[k], cvSync.mean[k], k);
  assert.ok(cvSync.mean.rmse > 0.3 && cvSync.mean.rmse < 2, `rmse ${cvSync.mean.rmse}`);
  assert.throws(() => new KNNRecommender({ threads: 0 }), /threads/);
});

test('rows on demand (above denseLimit): predictBatchAsync on 2 threads gives exactly predictBatch\'s predictions', async () => {
  const r = ratings(8);
  const rng = new Rng(2);
  // unknown ids (-1, out of range) included: the fallbacks go through the workers too
  const users = Int32Array.from({ length: 2000 }, (_, t) => (t % 97 === 0 ? -1 : rng.int(120)));
  const items = Int32Array.from({ length: 2000 }, (_, t) => (t % 89 === 0 ? 95 : rng.int(90)));
  const cases = [
    { rule: 'basic' as const }, { rule: 'zscore' as const, userBased: false },
    { rule: 'baseline' as const, similarity: 'pearson-baseline' as const }, { rule: 'means' as const, userBased: false, similarity: 'pearson' as const, minK: 3 },
  ];
  for (const p of cases) {
    const lazy = new KNNRecommender({ ...p, denseLimit: 0, threads: 2 }).fit(r);
    const sync = lazy.predictBatch(users, items);
    const par = await lazy.predictBatchAsync(users, items);
    assert.ok(par.buffer instanceof SharedArrayBuffer, 'predicted on the pool');
    assert.equal(Buffer.compare(bytes(sync), bytes(par)), 0, JSON.stringify(p));
    // and both equal the stored-matrix model's predictions
    const dense = new KNNRecommender({ ...p, threads: 1 }).fit(r);
    assert.deepEqual([...par], [...dense.predictBatch(users, items)]);
    let spread = 0;
    for (const v of par) if (v !== r.scale[0] && v !== r.scale[1] && Math.abs(v - par[0]) > 1e-9) spread++;
    assert.ok(spread > 1000, `${JSON.stringify(p)}: ${spread} distinct in-range predictions`);
  }
  // a second fitted state: the workers rebuild their model (no stale cache)
  const other = new KNNRecommender({ denseLimit: 0, threads: 2 }).fit(ratings(9));
  assert.deepEqual([...(await other.predictBatchAsync(users, items))], [...other.predictBatch(users, items)]);
  // cross-validation through the async path: same scores as the sync path
  const make = () => new KNNRecommender({ rule: 'means', userBased: false, denseLimit: 0, threads: 2 });
  const a = await crossValidateRatingsAsync(r, make, { folds: 3, seed: 2, top: 0 });
  const b = crossValidateRatings(r, make, { folds: 3, seed: 2, top: 0 });
  assert.equal(a.mean.rmse, b.mean.rmse);
  assert.equal(a.mean.mae, b.mean.mae);
});

test('balancedChunks: contiguous, non-empty ranges covering every row, about equal work', () => {
  const m = ratingMatrix(ratings(6));
  const D = similarityData(m, resolveSimilarityOptions({ userBased: false }));
  const w = rowWork(D);
  for (const parts of [1, 2, 8, 500]) {
    const c = balancedChunks(w, parts);
    assert.ok(c.length >= 1 && c.length <= Math.min(parts, w.length), `${c.length} chunks for ${parts}`);
    assert.equal(c[0][0], 0);
    assert.equal(c[c.length - 1][1], w.length);
    for (let t = 0; t < c.length; t++) { assert.ok(c[t][1] > c[t][0]); if (t > 0) assert.equal(c[t][0], c[t - 1][1]); }
  }
  // item-based on skewed data: row work falls steeply with the item id, yet 4 chunks share it
  const c = balancedChunks(w, 4);
  const sums = c.map(([a, b]) => w.subarray(a, b).reduce((s, x) => s + x + 1, 0));
  const total = sums.reduce((a, b) => a + b, 0);
  assert.equal(c.length, 4);
  // each cut lands on the first row whose running total reaches the next quarter: every chunk is
  // a quarter of the work give or take the heaviest row
  const heaviest = Math.max(...w) + 1;
  assert.ok(heaviest < total / 8, 'no single row dominates');
  for (const s of sums) assert.ok(Math.abs(s - total / 4) <= heaviest, `${sums} (total ${total}, heaviest row ${heaviest})`);
});

test('knnkit recommend --threads: the same JSON scores for 1 and 2 threads; bad values exit 2', async () => {
  const tmp = cliTempDir('knnkit-recommend-threads-');
  try {
    const r = ratings(7);
    const file = join(tmp.dir, 'r.csv');
    writeFileSync(file, 'user,item,rating\n' + Array.from({ length: r.size }, (_, e) => `${r.userIds[r.user[e]]},${r.itemIds[r.item[e]]},${r.rating[e]}`).join('\n') + '\n');
    const run = async (threads: string) => {
      const out = await cli(['recommend', file, '--rule', 'means', '--folds', '3', '--top', '5', '--threads', threads, '--json']);
      assert.equal(out.code, 0, out.err);
      return JSON.parse(out.out);
    };
    const one = await run('1'), two = await run('2');
    assert.equal(two.threads, 2);
    for (const k of ['rmse', 'mae', 'precisionAt5', 'ndcgAt5']) assert.equal(two[k], one[k], k);
    const bad = await cli(['recommend', file, '--threads', '0']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--threads: got "0"/);
  } finally { tmp.remove(); }
});
