import { KnnkitError, invalidParam } from './errors.js';

/**
 * A dense row-major matrix: row i occupies data[i * cols, (i + 1) * cols).
 * Every engine and estimator works on this one layout (FAISS-style flat buffers); other shapes
 * are normalised once, at the API boundary, by `toDense`.
 */
export interface DenseMatrix {
  readonly kind: 'dense';
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** Builds a DenseMatrix view over an existing Float32Array (no copy). */
export function denseMatrix(data: Float32Array, rows: number, cols: number): DenseMatrix {
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0 || data.length < rows * cols) {
    throw new KnnkitError('data', `data: a ${rows} x ${cols} matrix needs ${rows * cols} values; got ${data.length}`);
  }
  return { kind: 'dense', data: data.length === rows * cols ? data : data.subarray(0, rows * cols), rows, cols };
}

export function zerosMatrix(rows: number, cols: number): DenseMatrix {
  return { kind: 'dense', data: new Float32Array(rows * cols), rows, cols };
}

/** What the public API accepts where a dense matrix is expected. */
export type DenseInput =
  | DenseMatrix
  | readonly (readonly number[])[]
  | readonly Float32Array[]
  | readonly Float64Array[]
  | { data: Float32Array | Float64Array | readonly number[]; rows: number; cols: number };

export interface ToDenseOptions {
  /** Parameter name used in error messages (default "X"). */
  name?: string;
  /** Allow NaN entries (only where a missing-value imputer consumes them). Default false. */
  allowNaN?: boolean;
  /** Allow zero rows. Default false: an empty data set is an error. */
  allowEmpty?: boolean;
  /** Required number of columns (dimension mismatch is an error naming both sizes). */
  cols?: number;
  /**
   * Always return a fresh copy even if the input is already a DenseMatrix, except for a matrix
   * knnkit handed over to its consumer (handOver): that one is taken as is, once.
   */
  copy?: boolean;
}

/**
 * True when no value of `data` is NaN or +-Infinity. A float32 is not finite exactly when its 8
 * exponent bits are all set; adding 1 to that field then carries into the sign bit, so OR-ing
 * (bits & EXP) + EXP_ONE over the array leaves the sign bit set iff some value is not finite.
 * Integer ops, no branch per value, unrolled by 4: about twice as fast as comparing the floats
 * (validation is a full pass over every batch of queries, e.g. before an HNSW search).
 */
function allFiniteF32(data: Float32Array): boolean {
  const u = new Int32Array(data.buffer, data.byteOffset, data.length);
  const EXP = 0x7f800000, ONE = 0x00800000, n = u.length, n4 = n & ~3;
  let acc = 0, i = 0;
  for (; i < n4; i += 4) {
    acc |= ((u[i] & EXP) + ONE) | ((u[i + 1] & EXP) + ONE) | ((u[i + 2] & EXP) + ONE) | ((u[i + 3] & EXP) + ONE);
  }
  for (; i < n; i++) acc |= (u[i] & EXP) + ONE;
  return acc >= 0;
}

/**
 * Matrices this module has already checked (finite values, shape): inner layers receive them
 * from the public boundary and must not scan them again. Only objects made here are trusted, so
 * a caller's own object is always checked once.
 */
const VALIDATED = new WeakSet<DenseMatrix>();
let scans = 0;
/**
 * Matrices knnkit made for exactly one consumer (a cross-validation fold's training rows): a
 * defensive `copy: true` would copy a copy nobody else holds, so the first such conversion
 * takes the matrix itself and uses the mark up.
 */
const HANDED_OVER = new WeakSet<DenseMatrix>();

/** @internal NaN/Infinity scans run so far (the test that each public call scans its input once). */
export function finiteScans(): number { return scans; }

function checkFinite(data: ArrayLike<number>, cols: number, name: string, allowNaN: boolean): void {
  scans++;
  // the common Float32Array case is scanned on the bit patterns; the generic loop below then
  // only runs to name the offending value
  if (data instanceof Float32Array && !allowNaN && allFiniteF32(data)) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      if (allowNaN && Number.isNaN(v)) continue;
      const r = cols > 0 ? Math.floor(i / cols) : 0;
      const c = cols > 0 ? i % cols : 0;
      throw new KnnkitError(name, `${name}: value ${v} at row ${r}, column ${c}; expected finite numbers${allowNaN ? ' or NaN' : ' (no NaN or Infinity)'}`);
    }
  }
}

/**
 * Normalises any accepted dense input into a validated DenseMatrix (Float32, row-major).
 * Checks: rectangular rows, finite values, non-empty, expected dimension.
 * A DenseMatrix input is validated but not copied unless `copy` is set.
 */
