export type { Metric, MetricSpec, SparseKernel } from './types.js';
export { resolveMetric, metricToSpec, METRIC_NAMES } from './registry.js';
export type { MetricFitData } from './registry.js';
export { covariance, invert } from './mahalanobis.js';
export { sparseDot } from './sparse.js';
