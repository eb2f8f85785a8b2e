import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, interpolatedPerplexity, knnDistribution, knnTargetProbs, perplexityFromLogProbs } from '../../src/knn-lm/index.js';

// Two query rows, kMax = 3; row 1 has only two neighbours (-1 padding, as knnkit pads).
const values = Int32Array.from([2, 3, 2, 1, 0, -1]);
const dists = Float64Array.from([1, 2, 4, 0.5, 1.5, Infinity]);

test('p_kNN by hand: exp(-d/T) summed per value, normalised', () => {
  const T = 2;
  const e = [Math.exp(-1 / T), Math.exp(-2 / T), Math.exp(-4 / T)];
  const z = e[0] + e[1] + e[2];
  const p = knnDistribution(values, dists, 3, 0, 3, T, 5);
  assert.ok(Math.abs(p[2] - (e[0] + e[2]) / z) < 1e-12);
  assert.ok(Math.abs(p[3] - e[1] / z) < 1e-12);
  assert.equal(p[0] + p[1] + p[4], 0);
  // k = 2: the third neighbour drops out.
  const p2 = knnDistribution(values, dists, 3, 0, 2, T, 5);
  assert.ok(Math.abs(p2[2] - e[0] / (e[0] + e[1])) < 1e-12);
  // padded row: two neighbours only, still sums to 1
  const p1 = knnDistribution(values, dists, 3, 1, 3, 1, 5);
  assert.ok(Math.abs(p1[1] - Math.exp(-0.5) / (Math.exp(-0.5) + Math.exp(-1.5))) < 1e-12);
  const t = knnTargetProbs(values, dists, 3, Int32Array.from([2, 4]), 3, T);
  assert.ok(Math.abs(t[0] - p[2]) < 1e-15);
  assert.equal(t[1], 0);
});

test('interpolation: lambda 0 = LM, lambda 1 = kNN, sums to 1, hand value in between', () => {
  const pLM = [0.1, 0.2, 0.3, 0.15, 0.25];
  const pKNN = knnDistribution(values, dists, 3, 0, 3, 1, 5);
  assert.deepEqual([...interpolate(pLM, pKNN, 0)], pLM);
  assert.deepEqual([...interpolate(pLM, pKNN, 1)], [...pKNN]);
  const mix = interpolate(pLM, pKNN, 0.25);
  assert.ok(Math.abs(mix.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(mix[2] - (0.25 * pKNN[2] + 0.75 * 0.3)) < 1e-15);
  assert.throws(() => interpolate(pLM, pKNN, 1.5), /lambda/);
});

test('perplexity: exp(-mean log p); interpolated at lambda 0 equals the LM exactly', () => {
  const lp = Float64Array.from([Math.log(0.5), Math.log(0.25)]);
  assert.ok(Math.abs(perplexityFromLogProbs(lp) - Math.sqrt(8)) < 1e-12);
  const pk = Float64Array.from([1, 0]);
  assert.equal(interpolatedPerplexity(lp, pk, 0), perplexityFromLogProbs(lp));
  const hand = Math.exp(-(Math.log(0.5 * 1 + 0.5 * 0.5) + Math.log(0.5 * 0 + 0.5 * 0.25)) / 2);
  assert.ok(Math.abs(interpolatedPerplexity(lp, pk, 0.5) - hand) < 1e-12);
  assert.equal(interpolatedPerplexity(lp, pk, 1), Infinity); // p_kNN(target) = 0 for the second token
});
