import { KnnkitError } from '../core/errors.js';
import { crc32 } from '../io/crc32.js';

/**
 * The one persistence envelope of every index family (version 1, little-endian):
 *
 *   0   magic "KNNKIDX\0" (8 bytes)
 *   8   u32 envelope version
 *   12  u32 H = header length
 *   16  header: UTF-8 JSON {family, familyVersion, dim, metric, size, options, state}
 *   16+H u32 CRC-32 of the header bytes, then zero padding to a multiple of 64
 *   ... sections, each starting at a multiple of 64 (so that a typed-array view of any element
 *       type can be laid over it in place: zero-copy loading), zero padding between them
 *   trailer: UTF-8 JSON {sections: [{name, offset, bytes, crc, type}]}
 *   u32 T = trailer length, u32 CRC-32 of the trailer, magic "KNNKEND\0"
 *
 * The section table sits in a trailer so that a save streams every section once, computing its
 * CRC while writing, with no copy of the index into one buffer (a 1M-vector HNSW is 600 MB).
 */
export const ENVELOPE_MAGIC = 'KNNKIDX\0';
export const ENVELOPE_END = 'KNNKEND\0';
export const ENVELOPE_VERSION = 1;
export const SECTION_ALIGN = 64;

export type SectionType = 'u8' | 'i8' | 'u16' | 'i32' | 'u32' | 'f32' | 'f64' | 'f16';

/** A named binary part of an index. `data` is a view into the index's own memory (not a copy). */
export interface Section {
  readonly name: string;
  readonly data: ArrayBufferView;
  /**
   * Further views written right after `data` as the same section: a memory image gathered from
   * separate regions (HNSW's arena without its unused capacity), streamed without assembling it.
   */
  readonly more?: readonly ArrayBufferView[];
  /** Element type, so a loader can view the bytes without parsing. Default 'u8'. */
  readonly type?: SectionType;
}

export interface EnvelopeHeader {
  family: string;
  familyVersion: number;
  dim: number;
  metric: unknown;
  size: number;
  options: Record<string, unknown>;
  state: Record<string, unknown>;
}

interface SectionEntry { name: string; offset: number; bytes: number; crc: number; type: SectionType }

