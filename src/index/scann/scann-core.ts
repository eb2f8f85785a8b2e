import type { Matrix } from '../../core/data.js';
import { KnnkitError } from '../../core/errors.js';
import type { DenseMatrix } from '../../core/matrix.js';
import type { Metric } from '../../metrics/types.js';
import type { SearchResult } from '../../search/results.js';
import type { Envelope, Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { scoreKind } from '../ivf/coarse.js';
import { IvfPqCore, type PqOptions, type ResidualCoder } from '../pq/ivf-pq-core.js';
import { encodeAnisotropic, trainAnisotropic } from './anisotropic.js';
import { defaultThreads } from '../../parallel/index.js';

/** Build options of the scann family (see ./descriptor.ts). */
export interface ScannOptions {
  /** Partition leaves; undefined = defaultNumLeaves(training rows). */
  numLeaves?: number;
  /** Dimensions per PQ block; undefined = defaultBlock(d). */
  dimsPerBlock?: number;
  /** Anisotropic threshold T (0 = plain PQ loss); ignored under L2 metrics. */
  threshold: number;
  anisotropicIter: number;
  encodeSweeps: number;
  trainingSampleSize: number;
  niter: number;
  seed: number;
  maxPointsPerCentroid: number;
}

/** ScaNN's usual partition size: about sqrt(n) leaves (at least 16 training rows each). */
export function defaultNumLeaves(n: number): number {
  return Math.max(1, Math.min(Math.round(Math.sqrt(n)), Math.floor(n / 16)));
}

/** ScaNN's 2 dimensions per 16-centre block when d is even (at most 256 blocks, the fast scan's uint16 sum), else the smallest divisor that fits. */
export function defaultBlock(d: number): number {
  for (let b = 2; b <= d; b++) if (d % b === 0 && d / b <= 256) return b;
  return 1;
}

/**
 * ScaNN (Guo et al. 2020) as knnkit composes it: a k-means partition into numLeaves leaves
 * (IVF's coarse quantiser), the residuals x - c(leaf) product-quantised with 16 centres per block
 * of dimsPerBlock dimensions (4-bit codes, ScaNN's asymmetric hashing) whose codebooks and codes
 * minimise the anisotropic loss (./anisotropic.ts), scored per query by the 4-bit fast-scan
 * kernel (uint8 tables, i8x16.swizzle: src/index/pq/fast-scan.ts and assembly/ivf.ts) over the
 * leavesToSearch nearest leaves, and the best reorderK re-ranked by exact float distances
 * (ScaNN's reordering). Built on the IVF-PQ engine (src/index/pq/ivf-pq-core.ts) with the
 * anisotropic quantiser as its ResidualCoder.
 */
export class ScannCore implements FamilyCore {
  readonly exact = false;
  private inner: IvfPqCore;

  constructor(readonly metric: Metric, readonly dim: number, private readonly opts: ScannOptions, inner?: IvfPqCore) {
    const b = opts.dimsPerBlock ?? defaultBlock(dim);
    if (dim % b !== 0) throw new KnnkitError('dimsPerBlock', `dimsPerBlock: got ${b}; expected a divisor of the dimension ${dim}`);
    if (dim / b > 256) throw new KnnkitError('dimsPerBlock', `dimsPerBlock: got ${b}; expected at least ${Math.ceil(dim / 256)} (at most 256 blocks: the fast scan sums their uint8 entries in uint16)`);
    this.inner = inner ?? new IvfPqCore(metric, dim, this.pqOptions(opts.numLeaves));
  }

  /** The IVF-PQ engine's options: 4-bit codes, float vectors kept for reordering, the anisotropic coder. */
  pqOptions(nlist: number | undefined): PqOptions {
    const o = this.opts, d = this.dim;
    // ScaNN's loss is derived for inner products: L2 metrics train plain PQ (T = 0)
    const T = scoreKind(this.metric) === 'ip' ? o.threshold : 0;
    const coder: ResidualCoder = {
      train: (R: DenseMatrix, X: DenseMatrix, m: number, nbits: number) => trainAnisotropic(R, X, m, nbits, {
        threshold: T, iters: o.anisotropicIter, encodeSweeps: o.encodeSweeps, trainRows: o.trainingSampleSize,
        seed: o.seed, pqIter: 25, maxPointsPerCentroid: o.maxPointsPerCentroid,
      }).pq,
      encode: (pq, R, X) => encodeAnisotropic(pq, R, X, T, o.encodeSweeps),
    };
    return {
      m: d / (o.dimsPerBlock ?? defaultBlock(d)), nbits: 4, pqIter: 25, seed: o.seed, maxPointsPerCentroid: o.maxPointsPerCentroid,
      refine: true, precomputedTable: true,
      ivf: { nlist, niter: o.niter, seed: o.seed, maxPointsPerCentroid: o.maxPointsPerCentroid, threads: defaultThreads() },
      coder,
    };
  }

  get isTrained(): boolean { return this.inner.isTrained; }

  train(sample: DenseMatrix): void {
    if (this.inner.lists && this.inner.lists.total > 0) throw new KnnkitError('train', 'train: the index already holds vectors; train an empty index');
    const nlist = this.opts.numLeaves ?? defaultNumLeaves(sample.rows);
    if (sample.rows < 16) throw new KnnkitError('sample', `sample: ${sample.rows} rows cannot train 16 centres per block; expected at least 16 rows`);
    const inner = new IvfPqCore(this.metric, this.dim, this.pqOptions(nlist));
    inner.train(sample);
    this.inner = inner;
  }

  add(data: Matrix, labels: Int32Array): void { this.inner.add(data, labels); }
  remove(labels: Int32Array): void { this.inner.remove(labels); }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    return this.inner.search(queries, k, { nprobe: p.leavesToSearch, candidates: p.reorderK }, allow);
  }

  getVector(label: number): Float32Array { return this.inner.getVector(label); }
  memoryUsage(): number { return this.inner.memoryUsage(); }
  persist(): { state: Record<string, unknown>; sections: Section[] } { return this.inner.persist(); }

  static load(env: Envelope, metric: Metric, opts: ScannOptions, view: boolean): ScannCore {
    const shell = new ScannCore(metric, env.header.dim, opts);
    const inner = IvfPqCore.load(env, metric, shell.pqOptions(undefined), view);
    return new ScannCore(metric, env.header.dim, opts, inner);
  }
}
