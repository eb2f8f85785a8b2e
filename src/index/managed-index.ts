import type { Matrix, MatrixInput } from '../core/data.js';
import { toMatrix } from '../core/data.js';
import { toDense } from '../core/matrix.js';
import { KnnkitError, checkInteger, checkNumber } from '../core/errors.js';
import type { Metric } from '../metrics/types.js';
import { metricToSpec } from '../metrics/registry.js';
import { SearchResult, RadiusResult } from '../search/results.js';
import { encodeEnvelope, type EnvelopeHeader, type Section } from './envelope.js';
import { makeAllow } from './filter.js';
import { IdMap, normaliseIds } from './ids.js';
import { parseOptions } from './options.js';
import type { FamilyDescriptor } from './registry.js';
import type { BaseSearchParams, FamilyCore, IdsInput, IndexCapabilities, VectorIndex } from './types.js';

/** Keys every search accepts whatever the family (not family search parameters). */
const COMMON_SEARCH_KEYS = ['filter', 'threads'] as const;

/**
 * The contract's one implementation of the public surface: a family core (its algorithm) plus
 * what every family shares: external ids (IdMap), validation of every input once at this
 * boundary, k clamping, per-call search parameters checked against the family's declaration,
 * the one filter form, tombstones for families that cannot remove, capability errors, and the
 * persistence envelope. Families never see external ids or raw user input.
 */
export class ManagedIndex implements VectorIndex {
  readonly kind: string;
  readonly metric: Metric;
  readonly dim: number;
  readonly exact: boolean;
  readonly capabilities: IndexCapabilities;
  readonly options: Readonly<Record<string, unknown>>;
  /** @internal the family's engine (internal labels). */
  readonly core: FamilyCore;
  /** @internal */ readonly idMap: IdMap;
  /** Tombstones (a byte per label) for families without their own remove. */
  private dead: Uint8Array | null = null;
  private deadCount = 0;

  constructor(readonly family: FamilyDescriptor, core: FamilyCore, options: Record<string, unknown>, idMap = new IdMap(), dead: Uint8Array | null = null) {
    this.kind = family.name;
    this.core = core;
    this.metric = core.metric;
    this.dim = core.dim;
    this.exact = core.exact;
    this.capabilities = family.capabilities;
    this.options = Object.freeze({ ...options });
    this.idMap = idMap;
    if (dead) {
      this.dead = dead;
      for (let l = 0; l < idMap.count; l++) if (dead[l]) this.deadCount++;
    }
  }

  get size(): number { return this.idMap.live; }
  get isTrained(): boolean { return this.core.isTrained; }

  private unsupported(op: string, why = ''): KnnkitError {
    return new KnnkitError(op, `${op}: the "${this.kind}" index does not support ${op}${why ? ` (${why})` : ''}; see capabilities`);
  }

  train(sample: MatrixInput): void {
    if (!this.capabilities.train || !this.core.train) throw this.unsupported('train', 'it learns nothing from data');
    const X = toDense(sample, { name: 'sample', cols: this.dim });
    this.core.train(X);
  }

  add(vectors: MatrixInput, ids?: IdsInput): Float64Array {
    // bad input is named before a capability error (a family without add still says "vectors")
    const X = this.matrix(vectors, 'vectors');
    const wanted = ids === undefined ? undefined : normaliseIds(ids);
    if (this.idMap.count > 0 && !this.capabilities.add) throw this.unsupported('add', 'built once: rebuild it with the new data');
    if (!this.core.isTrained) throw new KnnkitError('train', `train: the "${this.kind}" index must be trained before add(); call train(sample)`);
    const { ids: newIds, labels } = this.idMap.plan(X.rows, wanted);
    this.core.add(X, labels);
    this.idMap.commit(newIds, labels);
    if (this.dead && this.dead.length < this.idMap.count) {
      const d = new Uint8Array(Math.max(this.idMap.count, this.dead.length * 2));
      d.set(this.dead);
      this.dead = d;
    }
    return newIds;
  }

  remove(ids: IdsInput): number {
    if (!this.capabilities.remove) throw this.unsupported('remove');
    const labels = this.idMap.remove(normaliseIds(ids));
    if (labels.length === 0) return 0;
    if (this.core.remove) {
      this.core.remove(labels);
    } else {
      if (!this.dead || this.dead.length < this.idMap.count) {
        const d = new Uint8Array(Math.max(16, this.idMap.count));
        if (this.dead) d.set(this.dead.subarray(0, Math.min(this.dead.length, d.length)));
        this.dead = d;
      }
      for (const l of labels) { this.dead[l] = 1; this.deadCount++; }
    }
    return labels.length;
  }

  has(id: number): boolean { return this.idMap.labelOf(id) >= 0; }

  getVector(id: number): Float32Array {
    if (!this.capabilities.getVector || !this.core.getVector) throw this.unsupported('getVector', 'its codec keeps no reconstructible vectors');
    const l = this.idMap.labelOf(id);
    if (l < 0) throw new KnnkitError('id', `id: got ${id}; expected the id of a live point of the index`);
    return this.core.getVector(l);
  }

