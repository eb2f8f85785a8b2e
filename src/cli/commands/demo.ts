import { parseArgs, intOption } from '../args.js';
import { KnnkitError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { DenseMatrix } from '../../core/matrix.js';
import type { Label } from '../../core/labels.js';
import { resolveMetric } from '../../metrics/registry.js';
import { BruteForce } from '../../search/brute-force/brute-force.js';
import { createIndex } from '../../index/api.js';
import { listFamilies, type FamilyDescriptor } from '../../index/registry.js';
import { KNeighborsClassifier } from '../../learn/knn-classifier.js';
import { crossValidate } from '../../model-selection/cross-validate.js';

/**
 * `knnkit demo`: the main job on a built-in example, generated from a seed (no download, no
 * shared data): (1) exact and approximate k-NN search over clustered vectors with every
 * registered index family, exact ones checked against brute force, approximate ones reporting
 * their recall; (2) a k-NN classifier cross-validated on labelled clusters.
 */
export async function run(argv: string[]): Promise<number> {
  const { options } = parseArgs(argv, { seed: { type: 'string' }, n: { type: 'string' }, help: { type: 'boolean' } });
  if (options.help) {
    console.log('usage: knnkit demo [--seed 0] [--n 5000]\nRuns k-NN search with every registered index family (knnkit indexes) and a cross-validated k-NN classifier on generated data.');
    return 0;
  }
  const seed = intOption(options, 'seed', 0, 0);
  const n = intOption(options, 'n', 5000, 100, 1_000_000);

  // 1. Search: n x 16 clustered vectors, 500 held-out queries, k = 10.
  const d = 16, k = 10, nq = 500;
  const { X: base } = clusters(n, d, 50, seed, 0);
  const { X: queries } = clusters(nq, d, 50, seed, 1);
  const metric = resolveMetric('euclidean');
  console.log(`knnkit demo: search ${n} x ${d} clustered vectors, ${nq} queries, k = ${k} (seed ${seed})`);
  console.log(['index'.padEnd(12), 'build s'.padStart(8), 'queries/s'.padStart(10), 'recall@10'.padStart(10), 'memory MB'.padStart(10)].join(' '));
  // the oracle: an exact scan, ids 0..n-1 as every family's default ids
  const truth = new BruteForce(base, { metric }).search(queries, k).indices;
  for (const family of listFamilies()) {
    const skip = cannotRun(family);
    if (skip) { console.log(`${family.name.padEnd(12)} skipped: ${skip}`); continue; }
    let t0 = performance.now();
    let index;
    try {
      index = createIndex(family.name, base, { metric, ...(family.options.some((o) => o.name === 'seed') ? { seed } : {}) });
    } catch (e) {
      // a family whose defaults do not fit this data needs options the demo cannot guess
      if (e instanceof KnnkitError) { console.log(`${family.name.padEnd(12)} skipped: needs options the demo cannot guess (${e.message})`); continue; }
      throw e;
    }
    const build = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const res = index.search(queries, k);
    const secs = (performance.now() - t0) / 1000;
    const recall = recallAtK(res.indices, truth, nq, k);
    const floor = !family.exact && family.recallFloor !== undefined && recall < family.recallFloor ? ` (below its floor ${family.recallFloor})` : '';
    console.log([family.name.padEnd(12), build.toFixed(3).padStart(8), Math.round(nq / secs).toString().padStart(10), recall.toFixed(4).padStart(10), (index.memoryUsage() / 1e6).toFixed(1).padStart(10)].join(' ') + floor);
    if (family.exact && recall !== 1) {
      console.error(`demo: exact index ${family.name} disagrees with brute force (recall ${recall})`);
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

/** Why the demo cannot run a family on dense euclidean data, or null. */
function cannotRun(family: FamilyDescriptor): string | null {
  if (!family.dataKinds.includes('dense')) return `indexes ${family.dataKinds.join(', ')} data only; the demo's vectors are dense`;
  const why = family.supportsMetric(resolveMetric('euclidean'));
  return why ? `the demo searches by euclidean distance: ${why}` : null;
}

function recallAtK(found: Int32Array, truth: Int32Array, nq: number, k: number): number {
  let hit = 0;
  for (let q = 0; q < nq; q++) {
    const t = new Set(truth.subarray(q * k, (q + 1) * k));
    for (let j = 0; j < k; j++) if (t.has(found[q * k + j])) hit++;
  }
  return hit / (nq * k);
}
