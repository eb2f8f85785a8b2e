import type { Matrix } from '../../core/data.js';
import { KnnkitError } from '../../core/errors.js';
import type { Metric } from '../../metrics/types.js';
import { HnswIndex } from '../../search/hnsw/hnsw-index.js';
import type { HnswStorage } from '../../search/hnsw/codec-storage.js';
import { hnswParts, hnswFromParts, hnswImage, hnswFromImage, type Header } from '../../search/hnsw/serialize.js';
import type { SearchResult, RadiusResult } from '../../search/results.js';
import type { Section } from '../envelope.js';
import type { FamilyDescriptor, BuildContext } from '../registry.js';
import type { Allow, FamilyCore } from '../types.js';
import { StoredRows } from '../shared/stored-rows.js';
import { rerankExact } from '../shared/rerank.js';
import { radiusByKnn } from '../../search/shared/radius-by-knn.js';
import type { DenseMatrix } from '../../core/matrix.js';

/**
 * HNSW (Malkov & Yashunin 2018) behind the contract: the graph of src/search/hnsw/ with the
 * wrapper's labels as its ids. Its sections are the index memory's own regions (vectors, layer-0
 * links, upper layers, ...), written straight from the arena. With a lossy codec (f16, sq8) and
 * `refine`, the float32 rows are also kept, outside the arena (row = label), and each search
 * re-ranks the graph's best k x kFactor exactly (FAISS's IndexRefineFlat over IndexHNSWSQ).
 */
export class HnswCore implements FamilyCore {
  readonly exact = false;
  readonly isTrained = true;
  constructor(readonly hnsw: HnswIndex, readonly refined: StoredRows | null = null) {}
  get metric(): Metric { return this.hnsw.metric; }
  get dim(): number { return this.hnsw.dim; }

  add(data: Matrix, labels: Int32Array): void {
    if (data.kind !== 'dense') throw new KnnkitError('vectors', 'vectors: HNSW needs dense data; sparse (CSR) data is searched with "brute"');
    if (this.refined && labels.length > 0 && labels[0] !== this.refined.rows) throw new KnnkitError('labels', `labels: expected ${this.refined.rows} next, got ${labels[0]}`);
    this.hnsw.add(data, labels);
    this.refined?.append(data);
  }

  remove(labels: Int32Array): void {
    for (const l of labels) this.hnsw.remove(l);
  }

  private params(p: Record<string, unknown>, allow: Allow | null) {
    return {
      ef: p.ef as number,
      filterStrategy: p.filterStrategy as 'auto' | 'graph' | 'scan',
      filter: allow ? (allow.labels() ?? ((l: number) => allow.test(l))) : undefined,
    };
  }

  /** Candidates the graph returns: k, or k x kFactor (capped at the live points) to re-rank. */
  private candidates(k: number, p: Record<string, unknown>): number {
    return this.refined ? Math.min(this.hnsw.size, k * ((p.kFactor as number | undefined) ?? 4)) : k;
  }

