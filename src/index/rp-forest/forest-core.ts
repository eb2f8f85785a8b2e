import type { Matrix } from '../../core/data.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { KnnkitError } from '../../core/errors.js';
import type { Metric } from '../../metrics/types.js';
import { SearchResult } from '../../search/results.js';
import type { Envelope, Section } from '../envelope.js';
import type { Allow, FamilyCore } from '../types.js';
import { StoredRows } from '../shared/stored-rows.js';
import { CandidateScan, selectiveLabels } from '../shared/candidate-scan.js';
import { buildForest, NODE_INTS, type ForestArrays, type SplitKind } from './build.js';
import { BitRows } from './bit-rows.js';
import { BitsScan } from './bits-scan.js';
import { buildHammingForest, RANDOM_BIT } from './hamming-build.js';
import { buildForestParallel } from './parallel-build.js';

export interface ForestSettings { nTrees: number; leafSize: number; seed: number; kind: SplitKind }

/**
 * Annoy's forest behind the contract. Everything it searches is a flat array (ForestArrays plus
 * the stored vectors), so a view load lays typed arrays over the file's bytes and searches them
 * with no parse and no copy. Built once, on the first add (as Annoy's build()); later adds are
 * refused by the wrapper (capabilities.add false); removal is the wrapper's tombstones.
 */
export class ForestCore implements FamilyCore {
  readonly exact = false;
  readonly isTrained = true;
  private forest: ForestArrays | null = null;
  // the search's priority queue (max-heap on priority), grown as needed and reused
  private pri = new Float64Array(256);
  private node = new Int32Array(256);

  /** Codec "bits" (kind "hamming"): the rows bit-packed; `rows` then stays empty. */
  private bits: BitRows | null;

  constructor(readonly metric: Metric, readonly dim: number, readonly settings: ForestSettings, private rows = new StoredRows(dim, false), bits?: BitRows) {
    this.bits = settings.kind === 'hamming' ? bits ?? new BitRows(dim) : null;
  }

  get size(): number { return this.bits ? this.bits.rows : this.rows.rows; }

  add(data: Matrix, labels: Int32Array): void {
    this.store(data, labels);
    const s = this.settings;
    this.forest = this.bits
      ? buildHammingForest(this.bits, s.nTrees, s.leafSize, s.seed)
      : buildForest(this.rows.matrix() as DenseMatrix, s.kind, s.nTrees, s.leafSize, s.seed);
  }

  /**
   * add() with the trees built on `threads` workers of the shared pool (./parallel-build.ts):
   * the same forest, array for array, as add() makes for the same seed.
   */
  async addAsync(data: Matrix, labels: Int32Array, threads: number): Promise<void> {
    this.store(data, labels);
    const s = this.settings;
    this.forest = await buildForestParallel(
      this.bits ? { kind: 'hamming', bits: this.bits } : { kind: s.kind, rows: this.rows.matrix() as DenseMatrix },
      s.nTrees, s.leafSize, s.seed, threads,
    );
  }

  /** The rows of the one (bulk) add, packed under codec "bits". */
  private store(data: Matrix, labels: Int32Array): void {
    if (data.kind !== 'dense') throw new KnnkitError('vectors', 'vectors: rp-forest needs dense data; sparse (CSR) data is searched with "brute"');
    if (this.size > 0) throw new KnnkitError('add', 'add: the "rp-forest" index does not support add after build (as Annoy); rebuild it with the new data');
    if (labels.length > 0 && labels[0] !== 0) throw new KnnkitError('labels', `labels: expected 0 first, got ${labels[0]}`);
    if (this.bits) this.bits.append(data);
    else this.rows.append(data);
  }

  /**
   * The forest of its first t trees: tree t is drawn from treeSeed(seed, t) alone and trees are
   * laid out one after another, so this is the forest a build with nTrees = t (same seed) makes; it
   * shares this one's arrays (the bench sweeps nTrees with one build).
   */
  prefix(t: number): ForestCore {
    const f = this.forest;
    if (!f || !(t >= 1 && t <= f.roots.length)) throw new KnnkitError('nTrees', `nTrees: got ${t}; expected 1 to ${f?.roots.length ?? 0}`);
    const core = new ForestCore(this.metric, this.dim, { ...this.settings, nTrees: t }, this.rows, this.bits ?? undefined);
    const endNode = t < f.roots.length ? f.roots[t] : f.nodes.length / NODE_INTS;
    let endSplit = 0, endItem = 0;
    for (let i = 0; i < endNode; i++) {
      const o = i * NODE_INTS;
      if (f.nodes[o] >= 0) endItem = Math.max(endItem, f.nodes[o + 1] + f.nodes[o]);
      else if (!this.bits) endSplit = Math.max(endSplit, f.nodes[o + 3] + 1);
    }
    core.forest = { nodes: f.nodes.subarray(0, endNode * NODE_INTS), splits: f.splits.subarray(0, endSplit * this.stride), items: f.items.subarray(0, endItem), roots: f.roots.subarray(0, t) };
    return core;
  }

