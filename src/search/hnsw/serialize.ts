import { KnnkitError } from '../../core/errors.js';
import { crc32 } from '../../io/crc32.js';
import type { MetricSpec } from '../../metrics/types.js';
import type { HnswIndex, HnswOptions } from './hnsw-index.js';
import { IdTable } from './ids.js';
import { HNSW_STORAGES, readSq8State, sq8State, storageWords, type HnswStorage, type Sq8State } from './codec-storage.js';
import { computeLayout, regionOffsets, type Layout, type Shape } from './layout.js';

/**
 * knnkit HNSW file format, version 2 (little-endian; version 1 files, which predate `storage`, are read too):
 *   0  magic "KNNKHNSW" (8 bytes)
 *   8  u32 format version
 *  12  u32 H = header length
 *  16  header: UTF-8 JSON with every parameter (M, efConstruction, ef, seed, metric spec, dim,
 *      counts, entry point, top level, upper-arena words, level draws, storage, ...), padded to 4
 *      bytes, then the arrays, each padded to 4 bytes, for the `count` used slots:
 *      vectors f32[count*dim] (storage "bits": i32[count*2*ceil(dim/64)], packed 0/1), norms f32[count] (cosine only), link0 i32[count*(1+M0)],
 *      upos i32[count], levels u8[count], flags u8[count], upper i32[upperUsed],
 *      labels i32[count], free i32[freeCount]
 *  end u32 CRC-32 of every byte before it
 */
export const MAGIC = 'KNNKHNSW';
export const FORMAT_VERSION = 2;
const READABLE_VERSIONS = [1, 2];

export interface Header {
  dim: number; M: number; efConstruction: number; ef: number; seed: number; metric: unknown;
  reuseDeleted: boolean; count: number; live: number; deleted: number; ep: number; maxLevel: number;
  upperUsed: number; levelsDrawn: number; nextAutoId: number; freeCount: number; idMap: boolean; cosine: boolean;
  /** absent in version 1 files: 'f32' */
  storage?: HnswStorage;
  /** storage 'sq8': the trained per-dimension ranges */
  sq8?: Sq8State;
}

const pad4 = (n: number) => (n + 3) & ~3;

function sections(h: Header): { name: string; bytes: number }[] {
  const M0 = 2 * h.M;
  return [
    { name: 'vectors', bytes: h.count * storageWords(h.storage ?? 'f32', h.dim, h.cosine) * 4 },
    { name: 'norms', bytes: h.cosine ? h.count * 4 : 0 },
    { name: 'link0', bytes: h.count * (1 + M0) * 4 },
    { name: 'upos', bytes: h.count * 4 },
    { name: 'levels', bytes: h.count },
    { name: 'flags', bytes: h.count },
    { name: 'upper', bytes: h.upperUsed * 4 },
    { name: 'labels', bytes: h.count * 4 },
    { name: 'free', bytes: h.freeCount * 4 },
  ];
}

/** The header and the sections (views into the index memory, no copy) of an index. */
export function hnswParts(idx: HnswIndex): { header: Header; parts: { name: string; bytes: Uint8Array }[] } {
  const h: Header = {
    dim: idx.dim, M: idx.M, efConstruction: idx.efConstruction, ef: idx.ef, seed: idx.seed, metric: idx.metricSpec(),
    reuseDeleted: idx.reuseDeleted, count: idx.count, live: idx.live, deleted: idx.deleted, ep: idx.ep, maxLevel: idx.maxLevel,
    upperUsed: idx.upperUsed, levelsDrawn: idx.levelsDrawn, nextAutoId: idx.nextAutoId, freeCount: idx.free.length,
    idMap: true, cosine: idx.shape.cosine, storage: idx.storage,
    ...(idx.storage === 'sq8' ? { sq8: sq8State(idx.codec) } : {}),
  };
  const secs = sections(h);
  const l = idx.layout, { u8 } = idx.views;
  const src: Record<string, Uint8Array> = {
    vectors: u8.subarray(l.vec, l.vec + secs[0].bytes),
    norms: u8.subarray(l.norm, l.norm + secs[1].bytes),
    link0: u8.subarray(l.link0, l.link0 + secs[2].bytes),
    upos: u8.subarray(l.upos, l.upos + secs[3].bytes),
    levels: u8.subarray(l.levels, l.levels + secs[4].bytes),
    flags: u8.subarray(l.flags, l.flags + secs[5].bytes),
    upper: u8.subarray(l.upper, l.upper + secs[6].bytes),
    labels: new Uint8Array(idx.labels.buffer, idx.labels.byteOffset, secs[7].bytes),
    free: new Uint8Array(Int32Array.from(idx.free).buffer),
  };
  return { header: h, parts: secs.map((x) => ({ name: x.name, bytes: src[x.name] })) };
}

