import type { Matrix } from '../core/data.js';
import { KnnkitError, describeValue } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import { metricToSpec } from '../metrics/registry.js';
import type { Metric, MetricSpec } from '../metrics/types.js';
import type { ResolvedIndexParams, WeightFunction } from './params.js';
import type { FittedIndex } from './base.js';
import { decodeBase64, encodeBase64 } from '../core/base64.js';

/**
 * Versioned JSON form of a fitted estimator:
 *   { format: 'knnkit.<Estimator>', version: 1, params, classes?, data: { X, y } }
 * X is stored exactly: dense as base64 little-endian Float32 (default) or as plain arrays
 * (`{ encoding: 'array' }`), CSR as base64 indptr / indices / values. fromJSON validates the
 * header and every field, then refits, which rebuilds the search index.
 */
export const FORMAT_VERSION = 1;

export interface SerializeOptions {
  /** 'base64' (default, compact and exact) or 'array' (readable numbers, also exact for float32). */
  encoding?: 'base64' | 'array';
}

export type EncodedMatrix =
  | { kind: 'dense'; rows: number; cols: number; dtype: 'float32'; encoding: 'base64'; data: string }
  | { kind: 'dense'; rows: number; cols: number; dtype: 'float32'; encoding: 'array'; data: number[][] }
  | { kind: 'csr'; rows: number; cols: number; encoding: 'base64'; indptr: string; indices: string; values: string };

export function header(estimator: string): { format: string; version: number } {
  return { format: `knnkit.${estimator}`, version: FORMAT_VERSION };
}

/** Checks format and version; returns the object for field access. */
export function checkHeader(json: unknown, estimator: string): Record<string, unknown> {
  if (!json || typeof json !== 'object') throw new KnnkitError('json', `json: got ${describeValue(json)}; expected an object produced by ${estimator}.toJSON()`);
  const o = json as Record<string, unknown>;
  if (o.format !== `knnkit.${estimator}`) {
    throw new KnnkitError('json.format', `json.format: got ${describeValue(o.format)}; expected "knnkit.${estimator}" (this is not a saved ${estimator})`);
  }
  if (o.version !== FORMAT_VERSION) {
    throw new KnnkitError('json.version', `json.version: got ${describeValue(o.version)}; this knnkit reads ${estimator} format version ${FORMAT_VERSION}`);
  }
  if (!o.params || typeof o.params !== 'object') throw new KnnkitError('json.params', `json.params: got ${describeValue(o.params)}; expected an object`);
  if (!o.data || typeof o.data !== 'object') throw new KnnkitError('json.data', `json.data: got ${describeValue(o.data)}; expected {X, y}`);
  return o;
}

/** What a fitted estimator saves besides its own params: its labels or targets and classes. */
export interface FitData {
  /** Classifiers: the labels as given; regressors: the targets (base64 or array per opts). */
  y?: Label[] | Float64Array;
  /** Classifiers: the sorted classes, checked against the refit on load. */
  classes?: Label[];
}

/**
 * The saved form of a fitted estimator: the header, its params followed by the index options,
 * classes (classifiers), then the training data. Keys keep this order so saved files compare
 * equal across versions of this code.
 */
export function modelJSON(estimator: string, index: FittedIndex, params: Record<string, unknown>, opts: SerializeOptions, fit: FitData = {}): Record<string, unknown> {
  const data: Record<string, unknown> = { X: encodeMatrix(index.X, opts) };
  if (fit.y !== undefined) data.y = fit.y instanceof Float64Array ? (opts.encoding === 'array' ? Array.from(fit.y) : b64(fit.y)) : fit.y;
  return {
    ...header(estimator),
    params: { ...params, ...indexParamsToJSON(index.params, index.metric) },
    ...(fit.classes === undefined ? {} : { classes: fit.classes }),
    data,
  };
}

/** A weight function is code, not data: a model using one cannot be saved. */
export function checkSerializableWeights(weights: string | WeightFunction): void {
  if (typeof weights === 'function') throw new KnnkitError('weights', 'weights: a weight function cannot be serialised; use a named weighting to save the model');
}

