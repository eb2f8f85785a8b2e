import type { DenseMatrix } from '../core/matrix.js';
import { KnnkitError, invalidParam } from '../core/errors.js';
import { fileError } from './errors.js';
import { openForRead } from './chunks.js';
import { atomicWriteFile } from './atomic.js';

/**
 * NumPy .npy (format versions 1.0, 2.0 and 3.0): magic "\x93NUMPY", version, header length
 * (uint16 for 1.0, uint32 for 2.0/3.0), a Python-dict header {'descr', 'fortran_order', 'shape'}
 * padded to a multiple of 64 bytes, then the raw array. knnkit reads little-endian numeric dtypes
 * in C order, 1-D (n -> n x 1) or 2-D, into a float32 matrix; writes float32.
 */
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface NpyHeader {
  version: string;
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
}

interface DtypeInfo { size: number; read: (dv: DataView, off: number) => number }

/** Supported dtypes (the byte-order character normalised to '<'; single bytes have none). */
const DTYPES: Record<string, DtypeInfo> = {
  f2: { size: 2, read: (dv, o) => halfToFloat(dv.getUint16(o, true)) },
  f4: { size: 4, read: (dv, o) => dv.getFloat32(o, true) },
  f8: { size: 8, read: (dv, o) => dv.getFloat64(o, true) },
  i1: { size: 1, read: (dv, o) => dv.getInt8(o) },
  i2: { size: 2, read: (dv, o) => dv.getInt16(o, true) },
  i4: { size: 4, read: (dv, o) => dv.getInt32(o, true) },
  i8: { size: 8, read: (dv, o) => Number(dv.getBigInt64(o, true)) },
  u1: { size: 1, read: (dv, o) => dv.getUint8(o) },
  u2: { size: 2, read: (dv, o) => dv.getUint16(o, true) },
  u4: { size: 4, read: (dv, o) => dv.getUint32(o, true) },
  u8: { size: 8, read: (dv, o) => Number(dv.getBigUint64(o, true)) },
  b1: { size: 1, read: (dv, o) => (dv.getUint8(o) ? 1 : 0) },
};
const ACCEPTED = "'<f4', '<f8', '<f2', '<i1'/'|i1', '<i2', '<i4', '<i8', '|u1', '<u2', '<u4', '<u8', '|b1'";

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Parses the .npy preamble + header from the first bytes of a file. */
export function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  for (let i = 0; i < 6; i++) {
    if (bytes[i] !== MAGIC[i]) throw fileError(file, 'not a .npy file: missing the "\\x93NUMPY" magic at the start');
  }
  if (bytes.length < 10) throw fileError(file, 'truncated .npy header');
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) throw fileError(file, `unsupported .npy format version ${major}.${minor}; expected 1.0, 2.0 or 3.0`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw fileError(file, 'truncated .npy header');
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (bytes.length < start + hlen) throw fileError(file, `truncated .npy header: declares ${hlen} header bytes, the file has ${bytes.length - start}`);
  const raw = bytes.subarray(start, start + hlen);
  const text = major === 3 ? new TextDecoder().decode(raw) : String.fromCharCode(...raw);
  const bad = (what: string) => fileError(file, `bad .npy header (${what}): ${JSON.stringify(text.trim().slice(0, 200))}`);
  if (!/^\s*\{/.test(text)) throw bad('not a dict');
  const descrM = /['"]descr['"]\s*:\s*(['"])([^'"]*)\1/.exec(text);
  if (!descrM) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw fileError(file, `structured dtype in the .npy header; expected a plain numeric dtype (${ACCEPTED})`);
    throw bad("no 'descr'");
  }
  const fortM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortM) throw bad("no 'fortran_order'");
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeM) throw bad("no 'shape' tuple");
  const parts = shapeM[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = parts.map((s) => {
    if (!/^\d+L?$/.test(s)) throw bad(`shape entry ${JSON.stringify(s)}`);
    return Number(s.replace('L', ''));
  });
  return { version: `${major}.${minor}`, descr: descrM[2], fortranOrder: fortM[1] === 'True', shape, dataOffset: start + hlen };
}

function dtypeOf(descr: string, file: string): { key: string; info: DtypeInfo } {
  const m = /^([<>|=]?)([a-z])(\d+)$/.exec(descr);
  const key = m ? m[2] + m[3] : '';
  const info = DTYPES[key];
  if (!m || !info) throw fileError(file, `unsupported .npy dtype ${JSON.stringify(descr)}; expected one of ${ACCEPTED}`);
  const order = m[1];
  if (order === '>' && info.size > 1) {
    throw fileError(file, `big-endian .npy dtype ${JSON.stringify(descr)} is not supported; convert it with arr.astype(arr.dtype.newbyteorder('<')) before saving`);
  }
  if (order === '=' && !LITTLE_ENDIAN && info.size > 1) throw fileError(file, `native-order dtype ${JSON.stringify(descr)} on a big-endian host is not supported`);
  return { key, info };
}

export interface NpyReadOptions {
  /** Let NaN values through (for imputation); other non-finite values are still refused. */
  allowMissing?: boolean;
}