  /** Split stride: the normal (d, or d + 1 for "dot") and the offset; 0 for "hamming" (bits live in the nodes). */
  private get stride(): number { return this.settings.kind === 'hamming' ? 0 : (this.settings.kind === 'dot' ? this.dim + 1 : this.dim) + 1; }

  search(queries: Matrix, k: number, p: Record<string, unknown>, allow: Allow | null): SearchResult {
    if (queries.kind !== 'dense') throw new KnnkitError('queries', 'queries: rp-forest needs dense queries');
    const res = SearchResult.empty(queries.rows, k);
    const f = this.forest;
    if (!f || this.size === 0) return res;
    if (this.bits) return this.searchBits(f, this.bits, queries, k, p, allow, res);
    const vectors = (this.rows.matrix() as DenseMatrix).data;
    // Annoy's default search_k = n_trees x k; candidates are distinct here, so searchK >= n is exact
    const searchK = (p.searchK as number | undefined) ?? this.settings.nTrees * k;
    const scan = new CandidateScan(this.size, k, this.metric, vectors, this.dim, allow);
    const few = selectiveLabels(allow, this.size);
    const Q = queries.data, d = this.dim;
    for (let q = 0; q < queries.rows; q++) {
      scan.begin();
      if (few) for (const l of few) scan.offer(l, Q, q * d);
      else this.walk(f, Q, q * d, searchK, scan);
      scan.finish(res, q);
    }
    return res;
  }

  /** search() over bit-packed rows: the queries packed once, Annoy's Hamming queue, popcount re-ranking. */
  private searchBits(f: ForestArrays, bits: BitRows, queries: DenseMatrix, k: number, p: Record<string, unknown>, allow: Allow | null, res: SearchResult): SearchResult {
    const searchK = (p.searchK as number | undefined) ?? this.settings.nTrees * k;
    const Q = BitRows.pack(queries, 'queries'), W = bits.words;
    const scan = new BitsScan(bits, k, this.metric.name, allow);
    const few = selectiveLabels(allow, this.size);
    for (let q = 0; q < queries.rows; q++) {
      scan.begin();
      if (few) for (const l of few) scan.offer(l, Q, q * W);
      else this.walkBits(f, Q, q * W, searchK, scan);
      scan.finish(res, q);
    }
    return res;
  }

  /**
   * Annoy's _get_all_nns with Hamming's pq_distance(d, margin, child) = d - (margin != child):
   * a node's priority is minus the number of tested bits on its path where the query differs
   * (roots at 0), so the queue visits leaves in order of mismatches; a random split (RANDOM_BIT)
   * keeps the priority on both sides.
   */
  private walkBits(f: ForestArrays, Q: Int32Array, qOff: number, searchK: number, scan: BitsScan): void {
    const { nodes, items, roots } = f;
    let size = 0, found = 0;
    for (let t = 0; t < roots.length; t++) size = this.push(size, 0, roots[t]);
    while (size > 0 && found < searchK) {
      const pri = this.pri[0], nd = this.node[0];
      size = this.pop(size);
      const o = nd * NODE_INTS, count = nodes[o];
      if (count >= 0) {
        const start = nodes[o + 1];
        for (let i = 0; i < count; i++) if (scan.offer(items[start + i], Q, qOff)) found++;
        continue;
      }
      const j = nodes[o + 3];
      const m = j === RANDOM_BIT ? -1 : (Q[qOff + (j >> 5)] >>> (j & 31)) & 1;
      size = this.push(size, m === 0 ? pri - 1 : pri, nodes[o + 2]);
      size = this.push(size, m === 1 ? pri - 1 : pri, nodes[o + 1]);
    }
  }

  /**
   * Annoy's _get_all_nns: one priority queue over all trees' nodes, keyed by the smallest margin
   * met on the way down (roots at +Infinity); a split node pushes its near child with
   * min(priority, margin) and its far child with min(priority, -margin); leaves' items are
   * offered until searchK distinct allowed candidates have been seen.
   */
  private walk(f: ForestArrays, Q: Float32Array, qOff: number, searchK: number, scan: CandidateScan): void {
    const { nodes, splits, items, roots } = f;
    const d = this.dim, stride = this.stride;
    let size = 0, found = 0;
    for (let t = 0; t < roots.length; t++) size = this.push(size, Infinity, roots[t]);
    while (size > 0 && found < searchK) {
      const pri = this.pri[0], nd = this.node[0];
      size = this.pop(size);
      const o = nd * NODE_INTS, count = nodes[o];
      if (count >= 0) {
        const start = nodes[o + 1];
        for (let i = 0; i < count; i++) if (scan.offer(items[start + i], Q, qOff)) found++;
        continue;
      }
      const so = nodes[o + 3] * stride;
      let m = splits[so + stride - 1];
      for (let j = 0; j < d; j++) m += splits[so + j] * Q[qOff + j];
      size = this.push(size, Math.min(pri, m), nodes[o + 2]);
      size = this.push(size, Math.min(pri, -m), nodes[o + 1]);
    }
  }

