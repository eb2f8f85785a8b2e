import type { Matrix } from '../core/data.js';
import { KnnkitError } from '../core/errors.js';
import { LabelEncoder, type Label } from '../core/labels.js';
import { atomicWriteFile, atomicWriteFileSync } from '../io/atomic.js';
import { nodeFsSync } from '../io/node-fs.js';
import { crc32 } from '../io/crc32.js';
import type { KnnGraphClassifier, FitInfo } from './classifier.js';
import type { KnnGraphOptions } from './options.js';
import type { TrainedGraph } from './train.js';
import { HnswIndex } from '../search/hnsw/hnsw-index.js';

/**
 * Persistence of a fitted KnnGraphClassifier: the training points, the labels, the learned
 * graph (neighbours, weights, distances), the consensus labels and scores, sigma, lambda_j and
 * rho_j, and the inference index itself (an HNSW index's own file bytes, section `index`), so
 * that loading does not rebuild it. Without that section (version 1 files, toJSON, sparse data
 * whose index is the exact engine) the index is rebuilt from the points with the saved options
 * and seed: HNSW construction is deterministic, so the model answers exactly as the saved one.
 *
 * Binary layout (little-endian): magic "KNNGRAPH" (8 bytes), u32 version, u32 payload length,
 * u32 CRC-32 of the payload; payload = u32 JSON length, JSON metadata (options, classes, shapes,
 * section table), then the typed-array sections, each 8-byte aligned.
 */
export const FORMAT = 'knnkit-knn-graph';
export const VERSION = 2;
const READABLE = [1, 2];
const MAGIC = 'KNNGRAPH';
const HEADER = 20;

type Typed = Int32Array | Float32Array | Float64Array | Uint8Array;
const CTORS = { i32: Int32Array, f32: Float32Array, f64: Float64Array, u8: Uint8Array } as const;
type TypeName = keyof typeof CTORS;

function typeName(a: Typed): TypeName {
  return a instanceof Int32Array ? 'i32' : a instanceof Float32Array ? 'f32' : a instanceof Float64Array ? 'f64' : 'u8';
}

interface Meta {
  format: string; version: number; options: KnnGraphOptions; classes: Label[];
  kind: 'dense' | 'csr'; rows: number; cols: number; n: number; nClasses: number;
  sigma: number; scaleWeights: number[]; meanIterations: number; info: FitInfo;
}

function sections(c: KnnGraphClassifier, withIndex: boolean): { meta: Meta; arrays: Record<string, Typed> } {
  const { X, yIds, encoder, graph: g, info, index } = c.state();
  const arrays: Record<string, Typed> = {
    yIds, lambda: g.lambda, rho: g.rho, nbrOffsets: g.nbrOffsets, nbrIdx: g.nbrIdx, nbrW: g.nbrW, nbrDist: g.nbrDist,
    nodeLabels: g.nodeLabels, nodeScores: g.nodeScores,
  };
  if (X.kind === 'dense') arrays.data = X.data;
  else { arrays.indptr = X.indptr; arrays.indices = X.indices; arrays.values = X.values; }
  if (withIndex && index instanceof HnswIndex) arrays.index = index.toBytes();
  const options = { ...c.options } as KnnGraphOptions;
  const meta: Meta = {
    format: FORMAT, version: VERSION, options, classes: encoder.classes, kind: X.kind, rows: X.rows, cols: X.cols,
    n: g.n, nClasses: g.nClasses, sigma: g.sigma, scaleWeights: g.scaleWeights, meanIterations: g.meanIterations, info,
  };
  return { meta, arrays };
}