/** A parsed envelope: the header and the sections as views into the given bytes (no copy). */
export interface Envelope {
  header: EnvelopeHeader;
  version: number;
  /** Total bytes of the file. */
  bytes: number;
  section(name: string): Uint8Array;
  has(name: string): boolean;
  /** A typed view of a section (its declared type), copied only if `copy` or misaligned. */
  typed<T extends ArrayBufferView>(name: string, ctor: { new(buffer: ArrayBufferLike, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number }, copy?: boolean): T;
  sectionNames(): string[];
  /**
   * Reads a section straight into `dest` (its exact length), checking its CRC: a file envelope
   * reads from disk into the family's own memory (no buffer of the whole file).
   */
  readInto(name: string, dest: Uint8Array): void;
  /** Bytes of a section. */
  sectionBytes(name: string): number;
  /** An envelope over bytes in memory: a section's bytes where they lie (no copy). Absent for a file envelope. */
  inPlace?(name: string): Uint8Array;
  /**
   * A file envelope opened with its `path`: where a section lies in that file, so that a
   * disk-resident family (diskann) reads it positionally instead of into memory. Absent for bytes.
   */
  locate?(name: string): { path: string; offset: number; bytes: number; direct: boolean };
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const alignUp = (n: number) => Math.ceil(n / SECTION_ALIGN) * SECTION_ALIGN;

function asBytes(v: ArrayBufferView): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

/**
 * The envelope as a sequence of chunks (views of the sections, plus small framing buffers);
 * `sink` receives them in order. Used by toBytes (one buffer) and by the streamed file write.
 */
export function* envelopeChunks(header: EnvelopeHeader, sections: readonly Section[]): Generator<Uint8Array> {
  const head = enc.encode(JSON.stringify(header));
  const pre = new Uint8Array(16);
  pre.set(enc.encode(ENVELOPE_MAGIC), 0);
  const dv = new DataView(pre.buffer);
  dv.setUint32(8, ENVELOPE_VERSION, true);
  dv.setUint32(12, head.length, true);
  yield pre;
  yield head;
  yield u32(crc32(head));
  let pos = 16 + head.length + 4;
  const entries: SectionEntry[] = [];
  const seen = new Set<string>();
  for (const s of sections) {
    if (seen.has(s.name)) throw new KnnkitError('sections', `sections: duplicate section name ${JSON.stringify(s.name)}`);
    seen.add(s.name);
    const start = alignUp(pos);
    if (start > pos) yield new Uint8Array(start - pos);
    const parts = [asBytes(s.data), ...(s.more ?? []).map(asBytes)];
    let crc = 0, len = 0;
    for (const p of parts) { crc = crc32(p, crc); len += p.length; }
    entries.push({ name: s.name, offset: start, bytes: len, crc, type: s.type ?? 'u8' });
    for (const p of parts) if (p.length > 0) yield p;
    pos = start + len;
  }
  // the trailer is padded with spaces (JSON ignores them) so that the file's length is a multiple
  // of 64: a buffer holding exactly the file can then be viewed whole as any typed array
  // (HNSW's zero-copy load lays the kernel's Float32Array / Int32Array over the whole buffer)
  const raw = enc.encode(JSON.stringify({ sections: entries }));
  const pad = (SECTION_ALIGN - ((pos + raw.length + 16) % SECTION_ALIGN)) % SECTION_ALIGN;
  const trailer = new Uint8Array(raw.length + pad).fill(0x20);
  trailer.set(raw);
  yield trailer;
  const tail = new Uint8Array(16);
  const tv = new DataView(tail.buffer);
  tv.setUint32(0, trailer.length, true);
  tv.setUint32(4, crc32(trailer), true);
  tail.set(enc.encode(ENVELOPE_END), 8);
  yield tail;
}

/** The whole envelope in one buffer (browsers, `toBytes`). */
export function encodeEnvelope(header: EnvelopeHeader, sections: readonly Section[]): Uint8Array {
  const chunks = [...envelopeChunks(header, sections)];
  const out = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

/** True when the bytes start with the envelope's magic. */
export function isEnvelope(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== ENVELOPE_MAGIC.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses an envelope over `bytes` (no copy). Every CRC is checked unless `verify` is false
 * (the header and trailer are always checked): a corrupt or truncated file is refused with a
 * KnnkitError naming `source`.
 */
export function decodeEnvelope(bytes: Uint8Array, opts: { source?: string; verify?: boolean } = {}): Envelope {
  const src = opts.source ? JSON.stringify(opts.source) : 'the index bytes';
  const bad = (why: string) => new KnnkitError('index', `index: ${src} is not a valid knnkit index: ${why}`);
  if (!isEnvelope(bytes)) throw bad('missing the "KNNKIDX" magic (not a knnkit index file, or an older format)');
  if (bytes.length < 16 + 4 + 16) throw bad(`truncated (${bytes.length} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (version !== ENVELOPE_VERSION) throw bad(`envelope version ${version}; this knnkit reads version ${ENVELOPE_VERSION}`);
  for (let i = 0; i < 8; i++) if (bytes[bytes.length - 8 + i] !== ENVELOPE_END.charCodeAt(i)) throw bad('truncated (no end marker)');
  const H = dv.getUint32(12, true);
  if (16 + H + 4 > bytes.length) throw bad('truncated header');
  const headBytes = bytes.subarray(16, 16 + H);
  if (crc32(headBytes) !== dv.getUint32(16 + H, true)) throw bad('header checksum mismatch (corrupt file)');
  const T = dv.getUint32(bytes.length - 16, true);
  const tcrc = dv.getUint32(bytes.length - 12, true);
  if (T > bytes.length - 16) throw bad('truncated trailer');
  const trailer = bytes.subarray(bytes.length - 16 - T, bytes.length - 16);
  if (crc32(trailer) !== tcrc) throw bad('section table checksum mismatch (corrupt file)');
  let header: EnvelopeHeader, entries: SectionEntry[];
  try {
    header = JSON.parse(dec.decode(headBytes)) as EnvelopeHeader;
    entries = (JSON.parse(dec.decode(trailer)) as { sections: SectionEntry[] }).sections;
  } catch {
    throw bad('unreadable header');
  }
  const table = new Map<string, SectionEntry>();
  for (const e of entries) {
    if (!(e.offset >= 0 && e.offset + e.bytes <= bytes.length - 16 - T)) throw bad(`section ${JSON.stringify(e.name)} lies outside the file`);
    if ((opts.verify ?? true) && crc32(bytes.subarray(e.offset, e.offset + e.bytes)) !== e.crc) throw bad(`section ${JSON.stringify(e.name)} checksum mismatch (corrupt file)`);
    table.set(e.name, e);
  }
  const get = (name: string): SectionEntry => {
    const e = table.get(name);
    if (!e) throw bad(`missing section ${JSON.stringify(name)}`);
    return e;
  };
  return {
    header, version, bytes: bytes.length,
    has: (name) => table.has(name),
    sectionNames: () => [...table.keys()],
    section(name) { const e = get(name); return bytes.subarray(e.offset, e.offset + e.bytes); },
    inPlace(name) { const e = get(name); return bytes.subarray(e.offset, e.offset + e.bytes); },
    sectionBytes: (name) => get(name).bytes,
    readInto(name, dest) {
      const e = get(name);
      if (dest.length !== e.bytes) throw bad(`section ${JSON.stringify(name)} has ${e.bytes} bytes; ${dest.length} expected`);
      dest.set(bytes.subarray(e.offset, e.offset + e.bytes));
    },
    typed(name, ctor, copy = false) {
      const e = get(name);
      if (e.bytes % ctor.BYTES_PER_ELEMENT !== 0) throw bad(`section ${JSON.stringify(name)} has ${e.bytes} bytes, not a whole number of ${ctor.BYTES_PER_ELEMENT}-byte elements`);
      const abs = bytes.byteOffset + e.offset;
      if (!copy && abs % ctor.BYTES_PER_ELEMENT === 0) return new ctor(bytes.buffer, abs, e.bytes / ctor.BYTES_PER_ELEMENT);
      const c = new Uint8Array(e.bytes);
      c.set(bytes.subarray(e.offset, e.offset + e.bytes));
      return new ctor(c.buffer, 0, e.bytes / ctor.BYTES_PER_ELEMENT);
    },
  };
}

/** Bytes per positional read of a section (8 MiB: large reads, CRC of each chunk while cached). */
const READ_CHUNK = 8 << 20;

/** The synchronous positional read an envelope file needs (node:fs readSync), passed in so that this module stays browser-safe. */
export type ReadAt = (dest: Uint8Array, position: number) => number;

/**
 * An envelope read from a file on demand: the header and the section table are read first
 * (two small reads at the ends), each section only when a family asks for it, straight into the
 * family's memory (`readInto`) or into a fresh array of its own type (`typed`, `section`), with
 * its CRC checked. Peak memory is the index, not the index plus the file.
 */
export function openEnvelopeFile(readAt: ReadAt, size: number, opts: { source?: string; verify?: boolean; path?: string; direct?: boolean } = {}): Envelope {
  const src = opts.source ? JSON.stringify(opts.source) : 'the index file';
  const bad = (why: string) => new KnnkitError('index', `index: ${src} is not a valid knnkit index: ${why}`);
  const read = (pos: number, len: number): Uint8Array => {
    const out = new Uint8Array(len);
    let got = 0;
    while (got < len) {
      const n = readAt(out.subarray(got), pos + got);
      if (n <= 0) throw bad(`truncated (read ${got} of ${len} bytes at ${pos})`);
      got += n;
    }
    return out;
  };
  if (size < 16 + 4 + 16) throw bad(`truncated (${size} bytes)`);
  const head = read(0, 16);
  if (!isEnvelope(head)) throw bad('missing the "KNNKIDX" magic (not a knnkit index file, or an older format)');
  const hv = new DataView(head.buffer);
  const version = hv.getUint32(8, true);
  if (version !== ENVELOPE_VERSION) throw bad(`envelope version ${version}; this knnkit reads version ${ENVELOPE_VERSION}`);
  const H = hv.getUint32(12, true);
  if (16 + H + 4 > size) throw bad('truncated header');
  const hb = read(16, H + 4);
  if (crc32(hb.subarray(0, H)) !== new DataView(hb.buffer).getUint32(H, true)) throw bad('header checksum mismatch (corrupt file)');
  const tail = read(size - 16, 16);
  for (let i = 0; i < 8; i++) if (tail[8 + i] !== ENVELOPE_END.charCodeAt(i)) throw bad('truncated (no end marker)');
  const tv = new DataView(tail.buffer);
  const T = tv.getUint32(0, true);
  if (T > size - 16) throw bad('truncated trailer');
  const trailer = read(size - 16 - T, T);
  if (crc32(trailer) !== tv.getUint32(4, true)) throw bad('section table checksum mismatch (corrupt file)');
  let header: EnvelopeHeader, entries: SectionEntry[];
  try {
    header = JSON.parse(dec.decode(hb.subarray(0, H))) as EnvelopeHeader;
    entries = (JSON.parse(dec.decode(trailer)) as { sections: SectionEntry[] }).sections;
  } catch {
    throw bad('unreadable header');
  }
  const table = new Map<string, SectionEntry>();
  for (const e of entries) {
    if (!(e.offset >= 0 && e.offset + e.bytes <= size - 16 - T)) throw bad(`section ${JSON.stringify(e.name)} lies outside the file`);
    table.set(e.name, e);
  }
  const get = (name: string): SectionEntry => {
    const e = table.get(name);
    if (!e) throw bad(`missing section ${JSON.stringify(name)}`);
    return e;
  };
  const readInto = (name: string, dest: Uint8Array): void => {
    const e = get(name);
    if (dest.length !== e.bytes) throw bad(`section ${JSON.stringify(name)} has ${e.bytes} bytes; ${dest.length} expected`);
    // in chunks, each checksummed while it is still in the CPU's cache (one pass over memory,
    // and no read larger than readSync's 2 GiB limit)
    const verify = opts.verify ?? true;
    let got = 0, crc = 0;
    while (got < e.bytes) {
      const n = readAt(dest.subarray(got, Math.min(e.bytes, got + READ_CHUNK)), e.offset + got);
      if (n <= 0) throw bad(`truncated section ${JSON.stringify(name)}`);
      if (verify) crc = crc32(dest.subarray(got, got + n), crc);
      got += n;
    }
    if (verify && crc !== e.crc) throw bad(`section ${JSON.stringify(name)} checksum mismatch (corrupt file)`);
  };
  return {
    header, version, bytes: size,
    has: (name) => table.has(name),
    sectionNames: () => [...table.keys()],
    sectionBytes: (name) => get(name).bytes,
    ...(opts.path !== undefined ? { locate: (name: string) => { const e = get(name); return { path: opts.path!, offset: e.offset, bytes: e.bytes, direct: opts.direct ?? false }; } } : {}),
    readInto,
    section(name) { const out = new Uint8Array(get(name).bytes); readInto(name, out); return out; },
    typed(name, ctor) {
      const e = get(name);
      if (e.bytes % ctor.BYTES_PER_ELEMENT !== 0) throw bad(`section ${JSON.stringify(name)} has ${e.bytes} bytes, not a whole number of ${ctor.BYTES_PER_ELEMENT}-byte elements`);
      const buf = new ArrayBuffer(e.bytes);
      readInto(name, new Uint8Array(buf));
      return new ctor(buf, 0, e.bytes / ctor.BYTES_PER_ELEMENT);
    },
  };
}