  ids(): IterableIterator<number> { return this.idMap.ids(); }

  memoryUsage(): number {
    return this.core.memoryUsage() + this.idMap.bytes() + (this.dead ? this.dead.byteLength : 0);
  }

  /** Family search parameters, validated (unknown names refused; defaults from the declaration). */
  private params(params: BaseSearchParams | undefined): Record<string, unknown> {
    return parseOptions(`the "${this.kind}" index's search`, this.family.searchParams, params as Record<string, unknown> | undefined, COMMON_SEARCH_KEYS);
  }

  private matrix(input: MatrixInput, name: string): Matrix {
    const m = toMatrix(input, { name, cols: this.dim });
    if (m.kind === 'csr' && !this.capabilities.sparse) throw new KnnkitError(name, `${name}: the "${this.kind}" index needs dense data; sparse (CSR) data is searched with "flat"`);
    return m;
  }

  search(queries: MatrixInput, k: number, params?: BaseSearchParams): SearchResult {
    checkInteger('k', k, 1);
    const p = this.params(params);
    const Q = this.matrix(queries, 'queries');
    const kk = Math.min(k, this.size);
    if (kk === 0) return SearchResult.empty(Q.rows, 0);
    const allow = makeAllow(params?.filter, this.idMap, this.dead, this.deadCount);
    return this.toIds(this.core.search(Q, kk, p, allow));
  }

  async searchAsync(queries: MatrixInput, k: number, params?: BaseSearchParams): Promise<SearchResult> {
    checkInteger('k', k, 1);
    if (params?.threads !== undefined) checkInteger('threads', params.threads, 1, 1024);
    const p = this.params(params);
    const Q = this.matrix(queries, 'queries');
    const kk = Math.min(k, this.size);
    if (kk === 0) return SearchResult.empty(Q.rows, 0);
    const allow = makeAllow(params?.filter, this.idMap, this.dead, this.deadCount);
    const res = this.core.searchAsync ? await this.core.searchAsync(Q, kk, p, allow, params?.threads) : this.core.search(Q, kk, p, allow);
    return this.toIds(res);
  }

  rangeSearch(queries: MatrixInput, r: number, params?: BaseSearchParams): RadiusResult {
    if (!this.capabilities.rangeSearch || !this.core.rangeSearch) throw this.unsupported('rangeSearch');
    checkNumber('r', r, 0);
    const p = this.params(params);
    const Q = this.matrix(queries, 'queries');
    const allow = makeAllow(params?.filter, this.idMap, this.dead, this.deadCount);
    const res = this.core.rangeSearch(Q, r, p, allow);
    if (this.idMap.identity) return res;
    // ties stay in label (insertion) order, as in search
    const out = this.mapLabels(res.indices);
    return new RadiusResult(res.offsets, out, res.distances);
  }

  /** scikit-learn's name for rangeSearch (the engines' historical NeighborIndex method). */
  radiusSearch(queries: MatrixInput, r: number, params?: BaseSearchParams): RadiusResult {
    return this.rangeSearch(queries, r, params);
  }

  /** @internal the envelope header and sections of this index (streamed by saveIndex). */
  envelope(): { header: EnvelopeHeader; sections: Section[] } {
    const { state, sections } = this.core.persist();
    const m = this.idMap;
    const all: Section[] = [...sections];
    if (!m.identity || m.live !== m.count) all.push({ name: 'ids.table', data: m.table.subarray(0, m.count), type: 'f64' });
    if (this.dead && this.deadCount > 0) all.push({ name: 'ids.dead', data: this.dead.subarray(0, m.count), type: 'u8' });
    return {
      header: {
        family: this.kind, familyVersion: this.family.formatVersion, dim: this.dim, metric: metricToSpec(this.metric),
        size: this.size, options: { ...this.options },
        state: { core: state, ids: { count: m.count, nextId: m.nextId, live: m.live, identity: m.identity && m.live === m.count } },
      },
      sections: all,
    };
  }

  toBytes(): Uint8Array {
    const { header, sections } = this.envelope();
    return encodeEnvelope(header, sections);
  }

  /** Writes the index atomically (streamed, see ./persist.ts). */
  async save(path: string): Promise<void> {
    const { saveIndex } = await import('./persist.js');
    await saveIndex(this, path);
  }

  /** Labels -> external ids, in place when every id fits in int32. */
  private toIds(res: SearchResult): SearchResult {
    if (this.idMap.identity) return res;
    const labels = res.indices;
    const table = this.idMap.table;
    let wide = false;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      if (l >= 0 && table[l] > 0x7fffffff) { wide = true; break; }
    }
    if (!wide) {
      for (let i = 0; i < labels.length; i++) { const l = labels[i]; if (l >= 0) labels[i] = table[l]; }
      return res;
    }
    return new SearchResult(this.mapLabels(labels), res.distances, res.nQueries, res.k);
  }

  private mapLabels(labels: Int32Array): Float64Array {
    const out = new Float64Array(labels.length), table = this.idMap.table;
    for (let i = 0; i < labels.length; i++) { const l = labels[i]; out[i] = l >= 0 ? table[l] : -1; }
    return out;
  }
}
