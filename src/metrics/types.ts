/**
 * A metric is a bundle of kernels looked up once by name in the registry (./registry.ts), so
 * engines and estimators never branch on metric names: they call these functions and read
 * these capability flags.
 *
 * Exactness contract (what makes every exact engine agree to the last index): candidates are
 * ranked by `reduced` computed with a sequential float64 sum over the float32 inputs, ties by
 * the lower index. Fast paths (GEMM with norms, WebAssembly SIMD) may pre-select candidates, but
 * the final ranking and the reported distances come from these scalar kernels.
 */
export interface Metric {
  /** Registry name, e.g. "euclidean". */
  readonly name: string;
  /** Parameters that define it (p for minkowski, VI for mahalanobis), serialisable. */
  readonly params: Readonly<Record<string, unknown>>;

  /** The true distance between a[aOff..aOff+d) and b[bOff..bOff+d). */
  distance(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, d: number): number;
  /**
   * A cheaper rank-preserving surrogate (scikit-learn's "reduced distance"): squared L2 for
   * Euclidean, sum |x|^p for Minkowski, the distance itself where nothing is cheaper.
   */
  reduced(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, d: number): number;
  reducedToDistance(r: number): number;
  distanceToReduced(dist: number): number;

  /** Obeys the triangle inequality (required by BallTree pruning). */
  readonly isTrueMetric: boolean;
  /**
   * Minkowski-family exponent when the metric is a (weighted) sum/max over axes, so that
   * per-axis rectangle bounds apply (KD-tree): 1, 2, p, or Infinity (Chebyshev). Undefined otherwise.
   */
  readonly minkowskiP?: number;
  /**
   * Present when reduced(a, b) is a function of <a, b> and the squared norms alone (L2, inner
   * product, cosine): brute force then computes all dot products blockwise (GEMM) and maps them.
   */
  readonly dotForm?: {
    readonly kind: 'l2' | 'ip' | 'cosine';
    fromDot(dot: number, aNormSq: number, bNormSq: number): number;
  };
  /** Sparse kernel on CSR rows (present for L2, squared L2, L1, cosine, inner product). */
  readonly sparseReduced?: SparseKernel;
  /** Metrics whose value depends on fitted data (Mahalanobis) are fitted by resolveMetric. */
  readonly needsFit?: boolean;
}

/**
 * Reduced distance between row a (aIdx/aVal over [aStart, aEnd)) and row b of CSR matrices;
 * squared norms are passed in when the caller has them precomputed (NaN otherwise).
 */
export type SparseKernel = (
  aIdx: Int32Array, aVal: Float32Array, aStart: number, aEnd: number,
  bIdx: Int32Array, bVal: Float32Array, bStart: number, bEnd: number,
  aNormSq: number, bNormSq: number,
) => number;

/** What users pass: a name, or a name with parameters. */
export type MetricSpec =
  | string
  | { name: string; p?: number; VI?: ArrayLike<number> | ArrayLike<number>[]; V?: ArrayLike<number> | ArrayLike<number>[] }
  | Metric;
