import { KnnkitError } from '../core/errors.js';
import type { Matrix } from '../core/data.js';
import type { OnProgress } from '../core/progress.js';
import { readDataset, formatOf } from '../io/index.js';
import { firstNonBinary } from '../search/hnsw/bits.js';
import type { ParsedArgs } from './args.js';

/** Vectors of a data file (.fvecs, .npy, .csv, ...); a CSV's label column is dropped. */
export async function readVectors(path: string, label: 'auto' | 'none' | string | number = 'auto', onProgress?: OnProgress): Promise<Matrix> {
  const format = formatOf(path);
  if (format === 'ivecs') throw new KnnkitError(path, `${path}: an .ivecs file holds neighbour ids, not vectors; expected .fvecs, .npy or .csv (pass ground truth with --groundtruth)`);
  const ds = await readDataset(path, format === 'csv' || format === 'tsv' ? { label, onProgress } : { onProgress });
  return ds.X;
}

/** --label COL|none|auto for CSV inputs. */
export function labelOption(o: ParsedArgs['options']): 'auto' | 'none' | string | number {
  const v = o.label;
  if (v === undefined) return 'auto';
  if (typeof v !== 'string' || v.trim() === '') throw new KnnkitError('--label', `--label: got ${JSON.stringify(v)}; expected auto, none, a column name or a 0-based column index`);
  return /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
}

/**
 * The "bits" codec stores 0/1 vectors: checked on every input file before the build, so the
 * error names the file, the row and the column.
 */
export function checkBitsCodec(flag: string, files: [string, Matrix][]): void {
  for (const [path, m] of files) {
    const bad = m.kind === 'dense' ? firstNonBinary(m.data, m.rows, m.cols) : 0;
    if (bad >= 0) {
      const where = m.kind === 'dense' ? `row ${Math.floor(bad / m.cols)}, column ${bad % m.cols} holds ${m.data[bad]}` : 'the data are sparse';
      throw new KnnkitError(flag, `${flag}: got "bits" but ${path}: ${where}; bit-packed storage holds dense 0/1 vectors only (use --${flag === '--storage' ? 'storage' : 'codec'} f32)`);
    }
  }
}

export function checkSameDim(basePath: string, base: { cols: number }, queryPath: string, queries: Matrix): void {
  if (queries.cols !== base.cols) {
    throw new KnnkitError(queryPath, `${queryPath}: dimension mismatch: the queries have ${queries.cols} columns but the base ${basePath} has ${base.cols}`);
  }
}
