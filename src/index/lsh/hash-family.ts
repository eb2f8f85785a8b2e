import { Rng } from '../../core/rng.js';

/**
 * The two LSH families of the `lsh` index, with their collision probabilities.
 *
 * - Random hyperplanes (Charikar 2002, "SimHash"): h_a(v) = [a . v > 0] with a ~ N(0, I).
 *   Two vectors at angle theta collide on one bit with p(theta) = 1 - theta / pi.
 * - p-stable projections (Datar, Immorlica, Indyk & Mirrokni 2004): h_{a,b}(v) = floor((a . v + b) / w)
 *   with a ~ N(0, I) (the 2-stable law) and b ~ U[0, w). Two vectors at Euclidean distance c
 *   collide with p(c) = 1 - 2 Phi(-w/c) - 2 / (sqrt(2 pi) w/c) (1 - exp(-(w/c)^2 / 2)).
 *
 * A table concatenates K such functions, so a pair collides in one table with p^K and in at least
 * one of L tables with 1 - (1 - p^K)^L (Indyk & Motwani 1998).
 */

/** One-bit collision probability of random hyperplanes for an angle theta in [0, pi]. */
export function hyperplaneCollision(theta: number): number {
  return 1 - theta / Math.PI;
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 through erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** One-function collision probability of p-stable (Gaussian) hashing of width w at distance c. */
export function pStableCollision(c: number, w: number): number {
  if (c <= 0) return 1;
  const r = w / c;
  return 1 - 2 * normalCdf(-r) - (2 / (Math.sqrt(2 * Math.PI) * r)) * (1 - Math.exp(-(r * r) / 2));
}

/** Probability that a pair with one-function collision probability p meets in >= 1 of L tables of K functions. */
export function tableRecall(p: number, K: number, L: number): number {
  return 1 - Math.pow(1 - Math.pow(p, K), L);
}

/** rows x d Gaussian entries (the vectors a of every hash function, row-major). */
export function gaussianMatrix(rows: number, d: number, rng: Rng): Float32Array {
  const a = new Float32Array(rows * d);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  return a;
}

/**
 * nbits x d rows that are orthonormal within each block of d rows (Gram-Schmidt on Gaussian
 * rows). FAISS's RandomRotationMatrix agrees for nbits <= d; for nbits > d it takes the first d
 * columns of one nbits x nbits orthonormal matrix (a tight frame) where this stacks independent
 * rotations: random directions either way, and sign bits ignore the rows' lengths.
 */
export function randomRotation(nbits: number, d: number, rng: Rng): Float32Array {
  const R = new Float64Array(nbits * d);
  for (let i = 0; i < R.length; i++) R[i] = rng.normal();
  for (let i = 0; i < nbits; i++) {
    const blockStart = i - (i % d);
    const ri = i * d;
    for (let j = blockStart; j < i; j++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += R[ri + t] * R[j * d + t];
      for (let t = 0; t < d; t++) R[ri + t] -= dot * R[j * d + t];
    }
    let nn = 0;
    for (let t = 0; t < d; t++) nn += R[ri + t] * R[ri + t];
    const inv = 1 / Math.sqrt(nn);
    for (let t = 0; t < d; t++) R[ri + t] *= inv;
  }
  return Float32Array.from(R);
}

/** out[r] = A[r] . v (+ add[r]) for the rows of A; v read at v[off .. off + d). */
export function project(A: Float32Array, rows: number, d: number, v: ArrayLike<number>, off: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const o = r * d;
    for (let t = 0; t < d; t++) s += A[o + t] * v[off + t];
    out[r] = s;
  }
}
