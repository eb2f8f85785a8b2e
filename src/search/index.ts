export type { NeighborIndex, SearchParams, ParallelOptions } from './types.js';
export { SearchResult, RadiusResult } from './results.js';
export { BruteForce } from './brute-force/brute-force.js';
export type { BruteForceOptions } from './brute-force/brute-force.js';
export { KDTree, KD_TREE_METRICS } from './kd-tree/kd-tree.js';
export type { KDTreeOptions } from './kd-tree/kd-tree.js';
export { BallTree, BALL_TREE_METRICS } from './ball-tree/ball-tree.js';
export type { BallTreeOptions } from './ball-tree/ball-tree.js';
export { HnswIndex } from './hnsw/hnsw-index.js';
export type { HnswOptions, HnswSearchParams } from './hnsw/hnsw-index.js';
export type { HnswFilter } from './hnsw/filter.js';
// the index contract (src/index/): one interface, a registry of families, one auto rule
export { createIndex, emptyIndex } from '../index/api.js';
export type { IndexOptions } from '../index/api.js';
export { chooseAlgorithm, chooseFamily } from '../index/auto.js';
export type { AlgorithmQuery, ExactAlgorithm } from '../index/auto.js';
