import { KnnkitError } from '../../core/errors.js';
import type { Envelope, Section } from '../envelope.js';
import type { Arena } from './arena.js';

/** The code arrays the lists hold: float vectors (IVF-Flat) or bytes (PQ codes). */
export type Codes = Float32Array | Uint8Array;

/**
 * How an entry's code is stored: `f32` (codeLen floats: IVF-Flat), `u8` (codeLen bytes: 8-bit
 * PQ) or `pq4` (codeLen 4-bit codes packed for the fast scan: blocks of 32 entries, each block
 * codeLen groups of 16 bytes, group j byte i = code_j(entry i) | code_j(entry i + 16) << 4, so
 * that one v128 load feeds two i8x16.swizzle look-ups; codeLen / 2 bytes per entry, the last
 * block padded).
 */
export type CodeKind = 'f32' | 'u8' | 'pq4';

/**
 * FAISS's ArrayInvertedLists: list l holds its entries contiguously, `codeLen` code values per
 * entry and one int32 label per entry, so a probe scans one flat run of memory. Each list grows
 * by doubling (n adds cost O(n) copies); removal swaps the last entry into the hole (order
 * within a list carries no meaning: ties rank by label). `listOf` maps a label to its list
 * (-1 = removed / never added) so remove() scans one list.
 *
 * With an `arena` (the WebAssembly kernels are on) every list lives in the kernel module's
 * memory, where the SIMD scans read it in place; without one, in its own typed arrays.
 *
 * Saved as three flat sections (CSR: offsets, labels, codes); a view load without an arena
 * keeps each list as a subarray of the envelope's bytes (capacity = size: the first write to a
 * list copies it out); with an arena, loading copies the lists into the module's memory.
 */
export class InvertedLists {
  readonly codes: Codes[] = [];
  readonly labels: Int32Array[] = [];
  readonly sizes: Int32Array;
  /** Entries each list has room for. */
  private readonly caps: Int32Array;
  listOf: Int32Array = new Int32Array(0);
  total = 0;
  /** 0 while list l is a view of loaded bytes (copied out before its first write). */
  private readonly owned: Uint8Array;
  /** Arena handles of each list's code and label blocks (-1: none). */
  private readonly hCodes: Int32Array;
  private readonly hLabels: Int32Array;

  constructor(readonly nlist: number, readonly codeLen: number, readonly kind: CodeKind, readonly arena: Arena | null = null) {
    for (let l = 0; l < nlist; l++) { this.codes.push(this.kind === 'f32' ? new Float32Array(0) : new Uint8Array(0)); this.labels.push(new Int32Array(0)); }
    this.sizes = new Int32Array(nlist);
    this.caps = new Int32Array(nlist);
    this.owned = new Uint8Array(nlist).fill(1);
    this.hCodes = new Int32Array(nlist).fill(-1);
    this.hLabels = new Int32Array(nlist).fill(-1);
    if (arena) arena.onMove = () => this.refresh();
  }

  /** Code array elements (floats or bytes) that `cap` entries occupy. */
  elems(cap: number): number {
    return this.kind === 'pq4' ? Math.ceil(cap / 32) * 16 * this.codeLen : cap * this.codeLen;
  }

  private bytesFor(cap: number): number { return this.elems(cap) * (this.kind === 'f32' ? 4 : 1); }

  private view(h: number, elems: number, f32: boolean): Codes {
    const a = this.arena!;
    return f32 ? new Float32Array(a.buffer, a.offset(h), elems) : new Uint8Array(a.buffer, a.offset(h), elems);
  }

  /** Rebuilds every list's views after the arena grew or compacted. */
  private refresh(): void {
    const a = this.arena!;
    for (let l = 0; l < this.nlist; l++) {
      if (this.hCodes[l] < 0) continue;
      this.codes[l] = this.view(this.hCodes[l], this.elems(this.caps[l]), this.kind === 'f32');
      this.labels[l] = new Int32Array(a.buffer, a.offset(this.hLabels[l]), this.caps[l]);
    }
  }

