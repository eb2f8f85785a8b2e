import type { Metric, MetricSpec } from './types.js';
import { euclidean, sqeuclidean, manhattan, chebyshev, minkowski } from './minkowski.js';
import { cosine, innerProduct } from './angular.js';
import { hamming } from './hamming.js';
import { mahalanobis, covariance, invert } from './mahalanobis.js';
import { sparseSqL2, sparseL1, sparseCosine, sparseIp } from './sparse.js';
import { KnnkitError, invalidParam } from '../core/errors.js';

/** Data a metric may be fitted on (Mahalanobis covariance). */
export interface MetricFitData { data: Float32Array; rows: number; cols: number }

type Factory = (spec: Exclude<MetricSpec, string | Metric>, fit?: MetricFitData) => Metric;

const withSparse = (m: Metric, k: Metric['sparseReduced']): Metric => ({ ...m, sparseReduced: k });

/** name -> factory. The only place that knows metric names. */
const REGISTRY: Record<string, Factory> = {
  euclidean: () => withSparse(euclidean, sparseSqL2),
  sqeuclidean: () => withSparse(sqeuclidean, sparseSqL2),
  manhattan: () => withSparse(manhattan, sparseL1),
  chebyshev: () => chebyshev,
  minkowski: (spec) => {
    const p = spec.p ?? 2;
    if (typeof p !== 'number' || Number.isNaN(p) || p < 1) throw invalidParam('p', p, 'a number >= 1 (Infinity for Chebyshev)');
    const m = minkowski(p);
    return p === 1 ? withSparse(m, sparseL1) : p === 2 ? withSparse(m, sparseSqL2) : m;
  },
  cosine: () => withSparse(cosine, sparseCosine),
  ip: () => withSparse(innerProduct, sparseIp),
  hamming: () => hamming,
  mahalanobis: (spec, fit) => {
    if (spec.VI) return mahalanobis(flatSquare(spec.VI, 'VI'), Math.round(Math.sqrt(flatSquare(spec.VI, 'VI').length)));
    if (spec.V) {
      const V = flatSquare(spec.V, 'V');
      const d = Math.round(Math.sqrt(V.length));
      return mahalanobis(invert(V, d, 'V'), d);
    }
    if (!fit) throw new KnnkitError('metric', 'metric: "mahalanobis" needs VI (inverse covariance), V (covariance) or training data to fit the covariance from');
    const d = fit.cols;
    return mahalanobis(invert(covariance(fit.data, fit.rows, d), d, 'V'), d);
  },
};

const ALIASES: Record<string, string> = {
  l2: 'euclidean', l2sq: 'sqeuclidean', squared_euclidean: 'sqeuclidean', 'squared-euclidean': 'sqeuclidean',
  l1: 'manhattan', cityblock: 'manhattan', taxicab: 'manhattan',
  linf: 'chebyshev', infinity: 'chebyshev',
  inner_product: 'ip', 'inner-product': 'ip', dot: 'ip',
};

/** Every accepted metric name (canonical names first, then aliases). */
export const METRIC_NAMES: readonly string[] = [...Object.keys(REGISTRY), ...Object.keys(ALIASES)];

/**
 * Resolves a metric spec to its kernels. Names are case-insensitive; aliases (l2, l1,
 * cityblock, ...) map to canonical names. `fit` supplies training data for metrics that are
 * fitted (Mahalanobis without VI/V). An already-resolved Metric is returned as is.
 */
export function resolveMetric(spec: MetricSpec = 'euclidean', fit?: MetricFitData, param = 'metric'): Metric {
  if (spec && typeof spec === 'object' && typeof (spec as Metric).reduced === 'function') return spec as Metric;
  const obj = typeof spec === 'string' ? { name: spec } : spec as Exclude<MetricSpec, string | Metric>;
  if (!obj || typeof obj.name !== 'string') throw invalidParam(param, spec, `a metric name (${Object.keys(REGISTRY).join(', ')}) or {name, ...params}`);
  const lower = obj.name.toLowerCase();
  const name = ALIASES[lower] ?? lower;
  const factory = REGISTRY[name];
  if (!factory) throw invalidParam(param, obj.name, `one of ${Object.keys(REGISTRY).join(', ')} (aliases: ${Object.keys(ALIASES).join(', ')})`);
  return factory({ ...obj, name }, fit);
}

/** Serialisable description of a resolved metric (round-trips through resolveMetric). */
export function metricToSpec(m: Metric): { name: string; p?: number; VI?: number[] } {
  return { name: m.name, ...(m.params as object) };
}

function flatSquare(x: ArrayLike<number> | ArrayLike<number>[], name: string): Float64Array {
  const rows = x as ArrayLike<unknown>;
  let flat: Float64Array;
  if (rows.length > 0 && typeof rows[0] === 'object') {
    const d = rows.length;
    flat = new Float64Array(d * d);
    for (let i = 0; i < d; i++) {
      const r = rows[i] as ArrayLike<number>;
      if (r.length !== d) throw new KnnkitError(name, `${name}: row ${i} has ${r.length} values; expected a square ${d} x ${d} matrix`);
      for (let j = 0; j < d; j++) flat[i * d + j] = r[j];
    }
  } else {
    flat = Float64Array.from(x as ArrayLike<number>);
  }
  const d = Math.round(Math.sqrt(flat.length));
  if (d * d !== flat.length) throw new KnnkitError(name, `${name}: ${flat.length} values is not a square matrix`);
  for (let i = 0; i < flat.length; i++) if (!Number.isFinite(flat[i])) throw new KnnkitError(name, `${name}: non-finite value ${flat[i]} at position ${i}`);
  return flat;
}
