import { open } from 'node:fs/promises';
import { KnnkitError } from '../core/errors.js';
import type { Matrix } from '../core/data.js';
import type { Label } from '../core/labels.js';
import { readDataset, formatOf, type Dataset, type ReadOptions } from '../io/index.js';
import { toNumbers } from '../model-selection/scoring.js';
import type { Task } from '../model-selection/types.js';
import type { ParsedArgs } from './args.js';
import { toFiniteNumber } from '../io/grow.js';

export interface Labelled {
  ds: Dataset;
  X: Matrix;
  /** Labels (classification) or numeric targets (regression). */
  y: Label[] | Float64Array;
  /** The read options used, reused for a test file (header: false with --no-header). */
  read: ReadOptions & { header?: boolean };
}

/**
 * A header record whose every field is a number is most likely the first row of a file without
 * a header: it was read as column names (the row is not in the data). Said on stderr, with the
 * flag that reads it as data.
 */
function warnNumericHeader(path: string, ds: Dataset): void {
  const names = [...(ds.featureNames ?? []), ...(ds.labelName !== undefined ? [ds.labelName] : [])];
  if (names.length === 0 || !names.every((n) => toFiniteNumber(n) !== undefined)) return;
  const shown = names.slice(0, 6).join(', ') + (names.length > 6 ? ', ...' : '');
  console.error(`knnkit: warning: the first row of ${path} looks like data, not a header (${shown}); it was read as the column names and is not in the data; pass --no-header to read it as data`);
}

/** `--label COL`: a 0-based index when all digits, else a column name. */
export function labelOption(opts: ParsedArgs['options']): ReadOptions['label'] {
  const v = opts.label;
  if (v === undefined) return 'auto';
  if (typeof v !== 'string' || v.trim() === '') throw new KnnkitError('--label', `--label: got ${JSON.stringify(v)}; expected a column name or a 0-based column index`);
  return /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
}

/** Reads a labelled data file (training data of `evaluate` / `predict`). */
export async function loadLabelled(path: string, opts: ParsedArgs['options'], task: Task): Promise<Labelled> {
  const label = labelOption(opts);
  if (label === 'none') throw new KnnkitError('--label', '--label: "none" leaves the training data without labels; name the label column');
  const labelsPath = opts.labels === undefined ? undefined : String(opts.labels);
  const format = formatOf(path);
  if (labelsPath !== undefined && (format === 'csv' || format === 'tsv' || format === 'libsvm')) {
    throw new KnnkitError('--labels', `--labels: ${path} carries its own labels; --labels is for .npy/.fvecs/.bvecs data (use --label COL to pick a CSV column)`);
  }
  if (opts.label !== undefined && format !== 'csv' && format !== 'tsv' && format !== undefined) {
    throw new KnnkitError('--label', `--label: only CSV files have label columns; ${path} is ${format}${format === 'libsvm' ? ' (labels are the first token of each line)' : ' (use --labels FILE)'}`);
  }
  const header = opts['no-header'] !== true;
  const read: ReadOptions & { header?: boolean } = { label, ...(labelsPath !== undefined ? { labelsPath } : {}), ...(header ? {} : { header }) };
  const ds = await readDataset(path, read);
  if (header && (format === 'csv' || format === 'tsv')) warnNumericHeader(path, ds);
  if (!ds.y) {
    throw new KnnkitError('--labels', `--labels: ${path} has no labels; pass --labels FILE (one label per line)`);
  }
  const y = task === 'regression' ? toNumbers(ds.y, ds.labelName ? `${path}: column ${ds.labelName}` : `${path}: labels`) : ds.y;
  if (format === 'libsvm') read.nFeatures = ds.X.cols;
  return { ds, X: ds.X, y, read };
}

/** The header fields of a CSV/TSV file (first record; quotes honoured). */
export async function csvHeader(path: string, delimiter: string): Promise<string[]> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new KnnkitError(path, `${path}: no such file`) : e;
  });
  try {
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(1 << 16);
    let total = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, total);
      if (bytesRead === 0) break;
      const part = Buffer.from(buf.subarray(0, bytesRead));
      chunks.push(part);
      total += bytesRead;
      if (part.includes(10) || total > (64 << 20)) break;
    }
    let text = Buffer.concat(chunks).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const fields: string[] = [];
    let cur = '', quoted = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"') { if (text[i + 1] === '"') { cur += '"'; i++; } else quoted = false; } else cur += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === delimiter) { fields.push(cur.trim()); cur = ''; }
      else if (ch === '\n' || ch === '\r') break;
      else cur += ch;
    }
    fields.push(cur.trim());
    return fields;
  } finally {
    await fh.close();
  }
}