function rebuild(meta: Meta, arrays: Record<string, Typed>, where: string): RestoredModel {
  if (meta.format !== FORMAT) throw new KnnkitError(where, `${where}: not a knnkit kNN-Graph model (format ${JSON.stringify(meta.format)})`);
  if (!READABLE.includes(meta.version)) throw new KnnkitError(where, `${where}: model version ${meta.version}; this knnkit reads versions ${READABLE.join(' and ')}`);
  const need = (name: string, len: number, ctor: TypeName): Typed => {
    const a = arrays[name];
    if (!a || typeName(a) !== ctor || a.length !== len) throw new KnnkitError(where, `${where}: section ${name} missing or of the wrong size (corrupt model)`);
    return a;
  };
  const n = meta.n, C = meta.nClasses;
  const nbrOffsets = need('nbrOffsets', n + 1, 'i32') as Int32Array;
  const total = nbrOffsets[n];
  let X: Matrix;
  if (meta.kind === 'dense') X = { kind: 'dense', data: need('data', meta.rows * meta.cols, 'f32') as Float32Array, rows: meta.rows, cols: meta.cols };
  else {
    const indptr = need('indptr', meta.rows + 1, 'i32') as Int32Array;
    const nnz = indptr[meta.rows];
    X = { kind: 'csr', indptr, indices: need('indices', nnz, 'i32') as Int32Array, values: need('values', nnz, 'f32') as Float32Array, rows: meta.rows, cols: meta.cols };
  }
  const g: TrainedGraph = {
    n, nClasses: C, sigma: meta.sigma, scaleWeights: meta.scaleWeights, meanIterations: meta.meanIterations,
    rho: need('rho', n, 'f64') as Float64Array, lambda: need('lambda', n, 'f64') as Float64Array, nbrOffsets,
    nbrIdx: need('nbrIdx', total, 'i32') as Int32Array, nbrW: need('nbrW', total, 'f64') as Float64Array,
    nbrDist: need('nbrDist', total, 'f64') as Float64Array, nodeLabels: need('nodeLabels', n, 'i32') as Int32Array,
    nodeScores: need('nodeScores', n * C, 'f32') as Float32Array,
  };
  const yIds = need('yIds', n, 'i32') as Int32Array;
  for (let i = 0; i < n; i++) {
    if (yIds[i] < 0 || yIds[i] >= C || g.nodeLabels[i] < 0 || g.nodeLabels[i] >= C) throw new KnnkitError(where, `${where}: label id out of range at node ${i} (corrupt model)`);
  }
  for (let p = 0; p < total; p++) if (g.nbrIdx[p] < 0 || g.nbrIdx[p] >= n) throw new KnnkitError(where, `${where}: neighbour index out of range (corrupt model)`);
  // the saved inference index (its own magic, version and CRC are checked by fromBytes)
  let index: HnswIndex | undefined;
  const ib = arrays.index;
  if (ib !== undefined) {
    if (!(ib instanceof Uint8Array) || X.kind !== 'dense') throw new KnnkitError(where, `${where}: section index malformed (corrupt model)`);
    try { index = HnswIndex.fromBytes(ib, { source: `${where} (index section)` }); } catch (e) {
      throw new KnnkitError(where, `${where}: the saved inference index is unreadable: ${(e as Error).message}`);
    }
    if (index.dim !== X.cols || index.size !== n) throw new KnnkitError(where, `${where}: the saved inference index holds ${index.size} points of dimension ${index.dim}, the model ${n} of ${X.cols} (corrupt model)`);
  }
  return { options: meta.options, X, yIds, encoder: LabelEncoder.fromClasses(meta.classes), graph: g, info: meta.info, index };
}

/**
 * A decoded model: what KnnGraphClassifier.restore installs. (The classifier builds itself from
 * it, so that this module needs the class's type only: no import cycle.)
 */
export interface RestoredModel {
  options: KnnGraphOptions; X: Matrix; yIds: Int32Array; encoder: LabelEncoder; graph: TrainedGraph; info: FitInfo; index: HnswIndex | undefined;
}

/** JSON carries the points, not the index (rebuilt deterministically by fromJSON). */
export function classifierToJSON(c: KnnGraphClassifier): object {
  const { meta, arrays } = sections(c, false);
  return { ...meta, arrays: Object.fromEntries(Object.entries(arrays).map(([k, a]) => [k, { type: typeName(a), values: Array.from(a) }])) };
}

export function classifierFromJSON(json: unknown): RestoredModel {
  if (!json || typeof json !== 'object' || !('arrays' in json)) throw new KnnkitError('json', 'json: expected the object produced by KnnGraphClassifier.toJSON()');
  const j = json as Meta & { arrays: Record<string, { type: TypeName; values: number[] }> };
  const arrays: Record<string, Typed> = {};
  for (const [k, v] of Object.entries(j.arrays)) {
    const ctor = CTORS[v?.type];
    if (!ctor || !Array.isArray(v.values)) throw new KnnkitError('json', `json: section ${k} malformed`);
    arrays[k] = ctor.from(v.values);
  }
  return rebuild(j, arrays, 'json');
}

