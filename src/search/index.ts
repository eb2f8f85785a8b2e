export type { NeighborIndex, SearchParams, ParallelOptions } from './types.js';
export { SearchResult, RadiusResult } from './results.js';
export { BruteForce } from './brute-force/brute-force.js';
export type { BruteForceOptions } from './brute-force/brute-force.js';
