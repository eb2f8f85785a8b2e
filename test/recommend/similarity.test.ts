import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KNNRecommender, fitBaselines, ratingMatrix, similarityData, similarityMatrix, ratingsFromArrays } from '../../src/recommend/index.js';
import { tiny, close } from './tiny.js';

const sim = (opts: ConstructorParameters<typeof KNNRecommender>[0], a: number, b: number) => new KNNRecommender(opts).fit(tiny()).similarity(a, b);

test('user-based msd, cosine, pearson on the co-rated items (hand-computed)', () => {
  // u0 = (5, 3, 4), u1 = (3, 1, 2) on i0..i2: differences 2, 2, 2
  assert.ok(close(sim({ similarity: 'msd' }, 0, 1), 1 / (12 / 3 + 1)));
  assert.ok(close(sim({ similarity: 'cosine' }, 0, 1), 26 / Math.sqrt(50 * 14)));
  assert.ok(close(sim({ similarity: 'pearson' }, 0, 1), (3 * 26 - 12 * 6) / Math.sqrt((3 * 50 - 144) * (3 * 14 - 36))));
  // u0 vs u2 = (4, 3, 4): differences 1, 0, 0
  assert.ok(close(sim({ similarity: 'msd' }, 0, 2), 0.75));
  assert.ok(close(sim({ similarity: 'cosine' }, 0, 2), 45 / Math.sqrt(50 * 41)));
  assert.ok(close(sim({ similarity: 'pearson' }, 0, 2), 3 / Math.sqrt(6 * 2)));
  // u0 vs u3 share only i1 (3 vs 2): msd 1/(1+1); pearson on one item has a zero denominator -> 0
  assert.ok(close(sim({ similarity: 'msd' }, 0, 3), 0.5));
  assert.equal(sim({ similarity: 'cosine' }, 0, 3), 1);
  assert.equal(sim({ similarity: 'pearson' }, 0, 3), 0);
  // symmetric, diagonal 1
  assert.equal(sim({ similarity: 'pearson' }, 2, 0), sim({ similarity: 'pearson' }, 0, 2));
  assert.equal(sim({}, 3, 3), 1);
});

test('minSupport zeroes pairs with fewer common ratings', () => {
  assert.equal(sim({ similarity: 'msd', minSupport: 2 }, 0, 3), 0);
  assert.ok(close(sim({ similarity: 'msd', minSupport: 3 }, 0, 1), 0.2));
  assert.equal(sim({ similarity: 'msd', minSupport: 4 }, 0, 1), 0);
});

test('item-based msd and adjusted cosine (each rating minus its user mean)', () => {
  // i0 = (5, 3, 4), i1 = (3, 1, 3) over u0..u2: differences 2, 2, 1
  assert.ok(close(sim({ userBased: false, similarity: 'msd' }, 0, 1), 1 / (9 / 3 + 1)));
  // user means: u0 4, u1 2.25, u2 4
  const a = [1, 0.75, 0], b = [-1, -1.25, -1];
  const dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  const expected = dot / Math.sqrt((a[0] ** 2 + a[1] ** 2 + a[2] ** 2) * (b[0] ** 2 + b[1] ** 2 + b[2] ** 2));
  assert.ok(close(sim({ userBased: false, similarity: 'adjusted-cosine' }, 0, 1), expected));
  assert.ok(expected < -0.8);
});

test('pearson-baseline: cosine of r - b_ui over common items, shrunk by (n - 1) / (n - 1 + shrinkage)', () => {
  const r = tiny();
  const b = fitBaselines(ratingMatrix(r));
  const mu = b.globalMean;
  const res = (u: number, i: number, v: number) => v - mu - b.bu[u] - b.bi[i];
  // u0 and u1 on i0, i1, i2
  const d0 = [res(0, 0, 5), res(0, 1, 3), res(0, 2, 4)], d1 = [res(1, 0, 3), res(1, 1, 1), res(1, 2, 2)];
  const rho = (d0[0] * d1[0] + d0[1] * d1[1] + d0[2] * d1[2]) / Math.sqrt((d0[0] ** 2 + d0[1] ** 2 + d0[2] ** 2) * (d1[0] ** 2 + d1[1] ** 2 + d1[2] ** 2));
  for (const shrinkage of [0, 100, 7]) {
    assert.ok(close(sim({ similarity: 'pearson-baseline', shrinkage }, 0, 1), rho * 2 / (2 + shrinkage), 1e-10), `shrinkage ${shrinkage}`);
  }
  // support 1 is below pearson-baseline's floor of 2
  assert.equal(sim({ similarity: 'pearson-baseline', shrinkage: 0 }, 0, 3), 0);
});

test('the half-matrix pass equals row by row computation (stored vs computed rows)', () => {
  const r = tiny();
  for (const similarity of ['msd', 'cosine', 'pearson', 'adjusted-cosine', 'pearson-baseline'] as const) {
    for (const userBased of [true, false]) {
      const stored = new KNNRecommender({ similarity, userBased }).fit(r);
      const lazy = new KNNRecommender({ similarity, userBased, denseLimit: 0 }).fit(r);
      for (let a = 0; a < 4; a++) for (let c = 0; c < 4; c++) {
        assert.ok(close(stored.similarity(a, c), lazy.similarity(a, c), 1e-14), `${similarity} ${userBased} ${a} ${c}`);
      }
    }
  }
  const m = ratingMatrix(r);
  const full = similarityMatrix(similarityData(m, { similarity: 'msd', userBased: true, minSupport: 1, shrinkage: 100 }));
  assert.equal(full.length, 16);
});

test('implicit data: binary cosine over the full vectors and jaccard; co-rated measures refused', () => {
  const imp = ratingsFromArrays(['a', 'a', 'a', 'b', 'b', 'c'], ['x', 'y', 'z', 'x', 'y', 'z']);
  assert.equal(imp.implicit, true);
  const cos = new KNNRecommender({ similarity: 'cosine' }).fit(imp);
  assert.ok(close(cos.similarity(0, 1), 2 / Math.sqrt(3 * 2)));
  assert.ok(close(cos.similarity(0, 2), 1 / Math.sqrt(3 * 1)));
  assert.equal(cos.similarity(1, 2), 0);
  const jac = new KNNRecommender({ similarity: 'jaccard' }).fit(imp);
  assert.ok(close(jac.similarity(0, 1), 2 / 3));
  assert.throws(() => new KNNRecommender({ similarity: 'msd' }).fit(imp), /similarity: got "msd" on implicit/);
  assert.throws(() => new KNNRecommender({ similarity: 'jaccard' }).fit(tiny()), /jaccard/);
  assert.throws(() => new KNNRecommender({ similarity: 'euclid' as never }), /similarity: got "euclid"; expected one of/);
});
