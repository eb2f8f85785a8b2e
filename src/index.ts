// knnkit: nearest neighbours for TypeScript. The root entry re-exports the core families;
// heavier families (knn-graph, convnn) have their own subpath exports.
export * from './core/index.js';
export * from './metrics/index.js';
export * from './search/index.js';