  /** Gives list l room for `cap` entries, keeping its first sizes[l]. */
  private resize(l: number, cap: number): void {
    const keepCodes = this.elems(this.sizes[l]), keep = this.sizes[l];
    if (!this.arena) {
      const c = this.kind === 'f32' ? new Float32Array(this.elems(cap)) : new Uint8Array(this.elems(cap));
      c.set(this.codes[l].subarray(0, keepCodes) as never);
      const lb = new Int32Array(cap);
      lb.set(this.labels[l].subarray(0, keep));
      this.codes[l] = c; this.labels[l] = lb;
    } else {
      const a = this.arena;
      const hc = a.alloc(this.bytesFor(cap)), hl = a.alloc(cap * 4);
      // the allocations may have moved the old blocks: read them through the refreshed views
      const c = this.view(hc, this.elems(cap), this.kind === 'f32');
      c.set(this.codes[l].subarray(0, keepCodes) as never);
      const lb = new Int32Array(a.buffer, a.offset(hl), cap);
      lb.set(this.labels[l].subarray(0, keep));
      const oc = this.hCodes[l], ol = this.hLabels[l];
      this.hCodes[l] = hc; this.hLabels[l] = hl; this.caps[l] = cap;
      this.codes[l] = c; this.labels[l] = lb;
      a.free(oc); a.free(ol);
    }
    this.caps[l] = cap;
    this.owned[l] = 1;
  }