/**
 * The parts of a saved estimator that fromJSON refits from: its params, stored classes, the
 * decoded training matrix and the stored y (still to be decoded: labels or numbers).
 */
export function readModelJSON(json: unknown, estimator: string): { params: Record<string, unknown>; classes: unknown; X: Matrix; y: unknown } {
  const o = checkHeader(json, estimator);
  const data = o.data as Record<string, unknown>;
  return { params: o.params as Record<string, unknown>, classes: o.classes, X: decodeMatrix(data.X), y: data.y };
}

/** The index options as plain JSON (metric resolved to its spec, e.g. Mahalanobis with its VI). */
export function indexParamsToJSON(p: ResolvedIndexParams, metric: Metric | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { metric: metric ? metricToSpec(metric) : specToJSON(p.metric), algorithm: p.algorithm, leafSize: p.leafSize };
  for (const key of ['M', 'efConstruction', 'ef', 'seed'] as const) if (p[key] !== undefined) out[key] = p[key];
  return out;
}

function specToJSON(spec: MetricSpec): unknown {
  if (typeof spec === 'string') return spec;
  if (typeof (spec as Metric).reduced === 'function') return metricToSpec(spec as Metric);
  return spec;
}

export function encodeMatrix(m: Matrix, opts: SerializeOptions = {}): EncodedMatrix {
  if (m.kind === 'csr') {
    return { kind: 'csr', rows: m.rows, cols: m.cols, encoding: 'base64', indptr: b64(m.indptr), indices: b64(m.indices), values: b64(m.values) };
  }
  if (opts.encoding === 'array') {
    const rows: number[][] = [];
    for (let i = 0; i < m.rows; i++) rows.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
    return { kind: 'dense', rows: m.rows, cols: m.cols, dtype: 'float32', encoding: 'array', data: rows };
  }
  return { kind: 'dense', rows: m.rows, cols: m.cols, dtype: 'float32', encoding: 'base64', data: b64(m.data) };
}

export function decodeMatrix(e: unknown, name = 'json.data.X'): Matrix {
  if (!e || typeof e !== 'object') throw new KnnkitError(name, `${name}: got ${describeValue(e)}; expected an encoded matrix`);
  const o = e as Record<string, unknown>;
  const rows = o.rows, cols = o.cols;
  if (typeof rows !== 'number' || !Number.isInteger(rows) || rows < 1 || typeof cols !== 'number' || !Number.isInteger(cols) || cols < 1) {
    throw new KnnkitError(name, `${name}: rows/cols ${describeValue(rows)}/${describeValue(cols)}; expected positive integers`);
  }
  if (o.kind === 'dense') {
    let data: Float32Array;
    if (o.encoding === 'base64' && typeof o.data === 'string') data = fromB64(o.data, Float32Array, `${name}.data`);
    else if (o.encoding === 'array' && Array.isArray(o.data)) {
      data = new Float32Array(rows * cols);
      if (o.data.length !== rows) throw new KnnkitError(name, `${name}: ${o.data.length} rows stored; header says ${rows}`);
      o.data.forEach((r: unknown, i: number) => {
        if (!Array.isArray(r) || r.length !== cols) throw new KnnkitError(name, `${name}: row ${i} is not an array of ${cols} numbers`);
        for (let j = 0; j < cols; j++) data[i * cols + j] = r[j] as number;
      });
    } else throw new KnnkitError(name, `${name}: encoding ${describeValue(o.encoding)}; expected "base64" (string data) or "array"`);
    if (data.length !== rows * cols) throw new KnnkitError(name, `${name}: ${data.length} values; expected rows x cols = ${rows * cols}`);
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) throw new KnnkitError(name, `${name}: non-finite value at position ${i}`);
    return { kind: 'dense', data, rows, cols };
  }
  if (o.kind === 'csr') {
    if (typeof o.indptr !== 'string' || typeof o.indices !== 'string' || typeof o.values !== 'string') throw new KnnkitError(name, `${name}: CSR needs base64 indptr, indices and values`);
    const indptr = fromB64(o.indptr, Int32Array, `${name}.indptr`);
    const indices = fromB64(o.indices, Int32Array, `${name}.indices`);
    const values = fromB64(o.values, Float32Array, `${name}.values`);
    if (indptr.length !== rows + 1 || indptr[0] !== 0 || indptr[rows] !== indices.length || indices.length !== values.length) {
      throw new KnnkitError(name, `${name}: inconsistent CSR arrays (indptr ${indptr.length}, indices ${indices.length}, values ${values.length}, rows ${rows})`);
    }
    for (let i = 0; i < rows; i++) {
      if (indptr[i + 1] < indptr[i]) throw new KnnkitError(name, `${name}: indptr decreases at row ${i}`);
      for (let p = indptr[i]; p < indptr[i + 1]; p++) {
        if (indices[p] < 0 || indices[p] >= cols || (p > indptr[i] && indices[p] <= indices[p - 1])) throw new KnnkitError(name, `${name}: bad column ${indices[p]} in row ${i}`);
        if (!Number.isFinite(values[p])) throw new KnnkitError(name, `${name}: non-finite value in row ${i}`);
      }
    }
    return { kind: 'csr', indptr, indices, values, rows, cols };
  }
  throw new KnnkitError(name, `${name}: kind ${describeValue(o.kind)}; expected "dense" or "csr"`);
}

