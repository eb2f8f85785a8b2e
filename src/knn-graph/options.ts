import { checkInteger, checkNumber, checkOneOf, invalidParam, KnnkitError } from '../core/errors.js';

export type NeighbourRule = 'support' | 'reference';

/**
 * Options of KnnGraphClassifier. Every constant of the method is an option whose default is
 * the value of the paper / the authors' reference run (Demo.m of Lijy207/kNN-Graph).
 */
export interface KnnGraphOptions {
  /** Gaussian bandwidth: 'median' (median pairwise distance over i < j, 1 if 0) or a number. */
  sigma?: 'median' | number;
  /** Eq. 2 mix: A = gaussianWeight * G + labelWeight * C. Default 0.7 / 0.3. */
  gaussianWeight?: number;
  labelWeight?: number;
  /** C[i][k] for different classes (same class: 1). Default 0.1. */
  labelDiscount?: number;
  /** Eq. 3 density scales s (numbers of same-class neighbours). Default [3, 7, 15]. */
  scales?: number[];
  /** Fixed scale weights (normalised to sum 1); default: the reference code's adaptive choice. */
  scaleWeights?: number[];
  /** Base lambda; lambda_min = lambdaMinFactor * lambda, lambda_max = lambdaMaxFactor * lambda. Default 10, 0.1, 10. */
  lambda?: number;
  lambdaMinFactor?: number;
  lambdaMaxFactor?: number;
  /** FISTA: iterations (default 5, the Demo run behind the published figures), tol 1e-3, eta 1.5, L0 1. */
  maxIter?: number;
  tol?: number;
  eta?: number;
  L0?: number;
  /** Eq. 4 self weight = selfWeightFactor * max neighbour weight. Default 2. */
  selfWeightFactor?: number;
  /** 'support' (paper's text) or 'reference' (authors' code, truncation to 1-3). */
  neighbourRule?: NeighbourRule;
  /** Seed of the reference rule's random +-1 (Demo.m's algorithm_seed = 3) and of sampling. */
  seed?: number;
  /**
   * Column j's dictionary: its m nearest training points (a number; memory O(n m)), every
   * training point ('none': the paper's full solve, memory O(n^2)), or 'auto' (default): the
   * full solve up to FULL_SOLVE_MAX rows, m = AUTO_CANDIDATES above, where the two n x n
   * matrices (2 x 1.3 GB at n = 18,000) and their O(n^3) product would not be practical.
   */
  candidates?: number | 'auto' | 'none';
  /** Worker threads for fitAsync, on the shared worker pool (default: every core, as the pool). */
  threads?: number;
  /** Inference index (HNSW): links per node (default min(32, n), build_hnsw_index.m's MaxNumLinksPerNode). */
  M?: number;
  /**
   * Construction beam. Default: n, build_hnsw_index.m's `TrainSetSize = n` (MATLAB's name for
   * efConstruction), for n <= EXHAUSTIVE_BUILD_MAX; 200 (hnswlib's and MATLAB's own default)
   * above, where a beam of n makes the build quadratic. See defaultEfConstruction.
   */
  efConstruction?: number;
  /** Search beam of the 1-NN lookup (default 16). */
  ef?: number;
  /**
   * How the inference index stores the training points: 'auto' (default) bit-packs them when
   * the data are dense and every value is 0 or 1 (Binalpha), else float32; 'bits' requires
   * 0/1 data; 'f32' always stores floats. For 0/1 vectors the squared Euclidean distance is
   * the number of differing bits, so both answer identically (same graph, same neighbours).
   */
  indexStorage?: IndexStorage;
  /**
   * How a 0/1 query finds its nearest node on a bit-packed index: 'auto' (default) the faster
   * of the two for the training set's size (the exact popcount scan up to BIT_SCAN_MAX_WORDS
   * node words, the graph walk above), 'scan' always the exact scan, 'graph' always the HNSW
   * walk (the authors' inference, an approximate 1-NN).
   */
  lookup?: 'auto' | 'scan' | 'graph';
}

export type IndexStorage = 'auto' | 'f32' | 'bits';

export type ResolvedOptions = Required<Omit<KnnGraphOptions, 'scaleWeights' | 'M' | 'efConstruction' | 'sigma' | 'threads'>> & {
  sigma: 'median' | number; scaleWeights?: number[]; M?: number; efConstruction?: number; threads?: number;
};

export const DEFAULT_NEIGHBOUR_RULE: NeighbourRule = 'reference';

export const DEFAULTS = {
  sigma: 'median' as const, gaussianWeight: 0.7, labelWeight: 0.3, labelDiscount: 0.1,
  scales: [3, 7, 15], lambda: 10, lambdaMinFactor: 0.1, lambdaMaxFactor: 10,
  maxIter: 5, tol: 1e-3, eta: 1.5, L0: 1, selfWeightFactor: 2,
  neighbourRule: DEFAULT_NEIGHBOUR_RULE, seed: 3, candidates: 'auto' as number | 'auto' | 'none', ef: 16, indexStorage: 'auto' as IndexStorage,
  lookup: 'auto' as 'auto' | 'scan' | 'graph',
};

