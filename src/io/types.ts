import type { OnProgress } from '../core/progress.js';
import type { Matrix } from '../core/data.js';
import type { Label } from '../core/labels.js';

/** What every reader returns: the feature matrix, optional labels, and where it came from. */
export interface Dataset {
  X: Matrix;
  y?: Label[];
  featureNames?: string[];
  labelName?: string;
  path: string;
}

export interface ReadOptions {
  /** Progress of a streamed read (CSV, LIBSVM: phase "read <file>", bytes read of the file's size). */
  onProgress?: OnProgress;
  /**
   * CSV label column: 'auto' (default) = the column named "label" if present, else the last
   * column; 'none' = every column is a feature; a header name or a 0-based index picks it.
   */
  label?: 'auto' | 'none' | string | number;
  /**
   * Labels file (one label per line) for .fvecs / .bvecs / .ivecs / .npy data. Given for a CSV or
   * LIBSVM file it replaces the file's own labels (for CSV, combine it with label: 'none').
   */
  labelsPath?: string;
  /** LIBSVM: matrix width (>= the largest index); test files must use the training width. */
  nFeatures?: number;
  /** CSV: empty field, NaN, ?, NA -> NaN (only for imputation). Default: an error naming file:line:column. */
  allowMissing?: boolean;
}
