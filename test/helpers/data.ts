import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/core/rng.js';
import type { DenseMatrix } from '../../src/core/matrix.js';

/** ../shared/data beside the repository, or undefined when absent (fresh clone). */
export const SHARED_DATA = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data');

/** Path to a shared dataset, or a skip reason string for node:test when ../shared is absent. */
export function sharedData(name: string): { path: string; skip: false } | { path: string; skip: string } {
  const path = join(SHARED_DATA, name);
  return existsSync(path) ? { path, skip: false } : { path, skip: `../shared/data/${name} not present (fresh clone without shared/): skipped` };
}

/** Seeded Gaussian clusters (n x d) for generated-data tests and benchmarks. */
export function gaussianClusters(n: number, d: number, clusters: number, seed: number, spread = 1, integer = false): DenseMatrix {
  const rng = new Rng(seed);
  const centers = new Float32Array(clusters * d);
  for (let i = 0; i < centers.length; i++) centers[i] = rng.normal() * 10;
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = rng.int(clusters);
    for (let j = 0; j < d; j++) {
      const v = centers[c * d + j] + rng.normal() * spread;
      data[i * d + j] = integer ? Math.round(v) : v;
    }
  }
  return { kind: 'dense', data, rows: n, cols: d };
}

/**
 * Clusters on random low-dimensional subspaces (seeded): `clusters` centres in d dimensions, each
 * with a `lat`-dimensional random basis; the data of bench:vamana and bench:diskann.
 */
export function subspaceClusters(rows: number, d: number, lat: number, clusters: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const centers = Float32Array.from({ length: clusters * d }, () => rng.normal() * 10);
  const bases = Float32Array.from({ length: clusters * lat * d }, () => rng.normal() / Math.sqrt(lat) * 4);
  const out = new Float32Array(rows * d), z = new Float64Array(lat);
  for (let i = 0; i < rows; i++) {
    const c = rng.int(clusters);
    for (let t = 0; t < lat; t++) z[t] = rng.normal();
    for (let j = 0; j < d; j++) {
      let v = centers[c * d + j] + 0.1 * rng.normal();
      for (let t = 0; t < lat; t++) v += z[t] * bases[(c * lat + t) * d + j];
      out[i * d + j] = v;
    }
  }
  return out;
}
