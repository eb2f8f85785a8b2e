import type { DenseMatrix } from '../core/matrix.js';
import { KnnkitError } from '../core/errors.js';
import { fileError } from './errors.js';
import { openForRead } from './chunks.js';
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
  const fh = await openForRead(path);
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

type Word = Float32Array | Int32Array;
interface WordConstructor<A extends Word> { new (length: number): A; new (buffer: ArrayBuffer, byteOffset: number, length: number): A }

/**
 * Little-endian bytes -> 4-byte values: a zero-copy view on little-endian hosts, else decoded
 * through a DataView (`get`, e.g. getFloat32) into a fresh array.
 */
function fromLittleEndian<A extends Word>(bytes: Uint8Array, Ctor: WordConstructor<A>, get: (dv: DataView, off: number) => number): A {
  if (LITTLE_ENDIAN) return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length / 4);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out = new Ctor(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = get(dv, i * 4);
  return out;
}

/** Reads a .fvecs file into a dense float32 matrix. */
export async function readFvecs(path: string): Promise<DenseMatrix> {
  const { bytes, rows, cols } = await readVecs(path, 'fvecs');
  const data = fromLittleEndian(bytes, Float32Array, (dv, off) => dv.getFloat32(off, true));
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
  return { data: fromLittleEndian(bytes, Int32Array, (dv, off) => dv.getInt32(off, true)), rows, cols };
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

/** Big-endian hosts only: writes one component little-endian (a little-endian host copies bytes). */
const PUT: Record<VecsKind, (dv: DataView, off: number, v: number) => void> = {
  fvecs: (dv, off, v) => dv.setFloat32(off, v, true),
  ivecs: (dv, off, v) => dv.setInt32(off, v, true),
  bvecs: (dv, off, v) => dv.setUint8(off, v),
};

/**
 * Encodes rows as records (int32 d, then the row's d components) and writes them atomically.
 * The values' in-memory bytes are already the file's on a little-endian host (and always for
 * bytes), so each row is one byte copy.
 */
async function writeVecs(path: string, kind: VecsKind, m: { data: Float32Array | Int32Array | Uint8Array; rows: number; cols: number }): Promise<void> {
  const { rows, cols, data } = m;
  const elem = ELEM[kind];
  const rec = 4 + cols * elem;
  const out = new Uint8Array(rows * rec);
  const dv = new DataView(out.buffer);
  const raw = new Uint8Array(data.buffer, data.byteOffset, rows * cols * elem);
  for (let i = 0; i < rows; i++) {
    dv.setInt32(i * rec, cols, true);
    const off = i * rec + 4;
    if (LITTLE_ENDIAN || elem === 1) out.set(raw.subarray(i * cols * elem, (i + 1) * cols * elem), off);
    else for (let j = 0; j < cols; j++) PUT[kind](dv, off + j * elem, data[i * cols + j]);
  }
  await atomicWriteFile(path, out);
}

/** Writes a dense matrix as .fvecs (atomically). */
export async function writeFvecs(path: string, m: DenseMatrix): Promise<void> {
  checkRows('m', m);
  await writeVecs(path, 'fvecs', m);
}

/** Writes int32 rows as .ivecs (atomically). */
export async function writeIvecs(path: string, m: IntRows): Promise<void> {
  checkRows('rows', m);
  await writeVecs(path, 'ivecs', m);
}

/** Writes uint8 rows as .bvecs (atomically). */
export async function writeBvecs(path: string, m: ByteRows): Promise<void> {
  checkRows('rows', m);
  await writeVecs(path, 'bvecs', m);
}