  /**
   * Appends entry i of (lists[i], labels[i], codes[i * codeLen ..]) for every i. For `pq4`
   * lists `codes` holds one 4-bit code per byte (codeLen bytes per entry).
   */
  append(lists: Int32Array, labels: Int32Array, codes: Codes): void {
    const L = this.codeLen;
    const need = new Int32Array(this.nlist);
    for (let i = 0; i < lists.length; i++) need[lists[i]]++;
    if (this.arena) {
      let bytes = 0;
      for (let l = 0; l < this.nlist; l++) {
        const want = this.sizes[l] + need[l];
        if (need[l] > 0 && want > this.caps[l]) { const c = Math.max(want, this.caps[l] * 2, 8); bytes += this.bytesFor(c) + c * 4 + 32; }
      }
      this.arena.reserve(bytes);
    }
    for (let l = 0; l < this.nlist; l++) {
      const want = this.sizes[l] + need[l];
      if (need[l] === 0 || want <= this.caps[l]) continue;
      this.resize(l, Math.max(want, this.caps[l] * 2, 8));
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
      if (this.kind === 'pq4') pack4(this.codes[l] as Uint8Array, s, L, codes as Uint8Array, i * L);
      else this.codes[l].set(codes.subarray(i * L, i * L + L) as never, s * L);
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
    let p = 0;
    while (p < n && this.labels[l][p] !== label) p++;
    if (p === n) return false;
    if (!this.owned[l]) this.resize(l, n);
    const last = n - 1, lb = this.labels[l];
    if (p !== last) {
      lb[p] = lb[last];
      if (this.kind === 'pq4') {
        const code = new Uint8Array(L);
        unpack4(this.codes[l] as Uint8Array, last, L, code, 0);
        pack4(this.codes[l] as Uint8Array, p, L, code, 0);
      } else {
        this.codes[l].copyWithin(p * L, last * L, last * L + L);
      }
    }
    this.sizes[l] = last;
    this.listOf[label] = -1;
    this.total--;
    return true;
  }

  /** The code of a label (f32 / u8: a view; pq4: one 4-bit code per byte, a copy), or null. */
  codeOf(label: number): Codes | null {
    const l = label < this.listOf.length ? this.listOf[label] : -1;
    if (l < 0) return null;
    const lb = this.labels[l], L = this.codeLen;
    for (let p = 0; p < this.sizes[l]; p++) {
      if (lb[p] !== label) continue;
      if (this.kind !== 'pq4') return this.codes[l].subarray(p * L, p * L + L);
      const out = new Uint8Array(L);
      unpack4(this.codes[l] as Uint8Array, p, L, out, 0);
      return out;
    }
    return null;
  }

  /**
   * Bytes held: label map, sizes, and every list's codes and labels (capacity, not size); with
   * an arena the lists' blocks are left to the arena's owner, who counts the whole module memory.
   */
  bytes(): number {
    let b = this.sizes.byteLength * 2 + this.listOf.byteLength + this.hCodes.byteLength * 2;
    if (!this.arena) for (let l = 0; l < this.nlist; l++) b += this.codes[l].byteLength + this.labels[l].byteLength;
    return b;
  }

  /** Offsets (entries), labels and codes as flat CSR sections (the lists are concatenated: one copy). */
  sections(prefix: string): Section[] {
    const offsets = new Int32Array(this.nlist + 1);
    let codeElems = 0;
    for (let l = 0; l < this.nlist; l++) { offsets[l + 1] = offsets[l] + this.sizes[l]; codeElems += this.elems(this.sizes[l]); }
    const labels = new Int32Array(this.total), codes = this.kind === 'f32' ? new Float32Array(codeElems) : new Uint8Array(codeElems);
    let co = 0;
    for (let l = 0; l < this.nlist; l++) {
      labels.set(this.labels[l].subarray(0, this.sizes[l]), offsets[l]);
      const e = this.elems(this.sizes[l]);
      codes.set(this.codes[l].subarray(0, e) as never, co);
      co += e;
    }
    return [
      { name: `${prefix}.offsets`, data: offsets, type: 'i32' },
      { name: `${prefix}.labels`, data: labels, type: 'i32' },
      { name: `${prefix}.codes`, data: codes, type: this.kind === 'f32' ? 'f32' : 'u8' },
    ];
  }

  static load(env: Envelope, prefix: string, nlist: number, codeLen: number, kind: CodeKind, view: boolean, arena: Arena | null = null): InvertedLists {
    const bad = (why: string) => new KnnkitError('index', `index: inverted lists ${prefix}: ${why}`);
    const copy = !view || arena !== null;
    const offsets = env.typed(`${prefix}.offsets`, Int32Array, true);
    const labels = env.typed(`${prefix}.labels`, Int32Array, copy);
    const codes = (kind === 'f32' ? env.typed(`${prefix}.codes`, Float32Array, copy) : env.typed(`${prefix}.codes`, Uint8Array, copy)) as Codes;
    if (offsets.length !== nlist + 1 || offsets[0] !== 0) throw bad(`${offsets.length} offsets for ${nlist} lists`);
    const lists = new InvertedLists(nlist, codeLen, kind, arena);
    const total = offsets[nlist];
    let codeElems = 0;
    for (let l = 0; l < nlist; l++) {
      if (offsets[l + 1] < offsets[l]) throw bad(`offsets decrease at list ${l}`);
      codeElems += lists.elems(offsets[l + 1] - offsets[l]);
    }
    if (labels.length !== total || codes.length !== codeElems) throw bad(`${labels.length} labels and ${codes.length} code values for ${total} entries`);
    let maxLabel = -1, co = 0;
    for (let l = 0; l < nlist; l++) {
      const s = offsets[l], e = offsets[l + 1], ce = lists.elems(e - s);
      for (let p = s; p < e; p++) if (labels[p] > maxLabel) maxLabel = labels[p];
      if (arena) {
        if (e > s) {
          lists.sizes[l] = 0;
          lists.resize(l, e - s);
          lists.codes[l].set(codes.subarray(co, co + ce) as never);
          lists.labels[l].set(labels.subarray(s, e));
        }
      } else {
        lists.labels[l] = labels.subarray(s, e);
        lists.codes[l] = codes.subarray(co, co + ce);
        lists.caps[l] = e - s;
        if (view) lists.owned[l] = 0;
      }
      lists.sizes[l] = e - s;
      co += ce;
    }
    lists.listOf = new Int32Array(maxLabel + 1).fill(-1);
    for (let l = 0; l < nlist; l++) {
      const lb = lists.labels[l];
      for (let p = 0; p < lists.sizes[l]; p++) {
        if (lb[p] < 0 || lists.listOf[lb[p]] !== -1) throw bad(`label ${lb[p]} is negative or held twice`);
        lists.listOf[lb[p]] = l;
      }
    }
    lists.total = total;
    return lists;
  }
}

/** Writes entry s's m 4-bit codes (src[so ..], one per byte) into a pq4 list's blocks. */
export function pack4(blocks: Uint8Array, s: number, m: number, src: Uint8Array, so: number): void {
  const b = (s >> 5) * 16 * m, r = s & 31, pos = b + (r & 15), shift = r < 16 ? 0 : 4, keep = r < 16 ? 0xf0 : 0x0f;
  for (let j = 0; j < m; j++) {
    const o = pos + j * 16;
    blocks[o] = (blocks[o] & keep) | ((src[so + j] & 15) << shift);
  }
}

/** Reads entry s's m 4-bit codes from a pq4 list's blocks into out[oo ..]. */
export function unpack4(blocks: Uint8Array, s: number, m: number, out: Uint8Array, oo: number): void {
  const b = (s >> 5) * 16 * m, r = s & 31, pos = b + (r & 15), shift = r < 16 ? 0 : 4;
  for (let j = 0; j < m; j++) out[oo + j] = (blocks[pos + j * 16] >> shift) & 15;
}
