import type { Matrix } from '../../core/data.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { KnnkitError } from '../../core/errors.js';
import { Rng } from '../../core/rng.js';
import type { Metric } from '../../metrics/types.js';
import { SearchResult } from '../../search/results.js';
import type { Envelope, Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { StoredRows } from '../shared/stored-rows.js';
import { CandidateScan, selectiveLabels } from '../shared/candidate-scan.js';
import { BucketTables } from './buckets.js';
import { gaussianMatrix, project, randomRotation } from './hash-family.js';
import { ProbeSequencer } from './probe.js';
import { deriveParams, type LshMode, type LshRequest } from './params.js';
import { HammingCodes } from './hamming-codes.js';

/** Build options of an lsh core, after derivation from the first batch of data where unset. */
export interface LshSettings {
  mode: LshMode;
  /** L: number of tables (hyperplane / p-stable modes). */
  tables: number;
  /** K: hash functions per table; in "faiss" mode the code length in bits. */
  bits: number;
  /** p-stable bucket width (derived from the data when unset). */
  w: number;
  seed: number;
  /** "faiss" mode: per-bit thresholds at the data's medians instead of 0 (IndexLSH train_thresholds). */
  trainThresholds: boolean;
}

/**
 * LSH over stored vectors: hyperplane (SimHash) or p-stable tables probed with Lv et al.'s
 * query-directed multi-probe sequences, or FAISS IndexLSH's exhaustive Hamming scan of rotated
 * sign bits; candidates are re-ranked with exact distances (CandidateScan). Removal is the
 * wrapper's tombstones (removed labels stay in buckets and are refused through Allow).
 */
export class LshCore implements FamilyCore {
  readonly exact = false;
  readonly isTrained = true;
  /** Resolved settings (null until the first add derives what the user left unset). */
  settings: LshSettings | null;
  /** Hash vectors a (L K rows, or nbits rotation rows in "faiss" mode). */
  private proj: Float32Array = new Float32Array(0);
  /** p-stable offsets b in [0, w). */
  private offsets: Float32Array = new Float32Array(0);
  /** p-stable key multipliers: key = sum_j h_j r_j mod 2^32 (a universal hash of the K integers). */
  private mult: Uint32Array = new Uint32Array(0);
  private buckets: BucketTables | null = null;
  private codes: HammingCodes | null = null;
  private readonly seq = new ProbeSequencer();

  constructor(readonly metric: Metric, readonly dim: number, private readonly requested: LshRequest, readonly rows = new StoredRows(dim, false)) {
    this.settings = null;
  }

  get size(): number { return this.rows.rows; }

  add(data: Matrix, labels: Int32Array): void {
    if (data.kind !== 'dense') throw new KnnkitError('vectors', 'vectors: lsh needs dense data; sparse (CSR) data is searched with "brute"');
    if (labels.length > 0 && labels[0] !== this.rows.rows) throw new KnnkitError('labels', `labels: expected ${this.rows.rows} next, got ${labels[0]}`);
    if (!this.settings) this.resolve(data);
    const s = this.settings!;
    this.rows.append(data);
    if (s.mode === 'faiss') { this.codes!.append(data); return; }
    const L = s.tables, K = s.bits, m = data.rows, d = this.dim;
    const keys = new Uint32Array(L * m), z = new Float64Array(L * K);
    for (let i = 0; i < m; i++) {
      project(this.proj, L * K, d, data.data, i * d, z);
      for (let t = 0; t < L; t++) keys[t * m + i] = this.homeKey(z, t);
    }
    this.buckets!.merge(keys, labels);
  }

  /** Fixes the settings and draws the hash functions on the first batch. */
  private resolve(data: DenseMatrix): void {
    const s = deriveParams(data, this.metric, this.requested);
    const rng = new Rng(s.seed);
    if (s.mode === 'faiss') {
      this.proj = randomRotation(s.bits, this.dim, rng);
      this.codes = new HammingCodes(this.proj, s.bits, this.dim, s.trainThresholds ? HammingCodes.medians(this.proj, s.bits, this.dim, data) : new Float32Array(s.bits));
    } else {
      this.proj = gaussianMatrix(s.tables * s.bits, this.dim, rng);
      if (s.mode === 'pstable') {
        this.offsets = Float32Array.from({ length: s.tables * s.bits }, () => rng.random() * s.w);
        this.mult = Uint32Array.from({ length: s.tables * s.bits }, () => rng.nextUint32() | 1);
      }
      this.buckets = BucketTables.empty(s.tables);
    }
    this.settings = s;
  }

  /** Table t's bucket key of the projections z (L K values). */
  private homeKey(z: Float64Array, t: number): number {
    const K = this.settings!.bits, o = t * K;
    let key = 0;
    if (this.settings!.mode === 'simhash') {
      for (let j = 0; j < K; j++) if (z[o + j] > 0) key |= 1 << j;
      return key >>> 0;
    }
    const w = this.settings!.w;
    for (let j = 0; j < K; j++) key = (key + Math.imul(Math.floor((z[o + j] + this.offsets[o + j]) / w), this.mult[o + j])) >>> 0;
    return key;
  }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    if (queries.kind !== 'dense') throw new KnnkitError('queries', 'queries: lsh needs dense queries');
    const res = SearchResult.empty(queries.rows, k);
    const s = this.settings;
    if (!s || this.size === 0) return res;
    const probes = p.probes as number;
    const scan = new CandidateScan(this.size, k, this.metric, (this.rows.matrix() as DenseMatrix).data, this.dim, allow);
    const few = selectiveLabels(allow, this.size);
    const Q = queries.data, d = this.dim;
    for (let q = 0; q < queries.rows; q++) {
      scan.begin();
      if (few) for (const l of few) scan.offer(l, Q, q * d);
      else if (s.mode === 'faiss') this.codes!.scan(Q, q * d, Math.min(this.size, probes * k), scan, allow);
      else this.probeTables(Q, q * d, probes, scan);
      scan.finish(res, q);
    }
    return res;
  }

  /** Visits the home bucket and the probes - 1 next buckets of tables t0..t1-1 (multi-probe). */
  private probeTables(Q: Float32Array, qOff: number, probes: number, scan: CandidateScan, t0 = 0, t1 = this.settings!.tables): void {
    const s = this.settings!, K = s.bits, b = this.buckets!, d = this.dim;
    const z = new Float64Array(s.tables * K);
    project(this.proj.subarray(t0 * K * d, t1 * K * d), (t1 - t0) * K, d, Q, qOff, z.subarray(t0 * K, t1 * K));
    const pstable = s.mode === 'pstable';
    const M = pstable ? 2 * K : K;
    const scores = new Float64Array(M), order = new Int32Array(M), coordOf = new Int32Array(M);
    for (let e = 0; e < M; e++) coordOf[e] = pstable ? e >> 1 : e;
    const sets: number[][] = [];
    for (let t = t0; t < t1; t++) {
      const key = this.homeKey(z, t);
      this.visit(b, t, key, Q, qOff, scan);
      if (probes <= 1) continue;
      const o = t * K;
      // scores: squared distance of the projection to the boundary each perturbation crosses
      for (let j = 0; j < K; j++) {
        if (pstable) {
          const f = (z[o + j] + this.offsets[o + j]) / s.w, frac = f - Math.floor(f);
          scores[2 * j] = frac * frac; // h_j - 1
          scores[2 * j + 1] = (1 - frac) * (1 - frac); // h_j + 1
        } else {
          scores[j] = z[o + j] * z[o + j]; // flip bit j
        }
      }
      for (let e = 0; e < M; e++) order[e] = e;
      order.sort((a, c) => scores[a] - scores[c]);
      this.seq.sequence(order, scores, coordOf, probes - 1, sets);
      for (const set of sets) {
        let pk = key;
        for (const e of set) {
          if (pstable) pk = (pk + Math.imul((e & 1) === 0 ? -1 : 1, this.mult[o + (e >> 1)])) >>> 0;
          else pk = (pk ^ (1 << e)) >>> 0;
        }
        this.visit(b, t, pk, Q, qOff, scan);
      }
    }
  }

  private visit(b: BucketTables, t: number, key: number, Q: Float32Array, qOff: number, scan: CandidateScan): void {
    let p = b.find(t, key);
    if (p < 0) return;
    const end = b.end(t), keys = b.keys, labels = b.labels;
    for (; p < end && keys[p] === key; p++) scan.offer(labels[p], Q, qOff);
  }

  /**
   * For the tuning helper: per query, the first table (0-based, with `probes` buckets each) in
   * which each of its true neighbours becomes a candidate (L when never), and the cumulative
   * count of distinct candidates after each table.
   */
  profile(queries: DenseMatrix, truth: Int32Array, k: number, probes: number): { firstTable: Int32Array; candidates: Float64Array } {
    const s = this.settings!;
    if (s.mode === 'faiss') throw new KnnkitError('mode', 'mode: the tuning helper picks K and L of the "simhash" and "pstable" modes');
    const L = s.tables, first = new Int32Array(queries.rows * k).fill(L), cand = new Float64Array(L);
    const scan = new CandidateScan(this.size, 1, this.metric, (this.rows.matrix() as DenseMatrix).data, this.dim, null);
    for (let q = 0; q < queries.rows; q++) {
      scan.begin();
      for (let t = 0; t < L; t++) {
        this.probeTables(queries.data, q * this.dim, probes, scan, t, t + 1);
        cand[t] += scan.seen;
        for (let i = 0; i < k; i++) {
          const lab = truth[q * k + i];
          if (lab >= 0 && first[q * k + i] === L && scan.wasSeen(lab)) first[q * k + i] = t;
        }
      }
    }
    for (let t = 0; t < L; t++) cand[t] /= queries.rows;
    return { firstTable: first, candidates: cand };
  }

  getVector(label: number): Float32Array { return this.rows.row(label); }

  memoryUsage(): number {
    return this.rows.bytes() + this.proj.byteLength + this.offsets.byteLength + this.mult.byteLength
      + (this.buckets?.bytes() ?? 0) + (this.codes?.bytes() ?? 0);
  }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    const sections: Section[] = [...this.rows.sections(), { name: 'lsh.proj', data: this.proj, type: 'f32' }];
    const s = this.settings;
    if (s?.mode === 'pstable') sections.push({ name: 'lsh.offsets', data: this.offsets, type: 'f32' }, { name: 'lsh.mult', data: this.mult, type: 'u32' });
    if (this.buckets) sections.push({ name: 'lsh.keys', data: this.buckets.keys, type: 'u32' }, { name: 'lsh.labels', data: this.buckets.labels, type: 'i32' });
    if (this.codes) sections.push(...this.codes.sections());
    return { state: { rows: this.rows.rows, settings: s, requested: this.requested }, sections };
  }

  static load(env: Envelope, metric: Metric, view: boolean): LshCore {
    const st = env.header.state.core as { rows: number; settings: LshSettings | null; requested: LshCore['requested'] };
    const dim = env.header.dim;
    const core = new LshCore(metric, dim, st.requested, StoredRows.load(env, dim, false, st.rows, view));
    const s = st.settings;
    if (!s) return core;
    core.settings = s;
    core.proj = env.typed('lsh.proj', Float32Array, !view);
    if (s.mode === 'faiss') {
      core.codes = HammingCodes.load(env, core.proj, s.bits, dim, st.rows, view);
      return core;
    }
    if (core.proj.length !== s.tables * s.bits * dim) throw new KnnkitError('index', `index: lsh.proj holds ${core.proj.length} values, expected ${s.tables * s.bits * dim}`);
    if (s.mode === 'pstable') {
      core.offsets = env.typed('lsh.offsets', Float32Array, !view);
      core.mult = env.typed('lsh.mult', Uint32Array, !view);
    }
    const keys = env.typed('lsh.keys', Uint32Array, !view), labels = env.typed('lsh.labels', Int32Array, !view);
    if (keys.length !== s.tables * st.rows || labels.length !== keys.length) throw new KnnkitError('index', `index: lsh tables hold ${keys.length} entries, expected ${s.tables * st.rows}`);
    core.buckets = new BucketTables(s.tables, st.rows, keys, labels);
    return core;
  }
}