  private refine(queries: Matrix, k: number, res: SearchResult): SearchResult {
    if (!this.refined) return res;
    return rerankExact(this.metric, this.refined.matrix() as DenseMatrix, queries as DenseMatrix, k, res.indices, res.k);
  }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    return this.refine(queries, k, this.hnsw.search(queries as never, this.candidates(k, p), this.params(p, allow)));
  }

  async searchAsync(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null, threads: number | undefined): Promise<SearchResult> {
    const res = await this.hnsw.searchAsync(queries as never, this.candidates(k, p), { ...this.params(p, allow), threads, minQueriesPerThread: p.minQueriesPerThread as number | undefined });
    return this.refine(queries, k, res);
  }

  /**
   * With refine, the radius is applied to the exact distances: k grows (doubling) until the
   * k-th exactly re-ranked neighbour lies beyond r, so every point returned is within r by its
   * float32 row and carries that distance (the codes' distances would admit points outside r
   * and drop points inside it).
   */
  rangeSearch(queries: Matrix, r: number, p: Record<string, unknown>, allow: Allow | null): RadiusResult {
    if (!this.refined) return this.hnsw.radiusSearch(queries as never, r, this.params(p, allow));
    return radiusByKnn(queries as DenseMatrix, r, this.hnsw.size, Math.max(16, (p.ef as number | undefined) ?? this.hnsw.ef), (row, k) => this.search(row, k, p, allow));
  }

  /**
   * Codec sq8 learns its per-dimension ranges from `sample` while the index is empty (otherwise
   * the first add trains on its own rows); the other codecs learn nothing, so train is a no-op
   * for them, as FAISS's IndexHNSWFlat.train.
   */
  train(sample: DenseMatrix): void { this.hnsw.train(sample); }

  getVector(label: number): Float32Array {
    if (this.refined && this.hnsw.has(label)) return this.refined.row(label);
    const v = this.hnsw.getVector(label);
    if (!v) throw new KnnkitError('id', `id: label ${label} is not live`);
    return v;
  }

  memoryUsage(): number { return this.hnsw.memoryUsage() + (this.refined?.bytes() ?? 0); }

  /**
   * Section format 2: the arena image as one section (serialize.ts, hnswImage: the kernel's
   * memory for exactly the saved points, streamed from the index's own regions), then the
   * labels and the free list. Format 1 envelopes (a section per region) are still read.
   */
  persist(): { state: Record<string, unknown>; sections: Section[] } {
    const { header, parts } = hnswParts(this.hnsw);
    const part = (name: string) => parts.find((p) => p.name === name)!.bytes;
    const [first, ...more] = hnswImage(this.hnsw);
    return {
      state: { ...header, ...(this.refined ? { refineRows: this.refined.rows } : {}) } as unknown as Record<string, unknown>,
      sections: [
        { name: 'hnsw.arena', data: first, more, type: 'u8' },
        { name: 'hnsw.labels', data: part('labels'), type: 'i32' },
        { name: 'hnsw.free', data: part('free'), type: 'i32' },
        ...(this.refined ? this.refined.sections() : []),
      ],
    };
  }
}

function hnswOptions(ctx: BuildContext) {
  const o = ctx.options;
  return {
    metric: ctx.metric, M: o.M as number, efConstruction: o.efConstruction as number, seed: o.seed as number,
    reorder: o.reorder as boolean, reuseDeleted: o.reuseDeleted as boolean, storage: (o.codec as HnswStorage | undefined) ?? 'f32',
    threads: o.threads as number, deterministic: o.deterministic as boolean,
    onProgress: ctx.onProgress,
  };
}

/** The float32 rows kept for re-ranking: refine with a lossy codec (f32 and bits are exact already). */
function refineRows(dim: number, ctx: BuildContext): StoredRows | null {
  const codec = ctx.options.codec;
  return ctx.options.refine === true && (codec === 'f16' || codec === 'sq8') ? new StoredRows(dim, false) : null;
}