export function toDense(input: DenseInput | unknown, opts: ToDenseOptions = {}): DenseMatrix {
  const name = opts.name ?? 'X';
  let m: DenseMatrix;
  if (input && typeof input === 'object' && (input as DenseMatrix).kind === 'dense') {
    const d = input as DenseMatrix;
    const fits = VALIDATED.has(d) && (opts.cols === undefined || opts.cols === d.cols) && (opts.allowEmpty || d.rows > 0);
    if (fits && (!opts.copy || HANDED_OVER.delete(d))) return d;
    // a copy of checked values needs no second scan
    if (fits) return markValidated({ kind: 'dense', data: d.data.slice(0, d.rows * d.cols), rows: d.rows, cols: d.cols });
    if (!(d.data instanceof Float32Array)) throw invalidParam(name, input, 'a DenseMatrix with a Float32Array data');
    m = opts.copy ? { kind: 'dense', data: d.data.slice(0, d.rows * d.cols), rows: d.rows, cols: d.cols } : denseMatrix(d.data, d.rows, d.cols);
  } else if (Array.isArray(input)) {
    const rows = input.length;
    const first = rows > 0 ? (input[0] as ArrayLike<number>) : undefined;
    if (rows > 0 && (first == null || typeof first !== 'object' || typeof (first as ArrayLike<number>).length !== 'number')) {
      throw invalidParam(name, input, 'a 2-D array (array of rows), a DenseMatrix or {data, rows, cols}');
    }
    const cols = first ? first.length : (opts.cols ?? 0);
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = input[i] as ArrayLike<number>;
      if (row == null || typeof row !== 'object' || row.length !== cols) {
        throw new KnnkitError(name, `${name}: row ${i} has ${row == null ? 'no' : (row as ArrayLike<number>).length ?? 'no'} values but row 0 has ${cols}; rows must all have the same length (ragged input)`);
      }
      for (let j = 0; j < cols; j++) {
        const v = row[j];
        if (typeof v !== 'number') throw new KnnkitError(name, `${name}: value ${describe(v)} at row ${i}, column ${j} is not a number`);
        data[i * cols + j] = v;
      }
    }
    m = { kind: 'dense', data, rows, cols };
  } else if (input && typeof input === 'object' && 'data' in input && 'rows' in input && 'cols' in input) {
    const o = input as { data: ArrayLike<number>; rows: number; cols: number };
    if (!Number.isInteger(o.rows) || o.rows < 0 || !Number.isInteger(o.cols) || o.cols < 0) {
      throw invalidParam(`${name}.rows/cols`, [o.rows, o.cols], 'non-negative integers');
    }
    if (o.data.length !== o.rows * o.cols) {
      throw new KnnkitError(name, `${name}: data has ${o.data.length} values but rows x cols = ${o.rows} x ${o.cols} = ${o.rows * o.cols}`);
    }
    const data = o.data instanceof Float32Array && !opts.copy ? o.data : Float32Array.from(o.data);
    m = { kind: 'dense', data, rows: o.rows, cols: o.cols };
  } else {
    throw invalidParam(name, input, 'a 2-D array (array of rows), a DenseMatrix or {data, rows, cols}');
  }
  if (!opts.allowEmpty && m.rows === 0) throw new KnnkitError(name, `${name}: empty data (0 rows); expected at least one row`);
  if (m.rows > 0 && m.cols === 0) throw new KnnkitError(name, `${name}: rows have 0 columns; expected at least one feature`);
  if (opts.cols !== undefined && m.cols !== opts.cols) {
    throw new KnnkitError(name, `${name}: dimension mismatch: rows have ${m.cols} columns but ${opts.cols} were expected (the dimension of the fitted data)`);
  }
  checkFinite(m.data, m.cols, name, opts.allowNaN ?? false);
  if (!opts.allowNaN) VALIDATED.add(m);
  return m;
}

function describe(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** @internal Marks a matrix made by knnkit from validated parts (no re-scan downstream). */
export function markValidated(m: DenseMatrix): DenseMatrix {
  VALIDATED.add(m);
  return m;
}

/**
 * @internal Marks a matrix that its maker gives away (it keeps no reference it will write
 * through): the next `copy: true` conversion of it takes it as is instead of copying it.
 */
export function handOver<M extends DenseMatrix>(m: M): M {
  HANDED_OVER.add(m);
  return m;
}

/** Rows [start, end) as a matrix view (no copy), trusted as its parent is (no re-scan). */
export function rowsView(m: DenseMatrix, start: number, end: number): DenseMatrix {
  const v: DenseMatrix = { kind: 'dense', data: m.data.subarray(start * m.cols, end * m.cols), rows: end - start, cols: m.cols };
  if (VALIDATED.has(m)) VALIDATED.add(v);
  return v;
}

/** Row i as a subarray view (no copy). */
export function rowView(m: DenseMatrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Copies the selected rows into a new matrix (used for CV folds and subsets). */
export function takeRows(m: DenseMatrix, rows: ArrayLike<number>): DenseMatrix {
  const out = new Float32Array(rows.length * m.cols);
  const d = m.cols, src = m.data;
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i] * d, (rows[i] + 1) * d), i * d);
  const t: DenseMatrix = { kind: 'dense', data: out, rows: rows.length, cols: d };
  // rows of a checked matrix need no second NaN/Infinity scan
  if (VALIDATED.has(m)) VALIDATED.add(t);
  return t;
}

/** Converts to an array of plain number rows (for JSON output and tests). */
export function toArray(m: DenseMatrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(rowView(m, i)));
  return out;
}