/**
 * The file as a sequence of chunks: the framing, then views of the index memory (no copy), the
 * CRC-32 computed on the way. HnswIndex#save streams them into the file, so that a save holds
 * no file-sized buffer (a 1M x 128 index is 630 MB); toBytes joins them.
 */
export function* serializeChunks(idx: HnswIndex): Generator<Uint8Array> {
  const { header: h, parts } = hnswParts(idx);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const head = new Uint8Array(16 + pad4(json.length));
  const dv = new DataView(head.buffer);
  for (let i = 0; i < 8; i++) head[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, FORMAT_VERSION, true);
  dv.setUint32(12, json.length, true);
  head.set(json, 16);
  let crc = crc32(head);
  yield head;
  for (const s of parts) {
    crc = crc32(s.bytes, crc);
    if (s.bytes.length > 0) yield s.bytes;
    const pad = pad4(s.bytes.length) - s.bytes.length;
    if (pad > 0) { const z = new Uint8Array(pad); crc = crc32(z, crc); yield z; }
  }
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, crc, true);
  yield tail;
}

export function serializeIndex(idx: HnswIndex): Uint8Array {
  const chunks = [...serializeChunks(idx)];
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let p = 0;
  for (const c of chunks) { out.set(c, p); p += c.length; }
  return out;
}

function fail(source: string, what: string): KnnkitError {
  return new KnnkitError('path', `${source}: ${what}`);
}

/** Makes the empty index a file is read into (HnswIndex's constructor, passed in: no import cycle). */
export type HnswFactory = (dim: number, opts: HnswOptions) => HnswIndex;

export function deserializeIndex(bytes: Uint8Array, make: HnswFactory, opts: { kernel?: 'auto' | 'wasm' | 'js'; source?: string } = {}): HnswIndex {
  const src = opts.source ? JSON.stringify(opts.source) : 'HNSW bytes';
  if (!(bytes instanceof Uint8Array)) throw fail(src, 'expected a Uint8Array');
  if (bytes.length < 20) throw fail(src, `truncated: ${bytes.length} bytes is shorter than any knnkit HNSW file`);
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw fail(src, `not a knnkit HNSW file (bad magic; expected "${MAGIC}")`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (!READABLE_VERSIONS.includes(version)) throw fail(src, `format version ${version} is not supported (this knnkit reads versions ${READABLE_VERSIONS.join(' and ')})`);
  const hl = dv.getUint32(12, true);
  // header first, to tell a truncated file from a corrupt one
  let h: Header | undefined;
  if (16 + hl <= bytes.length) {
    try { h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + hl))) as Header; } catch { h = undefined; }
  }
  let expected = -1;
  if (h && typeof h === 'object' && Number.isInteger(h.count) && Number.isInteger(h.dim) && Number.isInteger(h.M)
    && (h.storage === undefined || HNSW_STORAGES.includes(h.storage))) {
    expected = 16 + pad4(hl) + sections(h).reduce((a, s) => a + pad4(s.bytes), 0) + 4;
  }
  if (expected >= 0 && bytes.length < expected) throw fail(src, `truncated: ${bytes.length} bytes, the header describes ${expected}`);
  const stored = dv.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) {
    throw fail(src, `checksum mismatch (stored CRC-32 ${hex(stored)}, computed ${hex(actual)}): the file is corrupt or truncated`);
  }
  if (!h || expected < 0) throw fail(src, 'unreadable header');
  if (bytes.length !== expected) throw fail(src, `size ${bytes.length} bytes does not match the header (${expected})`);

  const parts = new Map<string, Uint8Array>();
  let p = 16 + pad4(hl);
  for (const sec of sections(h)) { parts.set(sec.name, bytes.subarray(p, p + sec.bytes)); p += pad4(sec.bytes); }
  return hnswFromParts(h, { bytes: (name) => parts.get(name)!.length, into: (name, dest) => dest.set(parts.get(name)!) }, make, { kernel: opts.kernel, source: src });
}

