// kNN-Graph `candidates: m` mode on worker threads: the preparation's row passes (candidate
// lists, class neighbourhoods, median pairs) and the column solves are split over threads;
// the learned graph must not depend on the thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/core/rng.js';
import type { Matrix } from '../../src/core/data.js';
import { gaussianClusters } from '../helpers/data.js';
import { denseToCsr } from '../../src/knn-graph/convert.js';
import { KnnGraphClassifier } from '../../src/knn-graph/index.js';
import { resolveOptions } from '../../src/knn-graph/options.js';
import { finish, prepare, solveAllSync, type TrainedGraph } from '../../src/knn-graph/train.js';
import { solveAllParallel } from '../../src/knn-graph/parallel.js';
import { EXACT_MEDIAN_PAIRS } from '../../src/knn-graph/median.js';

function graphOf(c: KnnGraphClassifier): TrainedGraph {
  return (c as unknown as { state(): { graph: TrainedGraph } }).state().graph;
}

function sameGraph(a: TrainedGraph, b: TrainedGraph, what: string): void {
  assert.equal(a.sigma, b.sigma, `${what}: sigma`);
  assert.deepEqual(a.lambda, b.lambda, `${what}: lambda`);
  assert.deepEqual(a.nbrOffsets, b.nbrOffsets, `${what}: neighbour counts`);
  assert.deepEqual(a.nbrIdx, b.nbrIdx, `${what}: neighbours`);
  assert.deepEqual(a.nbrW, b.nbrW, `${what}: weights`);
  assert.deepEqual(a.nodeLabels, b.nodeLabels, `${what}: consensus labels`);
  assert.equal(a.meanIterations, b.meanIterations, `${what}: iterations`);
}

function labelled(n: number, d: number, seed: number) {
  const X = gaussianClusters(n, d, 4, seed, 3, true); // integer values: tied distances
  const rng = new Rng(seed);
  const y = Array.from({ length: n }, (_, i) => (X.data[i * d] > 0 ? 'p' : 'q') + (rng.random() < 0.2 ? 'x' : ''));
  return { X, y };
}

for (const kind of ['dense', 'csr'] as const) {
  test(`candidates (${kind}): the same graph with 1, 2 and 3 threads`, async () => {
    const { X: D, y } = labelled(260, 6, 3);
    const X: Matrix = kind === 'dense' ? D : denseToCsr(D);
    const one = graphOf(new KnnGraphClassifier({ candidates: 12, seed: 4 }).fit(X, y));
    for (const threads of [2, 3]) {
      const par = await new KnnGraphClassifier({ candidates: 12, seed: 4, threads }).fitAsync(X, y);
      sameGraph(graphOf(par), one, `${threads} threads`);
    }
    const support = graphOf(new KnnGraphClassifier({ candidates: 12, neighbourRule: 'support' }).fit(X, y));
    sameGraph(graphOf(await new KnnGraphClassifier({ candidates: 12, neighbourRule: 'support', threads: 2 }).fitAsync(X, y)), support, 'support rule');
  });
}

test('candidates: a fixed sigma (no median pass) and m = n - 2 give the same graph on threads', async () => {
  const { X, y } = labelled(70, 4, 5);
  for (const o of [{ candidates: 9, sigma: 3.5 }, { candidates: 68 }]) {
    const one = graphOf(new KnnGraphClassifier(o).fit(X, y));
    const par = graphOf(await new KnnGraphClassifier({ ...o, threads: 2 }).fitAsync(X, y));
    sameGraph(par, one, JSON.stringify(o));
    if (o.sigma) assert.equal(par.sigma, 3.5);
  }
});

test('candidates with the sampled median (n above the exact-median limit): threads give the same graph', async () => {
  const n = 5900, d = 3;
  assert.ok((n * (n - 1)) / 2 > EXACT_MEDIAN_PAIRS);
  const X = gaussianClusters(n, d, 5, 8, 2);
  const yIds = Int32Array.from({ length: n }, (_, i) => (X.data[i * d + 1] > 0 ? 1 : 0) + (i % 7 === 0 ? 2 : 0));
  const o = resolveOptions({ candidates: 6 });
  const p1 = prepare(X, yIds, 4, o, false);
  const g1 = finish(X, yIds, 4, o, p1, solveAllSync(p1));
  const p2 = prepare(X, yIds, 4, o, true, 2);
  const g2 = finish(X, yIds, 4, o, p2, await solveAllParallel(p2, 2));
  sameGraph(g2, g1, 'sampled median, 2 threads');
  // the deferred preparation also completes in the calling thread
  const p3 = prepare(X, yIds, 4, o, true, 2);
  sameGraph(finish(X, yIds, 4, o, p3, solveAllSync(p3)), g1, 'deferred, completed in-thread');
});
