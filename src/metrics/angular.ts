import type { Metric } from './types.js';

/**
 * Cosine distance 1 - cos(a, b), in [0, 2]. A zero vector has no direction: its cosine
 * similarity to anything is taken as 0, so its distance is 1 to every vector (including another
 * zero vector), as scikit-learn's cosine_distances does after normalize(). Not a true metric
 * (no triangle inequality), so BallTree refuses it; brute force and HNSW support it.
 */
export const cosine: Metric = {
  name: 'cosine',
  params: {},
  distance: cosineDistance,
  reduced: cosineDistance,
  reducedToDistance: (r) => r,
  distanceToReduced: (d) => d,
  isTrueMetric: false,
  dotForm: { kind: 'cosine', fromDot: cosineFromDot },
};

/** Inner-product "distance" 1 - <a, b> (hnswlib's convention): smaller means more similar. */
export const innerProduct: Metric = {
  name: 'ip',
  params: {},
  distance: ipDistance,
  reduced: ipDistance,
  reducedToDistance: (r) => r,
  distanceToReduced: (d) => d,
  isTrueMetric: false,
  dotForm: { kind: 'ip', fromDot: (dot) => 1 - dot },
};

export function cosineFromDot(dot: number, na: number, nb: number): number {
  if (na === 0 || nb === 0) return 1;
  const c = dot / (Math.sqrt(na) * Math.sqrt(nb));
  const r = 1 - c;
  return r < 0 ? 0 : r > 2 ? 2 : r;
}

function cosineDistance(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < d; i++) {
    const x = a[ao + i], y = b[bo + i];
    dot += x * y; na += x * x; nb += y * y;
  }
  return cosineFromDot(dot, na, nb);
}

function ipDistance(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let dot = 0;
  for (let i = 0; i < d; i++) dot += a[ao + i] * b[bo + i];
  return 1 - dot;
}