export function encode(c: KnnGraphClassifier, opts: { withIndex?: boolean } = {}): Uint8Array {
  const { meta, arrays } = sections(c, opts.withIndex ?? true);
  const table = Object.entries(arrays).map(([name, a]) => ({ name, type: typeName(a), length: a.length }));
  const json = new TextEncoder().encode(JSON.stringify({ ...meta, sections: table }));
  const align = (x: number) => (x + 7) & ~7;
  let size = align(4 + json.length);
  for (const a of Object.values(arrays)) size = align(size + a.byteLength);
  const out = new Uint8Array(HEADER + size);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, size, true);
  dv.setUint32(HEADER, json.length, true);
  out.set(json, HEADER + 4);
  let off = HEADER + align(4 + json.length);
  for (const a of Object.values(arrays)) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off = HEADER + align(off - HEADER + a.byteLength);
  }
  dv.setUint32(16, crc32(out.subarray(HEADER)), true);
  return out;
}

export function decode(bytes: Uint8Array, where = 'model'): RestoredModel {
  const corrupt = (why: string) => new KnnkitError(where, `${where}: corrupt or truncated kNN-Graph model (${why})`);
  if (bytes.length < HEADER + 4) throw corrupt('file too short');
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) throw new KnnkitError(where, `${where}: not a knnkit kNN-Graph model (bad magic)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getUint32(8, true);
  if (!READABLE.includes(version)) throw new KnnkitError(where, `${where}: model version ${version}; this knnkit reads versions ${READABLE.join(' and ')}`);
  const size = dv.getUint32(12, true);
  if (bytes.length !== HEADER + size) throw corrupt(`expected ${HEADER + size} bytes, found ${bytes.length}`);
  if (crc32(bytes.subarray(HEADER)) !== dv.getUint32(16, true)) throw corrupt('CRC-32 mismatch');
  const jsonLen = dv.getUint32(HEADER, true);
  if (4 + jsonLen > size) throw corrupt('metadata length');
  let meta: Meta & { sections: Array<{ name: string; type: TypeName; length: number }> };
  try { meta = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER + 4, HEADER + 4 + jsonLen))); } catch { throw corrupt('metadata'); }
  const align = (x: number) => (x + 7) & ~7;
  let off = align(4 + jsonLen);
  const arrays: Record<string, Typed> = {};
  for (const s of meta.sections ?? []) {
    const ctor = CTORS[s.type];
    if (!ctor) throw corrupt(`section ${s.name} type`);
    const nbytes = s.length * ctor.BYTES_PER_ELEMENT;
    if (off + nbytes > size) throw corrupt(`section ${s.name} past the end`);
    // copy into an aligned buffer (the file's buffer may not be aligned for the element type)
    const copy = new Uint8Array(nbytes);
    copy.set(bytes.subarray(HEADER + off, HEADER + off + nbytes));
    arrays[s.name] = new ctor(copy.buffer);
    off = align(off + nbytes);
  }
  return rebuild(meta, arrays, where);
}

export async function saveClassifier(c: KnnGraphClassifier, path: string): Promise<void> {
  await atomicWriteFile(path, encode(c));
}
export function saveClassifierSync(c: KnnGraphClassifier, path: string): void {
  atomicWriteFileSync(path, encode(c));
}
// node:fs is reached at call time (see io/node-fs.ts): this module loads in a browser too
export async function loadClassifier(path: string): Promise<RestoredModel> {
  const { readFile } = await import('node:fs/promises');
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(await readFile(path)); } catch (e) { throw unreadable(path, e); }
  return decode(bytes, path);
}
export function loadClassifierSync(path: string): RestoredModel {
  const { readFileSync } = nodeFsSync();
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(readFileSync(path)); } catch (e) { throw unreadable(path, e); }
  return decode(bytes, path);
}
function unreadable(path: string, e: unknown): KnnkitError {
  return new KnnkitError('path', `path: cannot read ${JSON.stringify(path)}: ${(e as Error).message}`);
}
