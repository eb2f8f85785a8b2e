import type { Matrix, MatrixInput } from '../core/data.js';
import type { Label } from '../core/labels.js';
import { KnnkitError } from '../core/errors.js';

/**
 * A fitted data transformation (scikit-learn's transformer protocol in camelCase). Dense input
 * comes back as a DenseMatrix; transformers that keep sparsity (Normalizer, StandardScaler
 * without centering) return CSR for CSR input.
 */
export interface Transformer {
  fit(X: MatrixInput, y?: ArrayLike<Label>): this;
  transform(X: MatrixInput): Matrix;
  fitTransform(X: MatrixInput, y?: ArrayLike<Label>): Matrix;
  toJSON(): SerializedTransformer;
}

/** Saved state: `format` is "knnkit.<Class>" (the estimators' convention), `version` the layout version. */
export interface SerializedTransformer { format: string; version: number; [key: string]: unknown }

/** The envelope of a saved transformer of class `type`. */
export function envelope(type: string): { format: string; version: number } {
  return { format: 'knnkit.' + type, version: SERIAL_VERSION };
}

export const SERIAL_VERSION = 1;

/** Checks the envelope of a serialised transformer and returns it typed. */
export function checkSerialized(json: unknown, type: string): SerializedTransformer {
  const j = json as SerializedTransformer;
  if (!j || typeof j !== 'object' || j.format !== 'knnkit.' + type) {
    throw new KnnkitError('json', `json: expected a serialised ${type} ({format: "knnkit.${type}", version: ${SERIAL_VERSION}, ...}); got format ${JSON.stringify(j && (j as { format?: unknown }).format)}`);
  }
  if (j.version !== SERIAL_VERSION) {
    throw new KnnkitError('json', `json: ${type} version ${JSON.stringify(j.version)} is not supported; expected ${SERIAL_VERSION}`);
  }
  return j;
}

/** Reads a numeric array field of serialised state, checking length and finiteness. */
export function numberArray(j: SerializedTransformer, field: string, length?: number): Float64Array {
  const v = j[field];
  if (!Array.isArray(v) || (length !== undefined && v.length !== length) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw new KnnkitError('json', `json: ${j.format}.${field} must be an array of${length !== undefined ? ' ' + length : ''} finite numbers`);
  }
  return Float64Array.from(v as number[]);
}

export function notFitted(type: string, verb: string): KnnkitError {
  return new KnnkitError(type, `${type}: ${verb} called before fit; fit the transformer first`);
}
