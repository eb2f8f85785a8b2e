import type { Matrix } from '../../core/data.js';
import { KnnkitError } from '../../core/errors.js';
import type { Metric } from '../../metrics/types.js';
import type { NeighborIndex } from '../../search/types.js';
import type { SearchResult, RadiusResult } from '../../search/results.js';
import type { Envelope, Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { StoredRows } from './stored-rows.js';
import type { FamilyDescriptor } from '../registry.js';
import type { OptionSpec } from '../options.js';
import { DEFAULT_LEAF_SIZE } from '../../search/tree/common.js';

/**
 * The core of an exact family over stored rows (label = row): brute force and the two trees.
 * The search structure is built from the rows on first search and rebuilt lazily after an add;
 * removed points are excluded through the Allow mask (the wrapper's tombstones), so results stay
 * exactly brute force's over the live points.
 */
export class ExactCore implements FamilyCore {
  readonly exact = true;
  readonly isTrained = true;
  private engine: NeighborIndex | null = null;

  constructor(
    readonly metric: Metric,
    readonly dim: number,
    readonly rows: StoredRows,
    private readonly make: (data: Matrix) => NeighborIndex,
    /**
     * Whether the engine's memoryUsage already counts these rows (brute force scanning them in
     * place); false when it holds its own packed copy, which is then counted beside them.
     */
    private readonly engineCountsRows: (engine: NeighborIndex) => boolean = () => false,
  ) {}

  /** Exact rows learn nothing (FAISS's IndexFlat.train is a no-op too). */
  train(): void { /* nothing to learn */ }

  add(data: Matrix, labels: Int32Array): void {
    if (labels.length > 0 && labels[0] !== this.rows.rows) throw new KnnkitError('labels', `labels: expected ${this.rows.rows} next, got ${labels[0]}`);
    if (data.kind === 'csr' && !this.rows.sparse) throw new KnnkitError('vectors', 'vectors: this index holds dense rows; got sparse (CSR) rows');
    if (data.kind === 'dense' && this.rows.sparse) throw new KnnkitError('vectors', 'vectors: this index holds sparse (CSR) rows; got dense rows');
    const first = this.rows.rows === 0;
    this.rows.append(data);
    this.engine = null;
    // the initial bulk add builds the structure now (build time belongs to the build, not to
    // the first search); later adds rebuild lazily, on the next search
    if (first) void this.structure;
  }

  private get structure(): NeighborIndex {
    if (!this.engine) this.engine = this.make(this.rows.matrix());
    return this.engine;
  }

  search(queries: Matrix, k: number, _p: Record<string, unknown>, allow: Allow | null): SearchResult {
    return this.structure.search(queries, k, allow ? { filter: allow.mask() as never } : {});
  }

  async searchAsync(queries: Matrix, k: number, _p: Record<string, unknown>, allow: Allow | null, threads: number | undefined): Promise<SearchResult> {
    const e = this.structure;
    const params = { ...(allow ? { filter: allow.mask() as never } : {}), ...(threads !== undefined ? { threads } : {}) };
    return e.searchAsync ? e.searchAsync(queries, k, params) : e.search(queries, k, params);
  }

  rangeSearch(queries: Matrix, r: number, _p: Record<string, unknown>, allow: Allow | null): RadiusResult {
    return this.structure.radiusSearch(queries, r, allow ? { filter: allow.mask() as never } : {});
  }

  getVector(label: number): Float32Array { return this.rows.row(label); }

  memoryUsage(): number {
    if (!this.engine) return this.rows.bytes();
    const m = this.rows.matrix();
    const rowBytes = m.kind === 'dense' ? m.data.byteLength : m.indptr.byteLength + m.indices.byteLength + m.values.byteLength;
    return this.rows.bytes() + this.engine.memoryUsage() - (this.engineCountsRows(this.engine) ? rowBytes : 0);
  }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    return { state: { rows: this.rows.rows, sparse: this.rows.sparse }, sections: this.rows.sections() };
  }

  static load(env: Envelope, metric: Metric, view: boolean, make: (data: Matrix) => NeighborIndex, engineCountsRows: (engine: NeighborIndex) => boolean = () => false): ExactCore {
    const st = env.header.state.core as { rows: number; sparse: boolean };
    return new ExactCore(metric, env.header.dim, StoredRows.load(env, env.header.dim, st.sparse, st.rows, view), make, engineCountsRows);
  }
}

/** Capabilities of the exact families over stored rows. */
export const EXACT_CAPABILITIES = { train: false, add: true, remove: true, rangeSearch: true, getVector: true, view: true, sparse: false } as const;

/**
 * `create` and `load` of a tree family over stored rows: the tree is built from the rows by
 * `make(data, metric, leafSize)` (the KD-tree and the ball tree differ only there).
 */
export function treeFamilyCores(make: (data: Matrix, metric: Metric, leafSize: number) => NeighborIndex): Pick<FamilyDescriptor, 'create' | 'load' | 'options' | 'searchParams' | 'capabilities' | 'dataKinds' | 'codecs' | 'formatVersion'> {
  return {
    dataKinds: ['dense'], codecs: ['f32'], capabilities: EXACT_CAPABILITIES, options: [LEAF_SIZE], searchParams: [], formatVersion: 1,
    create(dim, ctx) {
      const leafSize = ctx.options.leafSize as number;
      return new ExactCore(ctx.metric, dim, new StoredRows(dim, false), (data) => make(data, ctx.metric, leafSize));
    },
    load(env, ctx) {
      const leafSize = ctx.options.leafSize as number;
      return ExactCore.load(env, ctx.metric, ctx.view, (data) => make(data, ctx.metric, leafSize));
    },
  };
}

export const LEAF_SIZE: OptionSpec = { name: 'leafSize', type: 'integer', default: DEFAULT_LEAF_SIZE, min: 1, doc: 'points per leaf (leaves hold leafSize/2 to 2 leafSize points)' };