/**
 * The arena image (index envelope, HNSW section format 2): the index memory as the kernels read
 * it, for a layout sized exactly to the saved points (capacity = count, upper arena = the words
 * used, one thread's scratch for beam max(ef, efConstruction)), from the first region to the end
 * of the scratch: vectors, norms, layer-0 links, upper positions, levels, flags, upper links, then
 * zeros for the allow bitmap and the scratch. A load sizes the memory once and reads this one
 * section into it; without WebAssembly the kernel searches it where it lies in the given bytes
 * (the zeros are the room its scratch needs there).
 */
export function imageLayout(shape: Shape, h: Pick<Header, 'count' | 'upperUsed' | 'ef' | 'efConstruction'>, base?: number): Layout {
  return computeLayout(shape, Math.max(1, h.count), Math.max(64, h.upperUsed), 1, Math.max(h.ef, h.efConstruction), base);
}

const ZEROS = new Uint8Array(1 << 16);

/**
 * The image of `idx` as views of its own memory plus shared zero padding (no copy): the used
 * bytes of each region, at the offsets the image layout gives them.
 */
export function hnswImage(idx: HnswIndex): Uint8Array[] {
  const img = imageLayout(idx.shape, idx), l = idx.layout, u8 = idx.views.u8, n = idx.count;
  const used = [n * idx.words * 4, idx.shape.cosine ? n * 4 : 0, n * (1 + idx.M0) * 4, n * 4, n, n, idx.upperUsed * 4];
  const from = regionOffsets(l), to = regionOffsets(img);
  const out: Uint8Array[] = [];
  let pos = img.vec;
  for (let r = 0; r < used.length; r++) {
    if (used[r] > 0) out.push(u8.subarray(from[r], from[r] + used[r]));
    pos += used[r];
    const next = r + 1 < used.length ? to[r + 1] : img.total;
    for (; pos < next; pos += Math.min(ZEROS.length, next - pos)) out.push(ZEROS.subarray(0, Math.min(ZEROS.length, next - pos)));
  }
  return out;
}

/** Where an image load takes its sections from; `inPlace` gives a section's bytes where they lie (bytes in memory), or null. */
export interface ImageSource extends PartSource {
  inPlace(name: string): Uint8Array | null;
}

/**
 * Rebuilds an index from its arena image. With the WebAssembly kernel the memory is sized once
 * and the image read (file) or set (bytes) straight into it. With the TypeScript kernel and
 * `view`, the index searches the given bytes themselves (zero copy; the buffer then belongs to
 * the index: searches write their scratch into the image's zero tail, and the first add, remove
 * or growth copies the index into memory of its own: copy-on-write).
 */
