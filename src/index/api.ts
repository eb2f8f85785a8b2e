import type { Matrix, MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { KnnkitError, checkInteger, invalidParam } from '../core/errors.js';
import { resolveMetric } from '../metrics/registry.js';
import type { MetricSpec } from '../metrics/types.js';
import { chooseFamily } from './auto.js';
import { IdMap, normaliseIds } from './ids.js';
import { ManagedIndex } from './managed-index.js';
import { parseOptions } from './options.js';
import { resolveKind } from './factory-string.js';
import { getFamily, type BuildContext, type FamilyDescriptor } from './registry.js';
import type { FamilyCore, IdsInput, VectorIndex } from './types.js';
import { defaultThreads } from '../parallel/pool.js';
import './families.js';

/** Options of createIndex / emptyIndex: the common ones, then the family's own (see `knnkit indexes`). */
export interface IndexOptions {
  /** Metric name or {name, p, VI}; default "euclidean". */
  metric?: MetricSpec;
  /** Vector storage ("f32", "bits", ...; the family's first codec by default). `storage` is accepted as an alias. */
  codec?: string;
  storage?: string;
  /** External ids of the rows (createIndex); default 0..n-1. */
  ids?: IdsInput;
  /** auto only: the k the index will be searched with, and whether an approximate family is acceptable. */
  k?: number;
  approximate?: boolean;
  /** emptyIndex only: the index will hold sparse (CSR) rows. */
  sparse?: boolean;
  /** Progress of long builds. */
  onProgress?: (p: { phase: string; done: number; total: number }) => void;
  /** The family's options (M, efConstruction, leafSize, nlist, ...). */
  [option: string]: unknown;
}

const COMMON = ['metric', 'codec', 'storage', 'ids', 'k', 'approximate', 'onProgress', 'sparse'];

function context(family: FamilyDescriptor, opts: IndexOptions, metricFit: Parameters<typeof resolveMetric>[1], sparse: boolean): BuildContext {
  const metric = resolveMetric(opts.metric ?? 'euclidean', metricFit);
  const why = family.supportsMetric(metric);
  if (why) throw new KnnkitError('metric', `metric: got ${JSON.stringify(metric.name)}; ${why}`);
  if (sparse && !family.dataKinds.includes('sparse')) throw new KnnkitError('data', `data: the "${family.name}" index needs dense data; sparse (CSR) data is searched with "brute"`);
  const codec = opts.codec ?? opts.storage ?? family.codecs[0];
  if (typeof codec !== 'string' || !family.codecs.includes(codec)) throw invalidParam('codec', codec, `one of ${family.codecs.map((c) => JSON.stringify(c)).join(', ')} (the codecs of the "${family.name}" index)`);
  const options = parseOptions(`the "${family.name}" index`, family.options, opts, COMMON);
  if (family.codecs.length > 1 || codec !== 'f32') options.codec = codec;
  return { metric, options, sparse, onProgress: opts.onProgress };
}

/** What createIndex and createIndexAsync share: the matrix, family, context and ids, validated. */
interface Prepared {
  m: Matrix;
  family: FamilyDescriptor;
  ctx: BuildContext;
  ids: ReturnType<typeof normaliseIds> | undefined;
}

/** `commonThreads`: opts.threads is createIndexAsync's, passed on only to a family that has a `threads` option. */
function prepare(kind: string, data: MatrixInput, opts: IndexOptions, commonThreads = false): Prepared {
  const m = toMatrix(data, { name: 'data' });
  let family: FamilyDescriptor;
  if (kind === 'auto') {
    const metric = resolveMetric(opts.metric ?? 'euclidean', m.kind === 'dense' ? m : undefined);
    family = getFamily(chooseFamily({ n: m.rows, d: m.cols, k: opts.k === undefined ? undefined : checkInteger('k', opts.k, 1), metric, sparse: m.kind === 'csr', approximate: opts.approximate === true }));
    opts = { ...opts, metric };
  } else {
    ({ family, opts } = resolveKind(kind, opts)); // a family name, or a FAISS factory string ("IVF256,PQ16")
  }
  if (commonThreads && !family.options.some((o) => o.name === 'threads')) {
    const { threads: _threads, ...rest } = opts;
    opts = rest;
  }
  const ctx = context(family, opts, m.kind === 'dense' ? m : undefined, m.kind === 'csr');
  const ids = opts.ids === undefined ? undefined : normaliseIds(opts.ids);
  return { m, family, ctx, ids };
}

/**
 * True when the family bulk-builds (labels 0..n-1) rather than create + train + add: it has a
 * bulk build and either learns nothing or its build trains on the data itself (buildTrains).
 */
function bulkBuilds(family: FamilyDescriptor, build: unknown): boolean {
  return build !== undefined && (family.capabilities.train === false || family.buildTrains === true);
}

/**
 * A bulk build's wrapper: the ids are checked now, before the (long) build; the returned function
 * wraps the built core (labels 0..n-1) with them.
 */
function bulk(p: Prepared): (core: FamilyCore) => VectorIndex {
  const idMap = new IdMap(p.m.rows);
  const plan = idMap.plan(p.m.rows, p.ids);
  return (core) => {
    idMap.commit(plan.ids, plan.labels);
    return new ManagedIndex(p.family, core, p.ctx.options, idMap);
  };
}

/** create + (train) + add: families without a bulk build, and those that train. */
function incremental({ m, family, ctx, ids }: Prepared): VectorIndex {
  const core = family.create(m.cols, ctx);
  const index = new ManagedIndex(family, core, ctx.options);
  if (!core.isTrained) index.train(m.kind === 'dense' ? m : (() => { throw new KnnkitError('data', `data: the "${family.name}" index trains on dense data`); })());
  index.add(m, ids);
  return index;
}

/**
 * Builds an index of a registered family (or 'auto': the one rule of ./auto.ts) over the rows of
 * `data`, with ids `opts.ids` (default 0..n-1). Families that train are trained on the data first.
 */
export function createIndex(kind: string, data: MatrixInput, opts: IndexOptions = {}): VectorIndex {
  return createIndexFrom(prepare(kind, data, opts));
}

function createIndexFrom(p: Prepared): VectorIndex {
  const { family, m, ctx } = p;
  if (!bulkBuilds(family, family.build)) return incremental(p);
  const wrap = bulk(p);
  return wrap(family.build!(m, ctx));
}

/**
 * createIndex with the bulk build on `opts.threads` threads (default: every core) of the shared
 * worker pool, for families with a parallel build (descriptor.buildAsync: rp-forest); the others
 * build as createIndex does, `threads` passed on as the family's option where it has one (HNSW).
 * For rp-forest the index is the one createIndex makes, whatever the thread count.
 */
export async function createIndexAsync(kind: string, data: MatrixInput, opts: IndexOptions & { threads?: number } = {}): Promise<VectorIndex> {
  const threads = opts.threads === undefined ? defaultThreads() : checkInteger('threads', opts.threads, 1, 1024);
  const p = prepare(kind, data, opts, true);
  const { family, m, ctx } = p;
  if (!bulkBuilds(family, family.buildAsync)) return createIndexFrom(p);
  const wrap = bulk(p);
  return wrap(await family.buildAsync!(m, ctx, threads));
}

/** An empty index of a family (FAISS's index_factory(d, ...)): train where needed, then add. */
export function emptyIndex(kind: string, dim: number, opts: IndexOptions = {}): VectorIndex {
  checkInteger('dim', dim, 1);
  const { family, opts: o } = resolveKind(kind, opts);
  opts = o;
  const ctx = context(family, opts, undefined, opts.sparse === true);
  return new ManagedIndex(family, family.create(dim, ctx), ctx.options);
}