  private push(size: number, pri: number, nd: number): number {
    if (size >= this.pri.length) {
      const p = new Float64Array(size * 2); p.set(this.pri); this.pri = p;
      const n = new Int32Array(size * 2); n.set(this.node); this.node = n;
    }
    let pos = size;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (this.pri[parent] >= pri) break;
      this.pri[pos] = this.pri[parent]; this.node[pos] = this.node[parent];
      pos = parent;
    }
    this.pri[pos] = pri; this.node[pos] = nd;
    return size + 1;
  }

  private pop(size: number): number {
    const n = size - 1;
    const lp = this.pri[n], ln = this.node[n];
    let pos = 0;
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.pri[r] > this.pri[l] ? r : l;
      if (this.pri[c] <= lp) break;
      this.pri[pos] = this.pri[c]; this.node[pos] = this.node[c];
      pos = c;
    }
    this.pri[pos] = lp; this.node[pos] = ln;
    return n;
  }

  getVector(label: number): Float32Array { return this.bits ? this.bits.row(label) : this.rows.row(label); }

  memoryUsage(): number {
    const f = this.forest;
    return this.rows.bytes() + (this.bits?.bytes() ?? 0) + (f ? f.nodes.byteLength + f.splits.byteLength + f.items.byteLength + f.roots.byteLength : 0);
  }

  persist(): { state: Record<string, unknown>; sections: Section[] } {
    const f = this.forest;
    const sections: Section[] = this.bits ? this.bits.sections() : [...this.rows.sections()];
    if (f) {
      sections.push(
        { name: 'forest.nodes', data: f.nodes, type: 'i32' }, { name: 'forest.splits', data: f.splits, type: 'f32' },
        { name: 'forest.items', data: f.items, type: 'i32' }, { name: 'forest.roots', data: f.roots, type: 'i32' },
      );
    }
    return { state: { rows: this.size, built: f !== null, settings: this.settings }, sections };
  }

  /** A forest over the envelope's sections (views when `view`); structural checks bound every index. */
  static load(env: Envelope, metric: Metric, view: boolean): ForestCore {
    const st = env.header.state.core as { rows: number; built: boolean; settings: ForestSettings };
    const dim = env.header.dim;
    const core = st.settings.kind === 'hamming'
      ? new ForestCore(metric, dim, st.settings, undefined, BitRows.load(env, dim, st.rows, view))
      : new ForestCore(metric, dim, st.settings, StoredRows.load(env, dim, false, st.rows, view));
    if (!st.built) return core;
    const f: ForestArrays = {
      nodes: env.typed('forest.nodes', Int32Array, !view), splits: env.typed('forest.splits', Float32Array, !view),
      items: env.typed('forest.items', Int32Array, !view), roots: env.typed('forest.roots', Int32Array, !view),
    };
    checkForest(f, st.rows, core.stride, dim);
    core.forest = f;
    return core;
  }
}

/**
 * Every child, split and item index in range, and children after their parent (pre-order, so a
 * corrupt file can neither read out of bounds nor loop). O(nodes + items).
 */
function checkForest(f: ForestArrays, n: number, stride: number, dim: number): void {
  const bad = (why: string) => new KnnkitError('index', `index: the rp-forest sections are inconsistent: ${why}`);
  // hyperplane kinds: a split field indexes `splits`; hamming (stride 0): it is a bit in [-1, dim)
  const nn = f.nodes.length / NODE_INTS, ns = stride > 0 ? f.splits.length / stride : dim;
  if (!Number.isInteger(nn) || !Number.isInteger(ns) || (stride === 0 && f.splits.length !== 0)) throw bad('section lengths');
  for (const r of f.roots) if (!(r >= 0 && r < nn)) throw bad(`root ${r}`);
  let itemTotal = 0;
  for (let i = 0; i < nn; i++) {
    const o = i * NODE_INTS, c = f.nodes[o];
    if (c >= 0) {
      if (f.nodes[o + 1] < 0 || f.nodes[o + 1] + c > f.items.length) throw bad(`leaf ${i}`);
      itemTotal += c;
    } else if (!(f.nodes[o + 1] > i && f.nodes[o + 1] < nn && f.nodes[o + 2] > i && f.nodes[o + 2] < nn && f.nodes[o + 3] >= (stride > 0 ? 0 : RANDOM_BIT) && f.nodes[o + 3] < ns)) {
      throw bad(`split node ${i}`);
    }
  }
  if (itemTotal !== f.items.length || itemTotal !== f.roots.length * n) throw bad(`${itemTotal} leaf items for ${f.roots.length} trees of ${n} points`);
  for (const it of f.items) if (!(it >= 0 && it < n)) throw bad(`item ${it}`);
}