const KNOWN = new Set(['sigma', 'gaussianWeight', 'labelWeight', 'labelDiscount', 'scales', 'scaleWeights', 'lambda',
  'lambdaMinFactor', 'lambdaMaxFactor', 'maxIter', 'tol', 'eta', 'L0', 'selfWeightFactor', 'neighbourRule', 'seed',
  'candidates', 'threads', 'M', 'efConstruction', 'ef', 'indexStorage', 'lookup']);

/** Largest training set that `candidates: 'auto'` solves with the full n x n dictionary. */
export const FULL_SOLVE_MAX = 2500;
/** The dictionary size m that `candidates: 'auto'` takes above FULL_SOLVE_MAX rows. */
export const AUTO_CANDIDATES = 64;

/**
 * m for candidates mode, or undefined for the full solve, for n training rows. A restriction
 * to m >= n - 1 points is the full dictionary, so it is solved as such.
 */
export function dictionarySize(n: number, candidates: number | 'auto' | 'none'): number | undefined {
  const m = candidates === 'none' ? undefined : candidates === 'auto' ? (n > FULL_SOLVE_MAX ? AUTO_CANDIDATES : undefined) : candidates;
  return m !== undefined && m < n - 1 ? m : undefined;
}

/**
 * Largest training set whose inference index is built with the authors' beam of n: the same
 * bound as the full solve (the authors' regime).
 */
export const EXHAUSTIVE_BUILD_MAX = FULL_SOLVE_MAX;

/**
 * The construction beam when the option is not set. The authors build with TrainSetSize = n
 * (build_hnsw_index.m), an exhaustive beam: on their data sets (n <= ~3,600) that costs
 * little (Binalpha: ~0.18 s against ~0.09 s at 200). Beyond EXHAUSTIVE_BUILD_MAX rows the
 * build would grow quadratically (letter, n = 18,000: 11.5 s at a beam of 2,000 against 1.4 s
 * at 200), so larger sets take the usual 200.
 */
export function defaultEfConstruction(n: number): number {
  return n <= EXHAUSTIVE_BUILD_MAX ? Math.max(1, n) : 200;
}

export function resolveOptions(o: KnnGraphOptions = {}): ResolvedOptions {
  if (o === null || typeof o !== 'object') throw invalidParam('options', o, 'an options object');
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) throw new KnnkitError(k, `${k}: unknown option of KnnGraphClassifier; accepted: ${[...KNOWN].join(', ')}`);
  }
  const r: ResolvedOptions = { ...DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as ResolvedOptions;
  if (r.sigma !== 'median') checkNumber('sigma', r.sigma, 0, Infinity, { minExclusive: true });
  checkNumber('gaussianWeight', r.gaussianWeight, 0);
  checkNumber('labelWeight', r.labelWeight, 0);
  checkNumber('labelDiscount', r.labelDiscount, 0);
  if (!Array.isArray(r.scales) || r.scales.length === 0) throw invalidParam('scales', r.scales, 'a non-empty array of integers >= 1');
  r.scales.forEach((s, i) => checkInteger(`scales[${i}]`, s, 1));
  if (r.scaleWeights !== undefined) {
    if (!Array.isArray(r.scaleWeights) || r.scaleWeights.length !== r.scales.length) {
      throw invalidParam('scaleWeights', r.scaleWeights, `an array of ${r.scales.length} non-negative numbers (one per scale)`);
    }
    r.scaleWeights.forEach((w, i) => checkNumber(`scaleWeights[${i}]`, w, 0));
    if (r.scaleWeights.reduce((a, b) => a + b, 0) <= 0) throw invalidParam('scaleWeights', r.scaleWeights, 'weights with a positive sum');
  }
  checkNumber('lambda', r.lambda, 0);
  checkNumber('lambdaMinFactor', r.lambdaMinFactor, 0);
  checkNumber('lambdaMaxFactor', r.lambdaMaxFactor, r.lambdaMinFactor);
  checkInteger('maxIter', r.maxIter, 1);
  checkNumber('tol', r.tol, 0);
  checkNumber('eta', r.eta, 1, Infinity, { minExclusive: true });
  checkNumber('L0', r.L0, 0, Infinity, { minExclusive: true });
  checkNumber('selfWeightFactor', r.selfWeightFactor, 0);
  checkOneOf('neighbourRule', r.neighbourRule, ['support', 'reference'] as const);
  checkInteger('seed', r.seed, 0, 0xffffffff);
  if (r.candidates !== 'auto' && r.candidates !== 'none') {
    if (typeof r.candidates !== 'number') throw invalidParam('candidates', r.candidates, "an integer >= 1, 'auto' or 'none'");
    checkInteger('candidates', r.candidates, 1);
  }
  if (r.threads !== undefined) checkInteger('threads', r.threads, 1, 256);
  if (r.M !== undefined) checkInteger('M', r.M, 2);
  if (r.efConstruction !== undefined) checkInteger('efConstruction', r.efConstruction, 1);
  checkInteger('ef', r.ef, 1);
  checkOneOf('indexStorage', r.indexStorage, ['auto', 'f32', 'bits'] as const);
  checkOneOf('lookup', r.lookup, ['auto', 'scan', 'graph'] as const);
  return r;
}
