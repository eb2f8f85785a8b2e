import type { Metric } from './types.js';

// The Minkowski family: per-axis sums, so KD-tree rectangle bounds apply (minkowskiP).

export const sqeuclidean: Metric = {
  name: 'sqeuclidean',
  params: {},
  distance: sqL2,
  reduced: sqL2,
  reducedToDistance: (r) => r,
  distanceToReduced: (d) => d,
  isTrueMetric: false, // squared L2 breaks the triangle inequality
  minkowskiP: 2,
  dotForm: { kind: 'l2', fromDot: l2FromDot },
};

export const euclidean: Metric = {
  name: 'euclidean',
  params: {},
  distance: (a, ao, b, bo, d) => Math.sqrt(sqL2(a, ao, b, bo, d)),
  reduced: sqL2,
  reducedToDistance: Math.sqrt,
  distanceToReduced: (d) => d * d,
  isTrueMetric: true,
  minkowskiP: 2,
  dotForm: { kind: 'l2', fromDot: l2FromDot },
};

export const manhattan: Metric = {
  name: 'manhattan',
  params: {},
  distance: l1,
  reduced: l1,
  reducedToDistance: (r) => r,
  distanceToReduced: (d) => d,
  isTrueMetric: true,
  minkowskiP: 1,
};

export const chebyshev: Metric = {
  name: 'chebyshev',
  params: {},
  distance: linf,
  reduced: linf,
  reducedToDistance: (r) => r,
  distanceToReduced: (d) => d,
  isTrueMetric: true,
  minkowskiP: Infinity,
};

/** Minkowski of order p >= 1 (p = 1, 2, Infinity resolve to the named metrics). */
export function minkowski(p: number): Metric {
  if (p === 1) return { ...manhattan, name: 'minkowski', params: { p } };
  if (p === 2) return { ...euclidean, name: 'minkowski', params: { p } };
  if (p === Infinity) return { ...chebyshev, name: 'minkowski', params: { p } };
  // Small integer orders (p = 3, 4) by multiplication: Math.pow per coordinate is ~10x slower.
  const reduced = p === 3
    ? (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number => {
      let s = 0;
      for (let i = 0; i < d; i++) { const t = Math.abs(a[ao + i] - b[bo + i]); s += t * t * t; }
      return s;
    }
    : p === 4
      ? (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number => {
        let s = 0;
        for (let i = 0; i < d; i++) { const t = a[ao + i] - b[bo + i]; const t2 = t * t; s += t2 * t2; }
        return s;
      }
      : (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number => {
        let s = 0;
        for (let i = 0; i < d; i++) s += Math.pow(Math.abs(a[ao + i] - b[bo + i]), p);
        return s;
      };
  return {
    name: 'minkowski',
    params: { p },
    distance: (a, ao, b, bo, d) => Math.pow(reduced(a, ao, b, bo, d), 1 / p),
    reduced,
    reducedToDistance: (r) => Math.pow(r, 1 / p),
    distanceToReduced: (dd) => Math.pow(dd, p),
    isTrueMetric: p >= 1,
    minkowskiP: p,
  };
}

export function sqL2(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) {
    const t = a[ao + i] - b[bo + i];
    s += t * t;
  }
  return s;
}

function l1(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.abs(a[ao + i] - b[bo + i]);
  return s;
}

function linf(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let m = 0;
  for (let i = 0; i < d; i++) {
    const t = Math.abs(a[ao + i] - b[bo + i]);
    if (t > m) m = t;
  }
  return m;
}

function l2FromDot(dot: number, na: number, nb: number): number {
  const r = na + nb - 2 * dot;
  return r > 0 ? r : 0;
}
