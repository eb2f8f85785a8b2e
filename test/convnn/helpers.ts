import { Rng } from '../../src/core/rng.js';
import { tf } from '../../src/convnn/index.js';

/** Seeded standard-normal tensor (independent of the TF.js RNG). */
export function randn(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const d = new Float32Array(n);
  for (let i = 0; i < n; i++) d[i] = rng.normal();
  return tf.tensor(d, shape);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Neighbour rows [rows][K] from a flat list. */
export function rows(idx: Int32Array, k: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < idx.length; i += k) out.push(Array.from(idx.subarray(i, i + k)));
  return out;
}
