import { KnnkitError, checkInteger, checkNumber, invalidParam } from '../core/errors.js';
import { METRIC_NAMES } from '../metrics/registry.js';
import { getFamily } from '../index/registry.js';
import '../index/families.js';
import type { Metric, MetricSpec } from '../metrics/types.js';

/**
 * The index family an estimator searches with: 'auto' (one per fit, by scikit-learn's rule) or
 * any registered family name or alias (`knnkit indexes` lists them).
 */
export type Algorithm = 'auto' | 'brute' | 'kd-tree' | 'ball-tree' | 'hnsw' | (string & {});

/** The distance-based kernels shared by every weighted estimator (see weights.ts). */
export const KERNELS = ['gaussian', 'epanechnikov', 'tricube'] as const;
export type KernelName = typeof KERNELS[number];

/** A user weight function: receives one query's neighbour distances (nearest first). */
export type WeightFunction = (distances: Float64Array) => Float64Array | ArrayLike<number>;

export type ClassifierWeights = 'uniform' | 'distance' | KernelName | WeightFunction;
export type RegressorWeights = ClassifierWeights | 'shepard';

export const CLASSIFIER_WEIGHTS = ['uniform', 'distance', ...KERNELS] as const;
export const REGRESSOR_WEIGHTS = ['uniform', 'distance', 'shepard', ...KERNELS] as const;

/** Options every neighbour estimator shares: which engine, which metric, engine tuning. */
export interface IndexParams {
  /** Metric name or {name, p, VI, V}; default "euclidean". */
  metric?: MetricSpec;
  /** Default "auto". Any registered family (exact or approximate, e.g. "hnsw"). */
  algorithm?: Algorithm;
  /** KD-tree / ball-tree leaf size (default 30, as scikit-learn). */
  leafSize?: number;
  /** HNSW: links per node, construction beam, search beam (raised to k), build seed. */
  M?: number;
  efConstruction?: number;
  ef?: number;
  seed?: number;
}

export interface ResolvedIndexParams {
  metric: MetricSpec;
  algorithm: Algorithm;
  leafSize: number;
  M?: number;
  efConstruction?: number;
  ef?: number;
  seed?: number;
}

export function notFitted(estimator: string, verb: string, fitCall = 'fit(X, y)'): KnnkitError {
  return new KnnkitError('fit', `${estimator}: not fitted; call ${fitCall} before ${verb}()`);
}

/**
 * Validates the metric spec without fitting it (Mahalanobis without VI is fitted later, on the
 * training data): the name must be a registered metric or alias, or an already-resolved Metric.
 */
export function checkMetricSpec(spec: unknown): MetricSpec {
  if (spec === undefined) return 'euclidean';
  if (spec && typeof spec === 'object' && typeof (spec as Metric).reduced === 'function') return spec as Metric;
  const name = typeof spec === 'string' ? spec : spec && typeof spec === 'object' ? (spec as { name?: unknown }).name : undefined;
  if (typeof name !== 'string' || !METRIC_NAMES.includes(name.toLowerCase())) {
    throw invalidParam('metric', typeof spec === 'object' && spec !== null && typeof name === 'string' ? name : spec, `one of ${METRIC_NAMES.join(', ')} (or {name, p} for minkowski)`);
  }
  if (typeof spec === 'object' && (spec as { p?: unknown }).p !== undefined) {
    const p = (spec as { p?: unknown }).p;
    if (typeof p !== 'number' || Number.isNaN(p) || p < 1) throw invalidParam('p', p, 'a number >= 1 (Infinity for Chebyshev)');
  }
  return spec as MetricSpec;
}

export function checkIndexParams(p: IndexParams): ResolvedIndexParams {
  const algorithm = p.algorithm === undefined || p.algorithm === 'auto' ? 'auto' : getFamily(p.algorithm as string, 'algorithm').name;
  const out: ResolvedIndexParams = {
    metric: checkMetricSpec(p.metric),
    algorithm,
    leafSize: p.leafSize === undefined ? 30 : checkInteger('leafSize', p.leafSize, 1),
  };
  if (p.M !== undefined) out.M = checkInteger('M', p.M, 2);
  if (p.efConstruction !== undefined) out.efConstruction = checkInteger('efConstruction', p.efConstruction, 1);
  if (p.ef !== undefined) out.ef = checkInteger('ef', p.ef, 1);
  if (p.seed !== undefined) out.seed = checkInteger('seed', p.seed, 0, 0xffffffff);
  return out;
}

export function checkWeights<T extends string>(value: unknown, allowed: readonly T[]): T | WeightFunction {
  if (value === undefined) return 'uniform' as T;
  if (typeof value === 'function') return value as WeightFunction;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidParam('weights', value, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')} or a function (distances: Float64Array) => weights`);
  }
  return value as T;
}

export function checkK(k: unknown, name = 'k'): number {
  return checkInteger(name, k, 1);
}

export function checkBandwidth(h: unknown): number | undefined {
  return h === undefined ? undefined : checkNumber('bandwidth', h, 0, Infinity, { minExclusive: true });
}

export function checkRadius(r: unknown, name = 'radius'): number {
  return checkNumber(name, r, 0);
}

/** Shepard exponent p of the regressors' 'shepard' weights (default 2). */
export function checkPower(p: unknown): number {
  return p === undefined ? 2 : checkNumber('power', p, 0, Infinity, { minExclusive: true });
}