export const hnswFamily: FamilyDescriptor = {
  name: 'hnsw',
  aliases: ['hnswflat'],
  summary: 'approximate: hierarchical navigable small-world graph (Malkov & Yashunin 2018)',
  exact: false,
  metrics: ['euclidean', 'sqeuclidean', 'cosine', 'ip', 'any other registry metric (TypeScript kernel)'],
  supportsMetric: () => null,
  dataKinds: ['dense', 'binary'],
  codecs: ['f32', 'bits', 'f16', 'sq8'],
  // train: sq8 learns its ranges (createIndex still bulk-builds: the build trains on its data)
  capabilities: { train: true, add: true, remove: true, rangeSearch: true, getVector: true, view: true, sparse: false },
  buildTrains: true,
  viewReadsFile: true,
  options: [
    { name: 'M', type: 'integer', default: 16, min: 2, max: 2048, doc: 'links per node and layer (2 M at layer 0)', aliases: ['m'] },
    { name: 'efConstruction', type: 'integer', default: 200, min: 1, doc: 'beam width while building' },
    { name: 'seed', type: 'integer', default: 100, min: 0, max: 0xffffffff, doc: 'seed of the level draws (same data + seed = same graph with threads 1 or deterministic true)' },
    { name: 'reorder', type: 'boolean', default: true, doc: 'renumber nodes in breadth-first order after a bulk build (cache locality)' },
    { name: 'reuseDeleted', type: 'boolean', default: true, doc: 'new points reuse the slots of removed ones' },
    { name: 'threads', type: 'integer', default: 1, min: 1, max: 1024, doc: 'threads that insert points (builds and large adds; hnswlib-style per-node locks): the links then vary from run to run, recall does not. The CLI\'s --threads sets it' },
    { name: 'refine', type: 'boolean', default: false, doc: 'codecs f16 / sq8: also keep the float32 rows (outside the graph\'s memory) and re-rank the best k x kFactor exactly' },
    { name: 'deterministic', type: 'boolean', default: false, doc: 'reproducible builds (same data + seed = same graph): inserts serially whatever threads says, at the 1-thread build time' },
  ],
  searchParams: [
    { name: 'ef', type: 'integer', default: 64, min: 1, doc: 'beam width of the search (raised to k)' },
    { name: 'filterStrategy', type: 'enum', default: 'auto', choices: ['auto', 'graph', 'scan'], doc: 'filtered search: graph walk, exact scan of the allowed points, or the cost rule' },
    { name: 'kFactor', type: 'integer', default: 4, min: 1, doc: 'with refine: candidates per result re-ranked exactly (FAISS IndexRefineFlat k_factor)' },
    { name: 'minQueriesPerThread', type: 'integer', min: 1, doc: 'searchAsync: fewer queries per worker thread than this run in the calling thread (default 64); given, threads counts workers (threads 1 = one worker), and 1 sends even one query to a worker (a server keeping its event loop free)' },
  ],
  sweep: 'ef',
  formatVersion: 2,
  recallFloor: 0.9,
  create(dim, ctx) {
    return new HnswCore(new HnswIndex(dim, hnswOptions(ctx)), refineRows(dim, ctx));
  },
  build(data, ctx) {
    if (data.kind !== 'dense') throw new KnnkitError('data', 'data: HNSW needs dense data; sparse (CSR) data is searched with "brute"');
    const rows = refineRows(data.cols, ctx);
    rows?.append(data);
    return new HnswCore(HnswIndex.build(data, hnswOptions(ctx)), rows);
  },
  load(env, ctx) {
    const h = env.header.state.core as unknown as Header;
    const src = {
      bytes: (name: string) => env.sectionBytes(`hnsw.${name}`),
      into: (name: string, dest: Uint8Array) => env.readInto(`hnsw.${name}`, dest),
      inPlace: (name: string) => env.inPlace?.(`hnsw.${name}`) ?? null,
    };
    // format 2 (one arena image) is read straight into the kernel's memory, or viewed in place
    // by the TypeScript kernel; format 1 (a section per region) region by region
    const hnsw = env.has('hnsw.arena')
      ? hnswFromImage(h, src, HnswIndex.make, { view: ctx.view, source: 'index' })
      : hnswFromParts(h, src, HnswIndex.make, { source: 'index' });
    // build threads are not part of the graph's format; the saved options carry them, so that
    // adds to a loaded index insert on as many threads as the build did (deterministic: serial)
    if (typeof ctx.options.threads === 'number' && ctx.options.deterministic !== true) hnsw.threads = ctx.options.threads;
    const st = env.header.state.core as { refineRows?: number };
    const rows = typeof st.refineRows === 'number' ? StoredRows.load(env, hnsw.dim, false, st.refineRows, ctx.view) : null;
    return new HnswCore(hnsw, rows);
  },
};