export function hnswFromImage(h: Header, src: ImageSource, make: HnswFactory, opts: { view: boolean; source: string }): HnswIndex {
  // the sizes below come from these counts: a crafted header must not size the memory
  for (const k of ['count', 'upperUsed', 'freeCount'] as const) {
    if (!Number.isInteger(h[k]) || h[k] < 0) throw fail(opts.source, `unreadable header (${k} ${JSON.stringify(h[k])}; expected an integer >= 0)`);
  }
  const idx = make(h.dim, {
    metric: h.metric as MetricSpec, M: h.M, efConstruction: h.efConstruction, ef: h.ef, seed: h.seed,
    reuseDeleted: h.reuseDeleted, capacity: 1, storage: h.storage ?? 'f32', sq8Ranges: savedRanges(h, opts.source),
  });
  const img = imageLayout(idx.shape, h);
  const size = img.total - img.vec;
  if (src.bytes('arena') !== size) throw fail(opts.source, `section arena has ${src.bytes('arena')} bytes; the header describes ${size}`);
  for (const name of ['labels', 'free']) {
    const want = name === 'labels' ? h.count * 4 : h.freeCount * 4;
    if (src.bytes(name) !== want) throw fail(opts.source, `section ${name} has ${src.bytes(name)} bytes; the header describes ${want}`);
  }
  const here = opts.view && !idx.wasm ? src.inPlace('arena') : null;
  // the kernel's typed arrays span the whole buffer: it must be a whole number of 4-byte words,
  // and the regions 16-byte aligned as in the arena (envelopes are padded to 64 bytes for this)
  if (here && here.byteOffset % 16 === 0 && here.buffer.byteLength % 4 === 0) {
    idx.borrowArena(here.buffer, imageLayout(idx.shape, h, here.byteOffset));
  } else {
    idx.allocate(img.cap, img.upperCap, 1, img.efCap);
    src.into('arena', idx.views.u8.subarray(idx.layout.vec, idx.layout.total));
  }
  return finishLoad(idx, h, src, opts.source);
}

/** Labels, free list, counts and the level stream of a loaded index, after checking its structure. */
function finishLoad(idx: HnswIndex, h: Header, part: PartSource, src: string): HnswIndex {
  const labels = new Int32Array(part.bytes('labels') / 4), free = new Int32Array(part.bytes('free') / 4);
  part.into('labels', new Uint8Array(labels.buffer));
  part.into('free', new Uint8Array(free.buffer));
  checkStructure(idx, h, labels, free, src);
  // the sq8 decode table is not part of the saved regions (the image has zeros there)
  idx.writeCodecTable();
  idx.count = h.count; idx.live = h.live; idx.deleted = h.deleted; idx.ep = h.ep; idx.maxLevel = h.maxLevel;
  idx.upperUsed = h.upperUsed; idx.nextAutoId = h.nextAutoId;
  if (idx.labels.length < h.count) idx.labels = new Int32Array(Math.max(1, idx.layout.cap)).fill(-1);
  idx.labels.set(labels);
  idx.free = Array.from(free);
  idx.ids = IdTable.fromLabels(idx.labels, h.count);
  idx.restoreRng(h.levelsDrawn);
  return idx;
}

/** Where a load takes the sections from: their sizes, and a copy of each straight into the index memory. */
export interface PartSource {
  bytes(name: string): number;
  into(name: string, dest: Uint8Array): void;
}

/** Rebuilds an index from its header and sections (the legacy file or the index envelope). */
export function hnswFromParts(h: Header, part: PartSource, make: HnswFactory, opts: { kernel?: 'auto' | 'wasm' | 'js'; source: string }): HnswIndex {
  const src = opts.source;
  for (const sec of sections(h)) {
    if (part.bytes(sec.name) !== sec.bytes) throw fail(src, `section ${sec.name} has ${part.bytes(sec.name)} bytes; the header describes ${sec.bytes}`);
  }
  const idx = make(h.dim, {
    metric: h.metric as MetricSpec, M: h.M, efConstruction: h.efConstruction, ef: h.ef, seed: h.seed,
    reuseDeleted: h.reuseDeleted, kernel: opts.kernel ?? 'auto', capacity: Math.max(1, h.count), storage: h.storage ?? 'f32',
    sq8Ranges: savedRanges(h, src),
  });
  idx.reserve(Math.max(1, h.count), Math.max(64, h.upperUsed), 1, Math.max(h.ef, h.efConstruction));
  const l = idx.layout, { u8 } = idx.views;
  const dst: Record<string, number> = { vectors: l.vec, norms: l.norm, link0: l.link0, upos: l.upos, levels: l.levels, flags: l.flags, upper: l.upper };
  // each section goes straight into its region of the index memory (no intermediate buffer)
  for (const name of Object.keys(dst)) part.into(name, u8.subarray(dst[name], dst[name] + part.bytes(name)));
  return finishLoad(idx, h, part, src);
}

