import type { Metric } from './types.js';

/**
 * Hamming distance as scipy and scikit-learn define it: the fraction of coordinates that
 * differ. For binary or categorical (integer-coded) data; a true metric.
 */
export const hamming: Metric = {
  name: 'hamming',
  params: {},
  distance: hammingDistance,
  reduced: hammingDistance,
  reducedToDistance: (r) => r,
  distanceToReduced: (d) => d,
  isTrueMetric: true,
};

function hammingDistance(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) if (a[ao + i] !== b[bo + i]) s++;
  return d > 0 ? s / d : 0;
}
