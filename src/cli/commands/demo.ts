import { parseArgs, intOption } from '../args.js';
import { Rng } from '../../core/rng.js';
import type { DenseMatrix } from '../../core/matrix.js';
import type { Label } from '../../core/labels.js';
import { createIndex, type EngineKind } from '../../search/factory.js';
import { KNeighborsClassifier } from '../../learn/knn-classifier.js';
import { crossValidate } from '../../model-selection/cross-validate.js';

/**
 * `knnkit demo`: the main job on a built-in example, generated from a seed (no download, no
 * shared data): (1) exact and approximate k-NN search over clustered vectors, every engine
 * checked against brute force; (2) a k-NN classifier cross-validated on labelled clusters.
 */
export async function run(argv: string[]): Promise<number> {
  const { options } = parseArgs(argv, { seed: { type: 'string' }, n: { type: 'string' }, help: { type: 'boolean' } });
  if (options.help) {
    console.log('usage: knnkit demo [--seed 0] [--n 20000]\nRuns k-NN search (brute, kd-tree, ball-tree, hnsw) and a cross-validated k-NN classifier on generated data.');
    return 0;
  }
  const seed = intOption(options, 'seed', 0, 0);
  const n = intOption(options, 'n', 20000, 100, 1_000_000);

  // 1. Search: n x 16 clustered vectors, 500 held-out queries, k = 10.
  const d = 16, k = 10, nq = 500;
  const { X: base } = clusters(n, d, 50, seed, 0);
  const { X: queries } = clusters(nq, d, 50, seed, 1);
  console.log(`knnkit demo: search ${n} x ${d} clustered vectors, ${nq} queries, k = ${k} (seed ${seed})`);
  console.log(['engine'.padEnd(10), 'build s'.padStart(8), 'queries/s'.padStart(10), 'recall@10'.padStart(10), 'memory MB'.padStart(10)].join(' '));
  let truth: Int32Array | undefined;
  for (const kind of ['brute', 'kd-tree', 'ball-tree', 'hnsw'] as EngineKind[]) {
    let t0 = performance.now();
    const index = createIndex(kind, base, { metric: 'euclidean', seed });
    const build = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const res = index.search(queries, k);
    const secs = (performance.now() - t0) / 1000;
    if (!truth) truth = res.indices;
    const recall = recallAtK(res.indices, truth, nq, k);
    console.log([kind.padEnd(10), build.toFixed(3).padStart(8), Math.round(nq / secs).toString().padStart(10), recall.toFixed(4).padStart(10), (index.memoryUsage() / 1e6).toFixed(1).padStart(10)].join(' '));
    if (index.exact && recall !== 1) {
      console.error(`demo: exact engine ${kind} disagrees with brute force (recall ${recall})`);
      return 1;
    }
  }

  // 2. Learning: 8 overlapping classes, 5-fold stratified CV of distance-weighted 5-NN.
  const cls = clusters(3000, d, 8, seed + 7, 2, 6);
  const cv = crossValidate(() => new KNeighborsClassifier({ k: 5, weights: 'distance' }), cls.X, cls.y, { folds: 5, seed });
  const acc = cv.scores.accuracy;
  console.log(`\nclassify 3000 x ${d} points in 8 overlapping classes: 5-fold CV of 5-NN (distance weights)`);
  console.log(`accuracy ${acc.mean.toFixed(4)} +- ${acc.std.toFixed(4)}, macro F1 ${cv.scores.macroF1?.mean.toFixed(4) ?? 'n/a'}, fit ${cv.fitSeconds.mean.toFixed(3)} s, predict ${cv.predictSeconds.mean.toFixed(3)} s per fold`);
  return 0;
}

/** Seeded Gaussian clusters; `stream` separates base and query draws from the same centres. */
function clusters(n: number, d: number, c: number, seed: number, stream: number, spread = 1): { X: DenseMatrix; y: Label[] } {
  const centresRng = new Rng(seed);
  const centres = new Float32Array(c * d);
  for (let i = 0; i < centres.length; i++) centres[i] = centresRng.normal() * 5;
  const rng = new Rng(seed * 7919 + stream + 1);
  const data = new Float32Array(n * d);
  const y: Label[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const ci = rng.int(c);
    y[i] = `class-${ci}`;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[ci * d + j] + rng.normal() * spread;
  }
  return { X: { kind: 'dense', data, rows: n, cols: d }, y };
}

function recallAtK(found: Int32Array, truth: Int32Array, nq: number, k: number): number {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const t = new Set(truth.subarray(q * k, (q + 1) * k));
    for (let j = 0; j < k; j++) if (t.has(found[q * k + j])) hit++;
  }
  return hit / (nq * k);
}