/** Labels stored as JSON values (strings and numbers keep their type). */
export function decodeLabels(y: unknown, n: number, name = 'json.data.y'): (string | number)[] {
  if (!Array.isArray(y) || y.length !== n) throw new KnnkitError(name, `${name}: expected an array of ${n} labels; got ${describeValue(y)}`);
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) throw new KnnkitError(name, `${name}: label ${describeValue(v)} at position ${i}; expected a string or a finite number`);
  }
  return y as (string | number)[];
}

export function decodeNumbers(y: unknown, n: number, name = 'json.data.y'): Float64Array {
  if (typeof y === 'string') {
    const out = fromB64(y, Float64Array, name);
    if (out.length !== n) throw new KnnkitError(name, `${name}: ${out.length} targets; expected ${n}`);
    return out;
  }
  if (!Array.isArray(y) || y.length !== n) throw new KnnkitError(name, `${name}: expected ${n} numbers; got ${describeValue(y)}`);
  const out = Float64Array.from(y as number[]);
  for (let i = 0; i < n; i++) if (!Number.isFinite(out[i]) || typeof y[i] !== 'number') throw new KnnkitError(name, `${name}: value ${describeValue(y[i])} at position ${i}; expected a finite number`);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Base64 of a typed array's bytes in little-endian order. */
export function b64(a: Float32Array | Int32Array | Float64Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const le = LITTLE_ENDIAN ? bytes : swapBytes(bytes, a.BYTES_PER_ELEMENT);
  return encodeBase64(le);
}

function fromB64<T extends Float32Array | Int32Array | Float64Array>(s: string, Ctor: { new(b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, name: string): T {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) throw new KnnkitError(name, `${name}: not valid base64`);
  const copy = decodeBase64(s);
  if (copy.length % Ctor.BYTES_PER_ELEMENT !== 0) throw new KnnkitError(name, `${name}: ${copy.length} bytes is not a whole number of ${Ctor.BYTES_PER_ELEMENT}-byte values`);
  const bytes = LITTLE_ENDIAN ? copy : swapBytes(copy, Ctor.BYTES_PER_ELEMENT);
  return new Ctor(bytes.buffer as ArrayBuffer);
}

function swapBytes(b: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(b.length);
  for (let i = 0; i < b.length; i += width) for (let j = 0; j < width; j++) out[i + j] = b[i + width - 1 - j];
  return out;
}

/** fromJSON: the stored classes must be what refitting the stored labels yields. */
export function checkClasses(stored: unknown, actual: Label[]): void {
  if (stored === undefined) return;
  if (!Array.isArray(stored) || stored.length !== actual.length || stored.some((c, i) => c !== actual[i])) {
    throw new KnnkitError('json.classes', 'json.classes: do not match the classes of the stored labels (corrupt or edited file)');
  }
}
