export * from './errors.js';
export * from './matrix.js';
export * from './sparse.js';
export * from './data.js';
export * from './labels.js';
export * from './rng.js';
export * from './topk.js';
export * from './progress.js';
