/**
 * The checks test/package/browser.test.ts runs twice: in Node on the sources and in headless
 * Chromium on the `browser` bundle of the package. Everything it returns must be equal between
 * the two (neighbours, labels), except `env`, which reports where it ran (kernel paths; saving to a path: 'saved' in Node,
 * 'KnnkitError' in a browser).
 */
import type * as Search from '../../src/search/index.js';
import type * as Learn from '../../src/learn/index.js';
import type * as Graph from '../../src/knn-graph/index.js';
import type * as Core from '../../src/core/index.js';

export interface Lib {
  search: Pick<typeof Search, 'BruteForce' | 'HnswIndex' | 'createIndex' | 'indexFromBytes' | 'saveIndex'>;
  learn: Pick<typeof Learn, 'KNeighborsClassifier'>;
  graph: Pick<typeof Graph, 'KnnGraphClassifier'>;
  core: Pick<typeof Core, 'KnnkitError'>;
}

/** Seeded clustered data (a small LCG: the same numbers in every engine). */
function data(n: number, d: number, seed: number): number[][] {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => (i % 5) * 3 + ((j * 7 + i) % 3) + next()));
}

export async function scenario(lib: Lib, savePath: string): Promise<{ same: Record<string, unknown>; env: Record<string, unknown> }> {
  const X = data(600, 12, 1), Q = data(300, 12, 2);
  const y = X.map((_, i) => `c${i % 5}`);
  const brute = new lib.search.BruteForce(X);
  const bruteSync = brute.search(Q, 5);
  const bruteAsync = await brute.searchAsync(Q, 5, { threads: 2 });

  const hnsw = lib.search.HnswIndex.build(X, { M: 12, efConstruction: 100, seed: 3 });
  const even = (id: number) => id % 2 === 0;
  const hFiltered = hnsw.search(Q, 5, { ef: 64, filter: even });
  const hBack = lib.search.HnswIndex.fromBytes(hnsw.toBytes());
  const hAsync = await hnsw.searchAsync(Q, 5, { ef: 64, threads: 2 });

  const managed = lib.search.createIndex('hnsw', X, { M: 12, efConstruction: 100, seed: 3 });
  const mBack = lib.search.indexFromBytes(managed.toBytes());
  const allowed = new Set(Array.from({ length: 200 }, (_, i) => i * 3));

  const knn = new lib.learn.KNeighborsClassifier({ k: 5, weights: 'distance' }).fit(X, y);
  const graph = new lib.graph.KnnGraphClassifier().fit(X.slice(0, 200), y.slice(0, 200));

  let nodeOnly = '';
  try { await lib.search.saveIndex(managed, savePath); nodeOnly = 'saved'; } catch (e) {
    nodeOnly = e instanceof lib.core.KnnkitError ? `KnnkitError: ${(e as Error).message}` : `other: ${(e as Error).message}`;
  }
  const rows = (r: { indices: Int32Array }) => Array.from(r.indices);
  return {
    same: {
      brute: rows(bruteSync),
      bruteAsyncEqual: rows(bruteAsync).join() === rows(bruteSync).join(),
      hnsw: rows(hnsw.search(Q, 5, { ef: 64 })),
      hnswFiltered: rows(hFiltered),
      hnswFilterHonoured: rows(hFiltered).every((i) => i < 0 || i % 2 === 0),
      hnswBytesEqual: rows(hBack.search(Q, 5, { ef: 64, filter: even })).join() === rows(hFiltered).join(),
      hnswAsyncEqual: rows(hAsync).join() === rows(hnsw.search(Q, 5, { ef: 64 })).join(),
      managed: Array.from(managed.search(Q, 5, { ef: 64, filter: allowed }).ids),
      managedBytesEqual: Array.from(mBack.search(Q, 5, { ef: 64, filter: allowed }).ids).join() === Array.from(managed.search(Q, 5, { ef: 64, filter: allowed }).ids).join(),
      knn: knn.predict(Q),
      graph: graph.predict(Q),
    },
    env: { brutePath: brute.kernelPath, hnswKernel: hnsw.kernelName, nodeOnly },
  };
}