/**
 * Reads the test file of `predict` in the training data's feature space:
 * - CSV: a column named like the training label column is dropped (test files may or may not
 *   have one); if the header holds exactly the training feature names (in any order) the
 *   columns are matched by name; otherwise the widths must agree.
 * - LIBSVM: read with the training width (nFeatures), the label token is ignored.
 * - .npy/.fvecs: the widths must agree.
 */
export async function loadTest(path: string, train: Labelled): Promise<Matrix> {
  const d = train.X.cols;
  const format = formatOf(path);
  let X: Matrix;
  if ((format === 'csv' || format === 'tsv') && train.read.header === false) {
    // --no-header: both files are positional; a test row has the features, or one more field
    // where the training file had its label column
    const ds = await readDataset(path, { label: 'none', header: false });
    X = ds.X;
    const lc = labelIndex(train);
    if (X.cols === d + 1 && lc >= 0) X = dropColumn(X, lc);
  } else if (format === 'csv' || format === 'tsv') {
    const header = await csvHeader(path, format === 'tsv' ? '\t' : ',');
    const labelName = train.ds.labelName;
    const hasLabel = labelName !== undefined && header.includes(labelName);
    const ds = await readDataset(path, { label: hasLabel ? labelName : 'none' });
    warnNumericHeader(path, ds);
    X = ds.X;
    const names = ds.featureNames;
    const trainNames = train.ds.featureNames;
    if (names && trainNames) X = matchColumns(path, X, names, train, trainNames);
  } else if (format === 'libsvm') {
    const ds = await readDataset(path, { nFeatures: d });
    X = ds.X;
  } else {
    X = (await readDataset(path)).X;
  }
  if (X.cols !== d) {
    throw new KnnkitError(path, `${path}: ${X.cols} feature columns but the training data ${train.ds.path} has ${d}; expected the same features${format === 'csv' && train.ds.labelName ? ` (a label column named ${JSON.stringify(train.ds.labelName)} is dropped)` : ''}`);
  }
  return X;
}

/** The training file's label column among all its columns (no header: columns are named f0, f1, ...). */
function labelIndex(train: Labelled): number {
  const m = /^f(\d+)$/.exec(train.ds.labelName ?? '');
  return m ? Number(m[1]) : -1;
}

function dropColumn(X: Matrix, col: number): Matrix {
  if (X.kind !== 'dense') return X;
  const d = X.cols - 1;
  const data = new Float32Array(X.rows * d);
  for (let i = 0; i < X.rows; i++) {
    const src = X.data.subarray(i * X.cols, (i + 1) * X.cols);
    data.set(src.subarray(0, col), i * d);
    data.set(src.subarray(col + 1), i * d + col);
  }
  return { kind: 'dense', data, rows: X.rows, cols: d };
}

/**
 * Test columns matched to the training features by header name: the same names in another
 * order are reordered to the training order; a missing or an extra column (or a repeated
 * name) is an error naming them, rather than a silent prediction by position.
 */
function matchColumns(path: string, X: Matrix, names: string[], train: Labelled, trainNames: string[]): Matrix {
  const d = trainNames.length;
  if (names.join('\u0000') === trainNames.join('\u0000')) return X;
  const pos = new Map<string, number>();
  const repeated = new Set<string>();
  names.forEach((n, i) => { if (pos.has(n)) repeated.add(n); pos.set(n, i); });
  const trainSet = new Set(trainNames);
  const missing = trainNames.filter((n) => !pos.has(n));
  const extra = names.filter((n) => !trainSet.has(n));
  const list = (a: string[]) => a.slice(0, 8).map((n) => JSON.stringify(n)).join(', ') + (a.length > 8 ? `, ... (${a.length})` : '');
  if (repeated.size || missing.length || extra.length) {
    const parts = [
      missing.length ? `missing ${list(missing)}` : '',
      extra.length ? `extra ${list(extra)}` : '',
      repeated.size ? `repeated ${list([...repeated])}` : '',
    ].filter(Boolean).join('; ');
    const label = train.ds.labelName !== undefined ? `; a column named ${JSON.stringify(train.ds.labelName)} (the training label) is dropped` : '';
    throw new KnnkitError(path, `${path}: its columns do not match the training data ${train.ds.path}: ${parts}; expected the ${d} training feature columns in any order${label}`);
  }
  if (X.kind !== 'dense') return X;
  const order = trainNames.map((n) => pos.get(n)!);
  const data = new Float32Array(X.rows * d);
  for (let i = 0; i < X.rows; i++) for (let j = 0; j < d; j++) data[i * d + j] = X.data[i * X.cols + order[j]];
  return { kind: 'dense', data, rows: X.rows, cols: d };
}
