import { KnnkitError } from '../../core/errors.js';
import type { Envelope, Section } from '../envelope.js';

/** The code arrays the lists hold: float vectors (IVF-Flat) or bytes (PQ codes). */
export type Codes = Float32Array | Uint8Array;
type CodesCtor = Float32ArrayConstructor | Uint8ArrayConstructor;

/**
 * FAISS's ArrayInvertedLists: list l holds its entries contiguously, `codeLen` code values per
 * entry (d floats for IVF-Flat, m bytes for PQ) and one int32 label per entry, so a probe scans
 * one flat run of memory. Each list grows by doubling (n adds cost O(n) copies); removal swaps
 * the last entry into the hole (order within a list carries no meaning: ties rank by label).
 * `listOf` maps a label to its list (-1 = removed / never added) so remove() scans one list.
 *
 * Saved as three flat sections (CSR: offsets, labels, codes); a view load keeps each list as a
 * subarray of the envelope's bytes (capacity = size: the first add to a list copies it out).
 */
export class InvertedLists {
  readonly codes: Codes[];
  readonly labels: Int32Array[];
  readonly sizes: Int32Array;
  listOf: Int32Array = new Int32Array(0);
  total = 0;
  /** 0 while list l is a view of loaded bytes (copied out before its first write). */
  private readonly owned: Uint8Array;

  constructor(readonly nlist: number, readonly codeLen: number, private readonly Ctor: CodesCtor) {
    this.codes = [];
    this.labels = [];
    for (let l = 0; l < nlist; l++) { this.codes.push(new Ctor(0)); this.labels.push(new Int32Array(0)); }
    this.sizes = new Int32Array(nlist);
    this.owned = new Uint8Array(nlist).fill(1);
  }

  /** Appends entry i of (lists[i], labels[i], codes[i * codeLen ..]) for every i. */
  append(lists: Int32Array, labels: Int32Array, codes: Codes): void {
    const L = this.codeLen;
    const need = new Int32Array(this.nlist);
    for (let i = 0; i < lists.length; i++) need[lists[i]]++;
    for (let l = 0; l < this.nlist; l++) {
      const want = this.sizes[l] + need[l];
      if (need[l] === 0 || want <= this.labels[l].length) continue;
      const cap = Math.max(want, this.labels[l].length * 2, 8);
      const c = new this.Ctor(cap * L);
      c.set(this.codes[l].subarray(0, this.sizes[l] * L) as never);
      const lb = new Int32Array(cap);
      lb.set(this.labels[l].subarray(0, this.sizes[l]));
      this.codes[l] = c; this.labels[l] = lb; this.owned[l] = 1;
    }
    let maxLabel = -1;
    for (let i = 0; i < labels.length; i++) if (labels[i] > maxLabel) maxLabel = labels[i];
    if (maxLabel >= this.listOf.length) {
      const m = new Int32Array(Math.max(maxLabel + 1, this.listOf.length * 2)).fill(-1);
      m.set(this.listOf);
      this.listOf = m;
    }
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i], s = this.sizes[l]++;
      this.codes[l].set(codes.subarray(i * L, i * L + L) as never, s * L);
      this.labels[l][s] = labels[i];
      this.listOf[labels[i]] = l;
    }
    this.total += lists.length;
  }

  /** Removes a label (swap with the list's last entry); false when it is not held. */
  remove(label: number): boolean {
    const l = label < this.listOf.length ? this.listOf[label] : -1;
    if (l < 0) return false;
    const n = this.sizes[l], L = this.codeLen;
    let lb = this.labels[l];
    let p = 0;
    while (p < n && lb[p] !== label) p++;
    if (p === n) return false;
    if (!this.owned[l]) {
      this.codes[l] = this.codes[l].slice(); this.labels[l] = lb = lb.slice(); this.owned[l] = 1;
    }
    const last = n - 1;
    if (p !== last) {
      lb[p] = lb[last];
      this.codes[l].copyWithin(p * L, last * L, last * L + L);
    }
    this.sizes[l] = last;
    this.listOf[label] = -1;
    this.total--;
    return true;
  }

  /** The code of a label (a view), or null. */
  codeOf(label: number): Codes | null {
    const l = label < this.listOf.length ? this.listOf[label] : -1;
    if (l < 0) return null;
    const lb = this.labels[l], L = this.codeLen;
    for (let p = 0; p < this.sizes[l]; p++) if (lb[p] === label) return this.codes[l].subarray(p * L, p * L + L);
    return null;
  }

  bytes(): number {
    let b = this.sizes.byteLength + this.listOf.byteLength;
    for (let l = 0; l < this.nlist; l++) b += this.codes[l].byteLength + this.labels[l].byteLength;
    return b;
  }

  /** Offsets, labels and codes as flat CSR sections (the lists are concatenated: one copy). */
  sections(prefix: string): Section[] {
    const L = this.codeLen;
    const offsets = new Int32Array(this.nlist + 1);
    for (let l = 0; l < this.nlist; l++) offsets[l + 1] = offsets[l] + this.sizes[l];
    const labels = new Int32Array(this.total), codes = new this.Ctor(this.total * L);
    for (let l = 0; l < this.nlist; l++) {
      labels.set(this.labels[l].subarray(0, this.sizes[l]), offsets[l]);
      codes.set(this.codes[l].subarray(0, this.sizes[l] * L) as never, offsets[l] * L);
    }
    return [
      { name: `${prefix}.offsets`, data: offsets, type: 'i32' },
      { name: `${prefix}.labels`, data: labels, type: 'i32' },
      { name: `${prefix}.codes`, data: codes, type: this.Ctor === Float32Array ? 'f32' : 'u8' },
    ];
  }

  static load(env: Envelope, prefix: string, nlist: number, codeLen: number, Ctor: CodesCtor, view: boolean): InvertedLists {
    const bad = (why: string) => new KnnkitError('index', `index: inverted lists ${prefix}: ${why}`);
    const offsets = env.typed(`${prefix}.offsets`, Int32Array, true);
    const labels = env.typed(`${prefix}.labels`, Int32Array, !view);
    const codes = env.typed(`${prefix}.codes`, Ctor as never, !view) as Codes;
    if (offsets.length !== nlist + 1 || offsets[0] !== 0) throw bad(`${offsets.length} offsets for ${nlist} lists`);
    const total = offsets[nlist];
    if (labels.length !== total || codes.length !== total * codeLen) throw bad(`${labels.length} labels and ${codes.length} code values for ${total} entries`);
    const lists = new InvertedLists(nlist, codeLen, Ctor);
    let maxLabel = -1;
    for (let l = 0; l < nlist; l++) {
      const s = offsets[l], e = offsets[l + 1];
      if (e < s) throw bad(`offsets decrease at list ${l}`);
      lists.labels[l] = labels.subarray(s, e);
      lists.codes[l] = codes.subarray(s * codeLen, e * codeLen);
      lists.sizes[l] = e - s;
      if (view) lists.owned[l] = 0;
      for (let p = s; p < e; p++) if (labels[p] > maxLabel) maxLabel = labels[p];
    }
    lists.listOf = new Int32Array(maxLabel + 1).fill(-1);
    for (let l = 0; l < nlist; l++) for (const lb of lists.labels[l]) {
      if (lb < 0 || lists.listOf[lb] !== -1) throw bad(`label ${lb} is negative or held twice`);
      lists.listOf[lb] = l;
    }
    lists.total = total;
    return lists;
  }
}