/**
 * The graph kernels trust the link lists (counts bound their loops, ids address vectors and
 * scratch): a file whose CRC matches but whose structure is inconsistent (a crafted or
 * mis-written file) is refused here instead of reading or writing outside the index.
 */
function checkStructure(idx: HnswIndex, h: Header, labels: Int32Array, free: Int32Array, src: string): void {
  const bad = (what: string): never => { throw fail(src, `inconsistent index structure (${what}); the file is corrupt`); };
  const n = h.count, M = h.M, M0 = 2 * M, UB = 1 + M;
  const ints = [h.live, h.deleted, h.maxLevel, h.upperUsed, h.freeCount, h.ep];
  if (!ints.every(Number.isInteger)) bad('non-integer counts');
  if (h.live < 0 || h.deleted < 0 || h.live + h.deleted !== n) bad(`live ${h.live} + deleted ${h.deleted} != count ${n}`);
  if (n > 0 ? h.ep < 0 || h.ep >= n : h.ep !== -1) bad(`entry point ${h.ep}`);
  if (h.maxLevel < -1 || h.maxLevel > 31 || (n > 0 && h.maxLevel < 0)) bad(`top level ${h.maxLevel}`);
  const l = idx.layout, { i32, u8 } = idx.views;
  const L0 = l.link0 >> 2, UP = l.upos >> 2, UA = l.upper >> 2;
  const list = (base: number, max: number, where: string) => {
    const c = i32[base];
    if (c < 0 || c > max) bad(`${where}: ${c} links (at most ${max})`);
    for (let j = 1; j <= c; j++) { const t = i32[base + j]; if (t < 0 || t >= n) bad(`${where}: link to slot ${t} of ${n}`); }
  };
  for (let s = 0; s < n; s++) {
    list(L0 + s * (1 + M0), M0, `slot ${s} layer 0`);
    const lev = u8[l.levels + s];
    if (lev > h.maxLevel) bad(`slot ${s} level ${lev} above the top level ${h.maxLevel}`);
    const up = i32[UP + s];
    if (lev > 0 && (up < 0 || up + lev * UB > h.upperUsed)) bad(`slot ${s} upper layers outside the arena`);
    for (let v = 1; v <= lev; v++) list(UA + up + (v - 1) * UB, M, `slot ${s} layer ${v}`);
    const deleted = (u8[l.flags + s] & 1) !== 0;
    if (deleted !== (labels[s] === -1)) bad(`slot ${s} deleted flag and id disagree`);
  }
  if (n > 0 && u8[l.levels + h.ep] !== h.maxLevel) bad('the entry point is not on the top level');
  for (const f of free) if (f < 0 || f >= n) bad(`free slot ${f}`);
}

/** The trained sq8 ranges of a header (storage 'sq8'; an empty index saved before training has none). */
function savedRanges(h: Header, source: string): { vmin: Float32Array; vdiff: Float32Array } | undefined {
  if (h.storage !== 'sq8' || (h.sq8 === undefined && h.count === 0)) return undefined;
  return readSq8State(h.sq8, h.dim, source);
}

function hex(n: number): string { return '0x' + (n >>> 0).toString(16).padStart(8, '0'); }
