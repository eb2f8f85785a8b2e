import type { Matrix } from '../../core/data.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { KnnkitError } from '../../core/errors.js';
import { TopK } from '../../core/topk.js';
import type { Metric } from '../../metrics/types.js';
import { SearchResult } from '../../search/results.js';
import { BitScan } from '../../codecs/bit-scan.js';
import { CodedScan } from '../../codecs/coded-scan.js';
import { loadCodec, makeCodec, type Codec } from '../../codecs/index.js';
import type { Envelope, Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { StoredRows } from '../shared/stored-rows.js';
import { rerankExact } from '../shared/rerank.js';

/**
 * Brute force over encoded vectors (FAISS's IndexScalarQuantizer / IndexBinaryFlat): every
 * stored code is scanned. `bits` with an L2 metric scans by popcount in WebAssembly and is exact
 * on 0/1 data; `f16` / `sq8` under L2, inner product or cosine scan the codes in WebAssembly SIMD
 * (src/codecs/coded-scan.ts, rows decoded in registers), other metrics decode each row and rank
 * by the metric's kernel (approximate either way: the codes are lossy), optionally re-ranking the best k x kFactor with the float32 rows kept by
 * `refine` (FAISS's IndexRefineFlat).
 */
export class CodedCore implements FamilyCore {
  private codes: Uint8Array;
  private n = 0;
  private scan: BitScan | null = null;
  /** undefined: not built since the last add; null: no SIMD scan for this codec or engine. */
  private coded: CodedScan | null | undefined = undefined;
  /** Squared norms of the decoded rows (cosine through the dot-product scan). */
  private normSq: Float64Array | null = null;
  private readonly popcount: boolean;

  constructor(readonly metric: Metric, readonly dim: number, readonly codec: Codec, readonly refined: StoredRows | null, codes?: Uint8Array, n = 0) {
    this.codes = codes ?? new Uint8Array(16 * codec.bytesPerVector);
    this.n = n;
    this.popcount = codec.name === 'bits';
    if (this.popcount && metric.dotForm?.kind !== 'l2') {
      throw new KnnkitError('metric', `metric: got ${JSON.stringify(metric.name)}; the "bits" codec ranks by popcount, which is the squared Euclidean distance of 0/1 vectors: use "euclidean" or "sqeuclidean"`);
    }
  }

  get isTrained(): boolean { return this.codec.isTrained; }

  /** Lossless codecs under an exact kernel give brute force's answers exactly. */
  get exact(): boolean { return this.codec.lossless; }

  train(sample: DenseMatrix): void {
    this.codec.train(sample);
  }

  add(data: Matrix, labels: Int32Array): void {
    if (data.kind !== 'dense') throw new KnnkitError('vectors', `vectors: the "${this.codec.name}" codec stores dense rows; got sparse (CSR) rows`);
    if (labels.length > 0 && labels[0] !== this.n) throw new KnnkitError('labels', `labels: expected ${this.n} next, got ${labels[0]}`);
    const B = this.codec.bytesPerVector, need = (this.n + data.rows) * B;
    if (need > this.codes.length) {
      const next = new Uint8Array(Math.max(need, this.codes.length * 2));
      next.set(this.codes.subarray(0, this.n * B));
      this.codes = next;
    }
    this.codec.encode(data.data, data.rows, this.codes, this.n * B);
    this.refined?.append(data);
    this.n += data.rows;
    this.scan = null;
    this.coded = undefined;
    this.normSq = null;
  }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    if (queries.kind !== 'dense') throw new KnnkitError('queries', `queries: the "${this.codec.name}" codec searches dense queries`);
    const kFactor = (p.kFactor as number | undefined) ?? 1;
    const kk = this.refined ? Math.min(this.n, k * kFactor) : k;
    const cand = this.popcount ? this.popcountCandidates(queries, kk, allow) : this.decodedCandidates(queries, kk, allow);
    return this.refined ? this.rerank(queries, k, kk, cand) : this.finish(queries.rows, k, cand);
  }

  private popcountCandidates(Q: DenseMatrix, kk: number, allow: Allow | null): { idx: Int32Array; red: Float64Array } {
    if (!this.scan) this.scan = new BitScan(this.codes, this.n, this.codec.bytesPerVector / 8);
    const q = new Uint8Array(Q.rows * this.codec.bytesPerVector);
    this.codec.encode(Q.data, Q.rows, q, 0, 'queries');
    const idx = new Int32Array(Q.rows * kk), dist = new Int32Array(Q.rows * kk);
    this.scan.search(q, Q.rows, kk, allow ? allow.mask() : null, idx, dist);
    const red = new Float64Array(dist.length);
    for (let t = 0; t < red.length; t++) red[t] = idx[t] < 0 ? Infinity : dist[t];
    return { idx, red };
  }

  private decodedCandidates(Q: DenseMatrix, kk: number, allow: Allow | null): { idx: Int32Array; red: Float64Array } {
    const d = this.dim, row = new Float32Array(d), m = this.metric;
    const idx = new Int32Array(Q.rows * kk).fill(-1), red = new Float64Array(Q.rows * kk).fill(Infinity);
    const mask = allow ? allow.mask() : null;
    const heaps = Array.from({ length: Q.rows }, () => new TopK(kk));
    if (this.simdScan(Q, mask, heaps)) {
      for (let i = 0; i < Q.rows; i++) heaps[i].drainSorted(idx, red, i * kk);
      return { idx, red };
    }
    // row-major over the codes: each row decoded once for the whole batch
    for (let j = 0; j < this.n; j++) {
      if (mask && mask[j] === 0) continue;
      this.codec.decode(this.codes, j, row);
      for (let i = 0; i < Q.rows; i++) {
        const h = heaps[i];
        const r = m.reduced(Q.data, i * d, row, 0, d);
        if (h.accepts(r, j)) h.push(r, j);
      }
    }
    for (let i = 0; i < Q.rows; i++) heaps[i].drainSorted(idx, red, i * kk);
    return { idx, red };
  }

  /** Ranks by the SIMD code scan when the codec and metric have one; false if not. */
  private simdScan(Q: DenseMatrix, mask: Uint8Array | null, heaps: TopK[]): boolean {
    const form = this.metric.dotForm;
    if (!form) return false;
    if (this.coded === undefined) {
      this.coded = CodedScan.create(this.codec, this.codes, this.n);
      // one copy of the codes: the scan's (add() copies them out again when it grows them)
      if (this.coded) this.codes = this.coded.codes();
    }
    if (!this.coded) return false;
    if (form.kind === 'l2') { this.coded.scan(Q.data, Q.rows, 'l2', mask, heaps, null); return true; }
    const d = this.dim;
    let qn: Float64Array | null = null;
    if (form.kind === 'cosine') {
      if (!this.normSq) {
        const row = new Float32Array(d), ns = new Float64Array(this.n);
        for (let j = 0; j < this.n; j++) { this.codec.decode(this.codes, j, row); let s = 0; for (let t = 0; t < d; t++) s += row[t] * row[t]; ns[j] = s; }
        this.normSq = ns;
      }
      qn = new Float64Array(Q.rows);
      for (let i = 0; i < Q.rows; i++) { let s = 0; for (let t = 0; t < d; t++) s += Q.data[i * d + t] ** 2; qn[i] = s; }
    }
    const ns = this.normSq;
    this.coded.scan(Q.data, Q.rows, 'dot', mask, heaps, (dot, i, j) => form.fromDot(dot, qn ? qn[i] : 0, ns ? ns[j] : 0));
    return true;
  }

  /** Exact re-ranking of each query's kk candidates over the float32 rows; keeps k. */
  private rerank(Q: DenseMatrix, k: number, kk: number, c: { idx: Int32Array; red: Float64Array }): SearchResult {
    return rerankExact(this.metric, this.refined!.matrix() as DenseMatrix, Q, k, c.idx, kk);
  }

  private finish(nq: number, k: number, c: { idx: Int32Array; red: Float64Array }): SearchResult {
    const out = SearchResult.empty(nq, k), m = this.metric;
    for (let i = 0; i < nq * k; i++) {
      out.indices[i] = c.idx[i];
      if (c.idx[i] >= 0) out.distances[i] = m.reducedToDistance(c.red[i]);
    }
    return out;
  }

  getVector(label: number): Float32Array {
    if (this.refined) return this.refined.row(label);
    const out = new Float32Array(this.dim);
    this.codec.decode(this.codes, label, out);
    return out;
  }

  memoryUsage(): number {
    return this.n * this.codec.bytesPerVector + (this.refined?.bytes() ?? 0) + (this.scan?.memoryUsage() ?? 0) +
      (this.coded ? this.coded.memoryUsage() - this.n * this.codec.bytesPerVector : 0);
  }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    const c = this.codec.persist();
    return {
      state: { n: this.n, codec: this.codec.name, codecState: c.state, refine: this.refined !== null },
      sections: [{ name: 'codes', data: this.codes.subarray(0, this.n * this.codec.bytesPerVector), type: 'u8' }, ...c.sections, ...(this.refined ? this.refined.sections() : [])],
    };
  }

  static load(env: Envelope, metric: Metric, view: boolean): CodedCore {
    const st = env.header.state.core as { n: number; codec: string; refine: boolean };
    const dim = env.header.dim;
    const codec = loadCodec(st.codec, dim, env);
    const codes = env.typed('codes', Uint8Array, !view);
    if (codes.length !== st.n * codec.bytesPerVector) throw new KnnkitError('index', `index: codes hold ${codes.length} bytes for ${st.n} vectors of ${codec.bytesPerVector}`);
    const rows = st.refine ? StoredRows.load(env, dim, false, st.n, view) : null;
    return new CodedCore(metric, dim, codec, rows, codes, st.n);
  }

  /** A fresh core for codec `name` (refine keeps float32 rows for re-ranking). */
  static create(metric: Metric, dim: number, name: string, refine: boolean): CodedCore {
    return new CodedCore(metric, dim, makeCodec(name, dim), refine ? new StoredRows(dim, false) : null);
  }
}
