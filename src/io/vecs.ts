import { open } from 'node:fs/promises';
import type { DenseMatrix } from '../core/matrix.js';
import { KnnkitError } from '../core/errors.js';
import { fileError, wrapFsError } from './errors.js';
import { atomicWriteFile } from './atomic.js';

/**
 * The ANN-benchmark vector formats (TEXMEX / ann-benchmarks): each vector is a little-endian
 * int32 dimension d followed by d values: float32 (.fvecs), int32 (.ivecs, e.g. ground-truth
 * neighbour ids) or uint8 (.bvecs). Every record must repeat the same d.
 */
export type VecsKind = 'fvecs' | 'ivecs' | 'bvecs';

export interface IntRows { data: Int32Array; rows: number; cols: number }
export interface ByteRows { data: Uint8Array; rows: number; cols: number }

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const ELEM: Record<VecsKind, number> = { fvecs: 4, ivecs: 4, bvecs: 1 };
/** Records are read in batches of about this many bytes. */
const BATCH_BYTES = 1 << 22;

async function readVecs(path: string, kind: VecsKind): Promise<{ bytes: Uint8Array; rows: number; cols: number }> {
  let fh;
  try { fh = await open(path, 'r'); } catch (e) { throw wrapFsError(path, e); }
  try {
    const size = (await fh.stat()).size;
    if (size === 0) return { bytes: new Uint8Array(0), rows: 0, cols: 0 };
    if (size < 4) throw fileError(path, `truncated ${kind} file: ${size} bytes, less than the 4-byte dimension of vector 0`);
    const head = new Uint8Array(4);
    await fh.read(head, 0, 4, 0);
    const d = new DataView(head.buffer).getInt32(0, true);
    const elem = ELEM[kind];
    if (d < 1 || 4 + d * elem > size) {
      throw fileError(path, `vector 0 declares dimension ${d}; expected an integer in [1, ${Math.floor((size - 4) / elem)}] (the file has ${size} bytes). Is this really a little-endian .${kind} file?`);
    }
    const rec = 4 + d * elem;
    const rows = Math.floor(size / rec);
    const out = new Uint8Array(rows * d * elem);
    const perBatch = Math.max(1, Math.floor(BATCH_BYTES / rec));
    const buf = new Uint8Array(perBatch * rec);
    const view = new DataView(buf.buffer);
    for (let r0 = 0; r0 < rows; r0 += perBatch) {
      const n = Math.min(perBatch, rows - r0);
      const { bytesRead } = await fh.read(buf, 0, n * rec, r0 * rec);
      if (bytesRead !== n * rec) throw fileError(path, `short read at vector ${r0} (the file changed while being read?)`);
      for (let k = 0; k < n; k++) {
        const dk = view.getInt32(k * rec, true);
        if (dk !== d) {
          throw fileError(path, `vector ${r0 + k} (0-based, at byte ${(r0 + k) * rec}) declares dimension ${dk} but vector 0 declares ${d}; every vector of a .${kind} file must have the same dimension`);
        }
        out.set(buf.subarray(k * rec + 4, (k + 1) * rec), (r0 + k) * d * elem);
      }
    }
    const rest = size - rows * rec;
    if (rest !== 0) {
      throw fileError(path, `truncated ${kind} file: vector ${rows} (0-based) is incomplete, ${rest} of ${rec} bytes (4 + ${d} x ${elem}); ${size} bytes is not a multiple of the record size`);
    }
    return { bytes: out, rows, cols: d };
  } finally {
    await fh.close();
  }
}

/** Little-endian bytes -> typed values (a zero-copy view on little-endian hosts). */
function asFloat32(bytes: Uint8Array): Float32Array {
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

function asInt32(bytes: Uint8Array): Int32Array {
  if (LITTLE_ENDIAN) return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Int32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getInt32(i * 4, true);
  return out;
}

/** Reads a .fvecs file into a dense float32 matrix. */
export async function readFvecs(path: string): Promise<DenseMatrix> {
  const { bytes, rows, cols } = await readVecs(path, 'fvecs');
  const data = asFloat32(bytes);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw fileError(path, `vector ${Math.floor(i / cols)} (0-based), component ${i % cols} is ${data[i]}; expected finite float32 values`);
    }
  }
  return { kind: 'dense', data, rows, cols };
}

/** Reads a .ivecs file (e.g. ground-truth neighbour ids) as int32 rows. */
export async function readIvecs(path: string): Promise<IntRows> {
  const { bytes, rows, cols } = await readVecs(path, 'ivecs');
  return { data: asInt32(bytes), rows, cols };
}

/** Reads a .bvecs file (uint8 components, e.g. SIFT1B) as byte rows. */
export async function readBvecs(path: string): Promise<ByteRows> {
  const { bytes, rows, cols } = await readVecs(path, 'bvecs');
  return { data: bytes, rows, cols };
}

function checkRows(param: string, m: { data: ArrayLike<number>; rows: number; cols: number }): void {
  if (!Number.isInteger(m.rows) || m.rows < 0 || !Number.isInteger(m.cols) || m.cols < 1 || m.data.length < m.rows * m.cols) {
    throw new KnnkitError(param, `${param}: a ${m.rows} x ${m.cols} matrix with ${m.data.length} values; expected rows >= 0, cols >= 1 and rows x cols values`);
  }
}

function encodeVecs(rows: number, cols: number, elem: number, write: (dv: DataView, off: number, i: number) => void): Uint8Array {
  const rec = 4 + cols * elem;
  const out = new Uint8Array(rows * rec);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < rows; i++) {
    dv.setInt32(i * rec, cols, true);
    write(dv, i * rec + 4, i);
  }
  return out;
}

/** Writes a dense matrix as .fvecs (atomically). */
export async function writeFvecs(path: string, m: DenseMatrix): Promise<void> {
  checkRows('m', m);
  const { rows, cols, data } = m;
  const bytes = encodeVecs(rows, cols, 4, (dv, off, i) => {
    if (LITTLE_ENDIAN) new Uint8Array(dv.buffer, off, cols * 4).set(new Uint8Array(data.buffer, data.byteOffset + i * cols * 4, cols * 4));
    else for (let j = 0; j < cols; j++) dv.setFloat32(off + j * 4, data[i * cols + j], true);
  });
  await atomicWriteFile(path, bytes);
}

/** Writes int32 rows as .ivecs (atomically). */
export async function writeIvecs(path: string, m: IntRows): Promise<void> {
  checkRows('rows', m);
  const { rows, cols, data } = m;
  const bytes = encodeVecs(rows, cols, 4, (dv, off, i) => {
    if (LITTLE_ENDIAN) new Uint8Array(dv.buffer, off, cols * 4).set(new Uint8Array(data.buffer, data.byteOffset + i * cols * 4, cols * 4));
    else for (let j = 0; j < cols; j++) dv.setInt32(off + j * 4, data[i * cols + j], true);
  });
  await atomicWriteFile(path, bytes);
}

/** Writes uint8 rows as .bvecs (atomically). */
export async function writeBvecs(path: string, m: ByteRows): Promise<void> {
  checkRows('rows', m);
  const { rows, cols, data } = m;
  const bytes = encodeVecs(rows, cols, 1, (dv, off, i) => {
    new Uint8Array(dv.buffer, off, cols).set(data.subarray(i * cols, (i + 1) * cols));
  });
  await atomicWriteFile(path, bytes);
}