/** Reads a .npy file as a float32 matrix (1-D n -> n x 1). */
export async function readNpy(path: string, opts: NpyReadOptions = {}): Promise<DenseMatrix> {
  const fh = await openForRead(path);
  try {
    const size = (await fh.stat()).size;
    // Preamble first (magic, version, header length), then exactly the header.
    const pre = new Uint8Array(Math.min(size, 12));
    await fh.read(pre, 0, pre.length, 0);
    let headLen = pre.length;
    if (pre.length >= 10 && pre[6] === 1) headLen = 10 + (pre[8] | (pre[9] << 8));
    else if (pre.length >= 12 && (pre[6] === 2 || pre[6] === 3)) headLen = 12 + new DataView(pre.buffer).getUint32(8, true);
    const headBuf = new Uint8Array(Math.min(size, headLen));
    await fh.read(headBuf, 0, headBuf.length, 0);
    const header = parseNpyHeader(headBuf, path);
    if (header.fortranOrder) {
      throw fileError(path, "Fortran-ordered (column-major) .npy arrays are not supported; save a C-ordered array (np.save(path, np.ascontiguousarray(a)))");
    }
    const { key, info } = dtypeOf(header.descr, path);
    const shape = header.shape;
    if (shape.length < 1 || shape.length > 2) {
      throw fileError(path, `.npy array of shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}); expected a 1-D (n,) or 2-D (n, d) array`);
    }
    const rows = shape[0];
    const cols = shape.length === 2 ? shape[1] : 1;
    const count = rows * cols;
    const need = count * info.size;
    const have = size - header.dataOffset;
    if (have < need) throw fileError(path, `truncated .npy file: shape (${shape.join(', ')}) of ${header.descr} needs ${need} data bytes, the file has ${have}`);
    if (have > need) throw fileError(path, `.npy file has ${have - need} bytes after the array data (shape (${shape.join(', ')}) of ${header.descr} is ${need} bytes); the file is corrupt or not a single array`);
    const out = new Float32Array(count);
    if (key === 'f4' && LITTLE_ENDIAN) {
      // Straight into the result: no conversion pass, no second copy.
      await readFully(fh, new Uint8Array(out.buffer), header.dataOffset, path);
    } else {
      const perBatch = Math.max(1, Math.floor((1 << 22) / info.size));
      const buf = new Uint8Array(perBatch * info.size);
      const dv = new DataView(buf.buffer);
      for (let i0 = 0; i0 < count; i0 += perBatch) {
        const n = Math.min(perBatch, count - i0);
        await readFully(fh, buf.subarray(0, n * info.size), header.dataOffset + i0 * info.size, path);
        convert(dv, key, info, n, out, i0);
      }
    }
    for (let i = 0; i < count; i++) {
      const v = out[i];
      if (!Number.isFinite(v) && !(opts.allowMissing && Number.isNaN(v))) {
        throw fileError(path, `value ${v} at row ${Math.floor(i / cols)}, column ${i % cols}${Number.isNaN(v) ? '' : ' (outside the float32 range?)'}; expected finite numbers${opts.allowMissing ? ' or NaN' : ' (set allowMissing to read NaN for imputation)'}`);
      }
    }
    return { kind: 'dense', data: out, rows, cols };
  } finally {
    await fh.close();
  }
}

function convert(dv: DataView, key: string, info: DtypeInfo, n: number, out: Float32Array, at: number): void {
  if (LITTLE_ENDIAN) {
    const b = dv.buffer;
    const src =
      key === 'f8' ? new Float64Array(b, 0, n) :
      key === 'i1' ? new Int8Array(b, 0, n) :
      key === 'i2' ? new Int16Array(b, 0, n) :
      key === 'i4' ? new Int32Array(b, 0, n) :
      key === 'u1' ? new Uint8Array(b, 0, n) :
      key === 'u2' ? new Uint16Array(b, 0, n) :
      key === 'u4' ? new Uint32Array(b, 0, n) :
      key === 'f4' ? new Float32Array(b, 0, n) : null;
    if (src) { out.set(src, at); return; }
  }
  for (let i = 0; i < n; i++) out[at + i] = info.read(dv, i * info.size);
}

async function readFully(fh: import('node:fs/promises').FileHandle, dst: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < dst.length) {
    const { bytesRead } = await fh.read(dst, done, Math.min(dst.length - done, 1 << 30), position + done);
    if (bytesRead === 0) throw fileError(path, `unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

type NpyWritable = DenseMatrix | { data: Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array; rows: number; cols: number };

/** .npy bytes (format 1.0, C order, 2-D) of a matrix; the dtype follows the typed array (float32 for a DenseMatrix). */
export function encodeNpy(m: NpyWritable): Uint8Array {
  const { data, rows, cols } = m;
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0 || data.length < rows * cols) {
    throw new KnnkitError('m', `m: a ${rows} x ${cols} matrix with ${data.length} values; expected rows x cols values`);
  }
  const descr =
    data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : data instanceof Int32Array ? '<i4' :
    data instanceof Uint8Array ? '|u1' : data instanceof Int8Array ? '|i1' : data instanceof Int16Array ? '<i2' :
    data instanceof Uint16Array ? '<u2' : data instanceof Uint32Array ? '<u4' : '';
  if (!descr) throw invalidParam('m.data', data, 'a Float32Array, Float64Array or integer typed array');
  if (!LITTLE_ENDIAN) throw new KnnkitError('m', 'writing .npy on a big-endian host is not supported');
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  // numpy pads the header with spaces and a final newline so the data starts at a multiple of 64.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const v2 = total - 10 > 65535;
  const pre = v2 ? 12 : 10;
  const padded = Math.ceil((pre + dict.length + 1) / 64) * 64;
  dict = dict + ' '.repeat(padded - pre - dict.length - 1) + '\n';
  const nbytes = rows * cols * data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(padded + nbytes);
  out.set(MAGIC, 0);
  out[6] = v2 ? 2 : 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (v2) dv.setUint32(8, dict.length, true); else dv.setUint16(8, dict.length, true);
  for (let i = 0; i < dict.length; i++) out[pre + i] = dict.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, nbytes), padded);
  return out;
}

/** Writes a matrix as .npy (atomically): float32 for a DenseMatrix. */
export async function writeNpy(path: string, m: NpyWritable): Promise<void> {
  await atomicWriteFile(path, encodeNpy(m));
}
