// Source files the browser build replaces with browser twins (scripts/build-dist.mjs), and
// which test/core/browser-safe.test.ts follows instead of the Node originals.
export const BROWSER_SUBSTITUTES = {
  'src/parallel/pool.ts': 'src/browser/pool.ts',
  'src/knn-graph/parallel.ts': 'src/browser/knn-graph-parallel.ts',
};
