import type { DenseMatrix } from '../core/matrix.js';
import { invalidParam } from '../core/errors.js';
import type { Dataset, ReadOptions } from './types.js';
import { readCsv } from './csv.js';
import type { CsvOptions } from './csv.js';
import { readLibsvm } from './libsvm.js';
import { readFvecs, readIvecs, readBvecs } from './vecs.js';
import type { ByteRows, IntRows } from './vecs.js';
import { readNpy } from './npy.js';
import { readLabels, checkLabelCount } from './labels-file.js';

/** File extensions readDataset understands, by format. */
export const DATASET_EXTENSIONS = ['.csv', '.tsv', '.svm', '.libsvm', '.svmlight', '.npy', '.fvecs', '.bvecs', '.ivecs'] as const;

export type DatasetFormat = 'csv' | 'tsv' | 'libsvm' | 'npy' | 'fvecs' | 'bvecs' | 'ivecs';

/** The format of a path from its extension (case-insensitive), or undefined. */
export function formatOf(path: string): DatasetFormat | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(path);
  const ext = m ? m[1].toLowerCase() : '';
  switch (ext) {
    case 'csv': return 'csv';
    case 'tsv': return 'tsv';
    case 'svm': case 'libsvm': case 'svmlight': return 'libsvm';
    case 'npy': return 'npy';
    case 'fvecs': return 'fvecs';
    case 'bvecs': return 'bvecs';
    case 'ivecs': return 'ivecs';
    default: return undefined;
  }
}

/**
 * Reads a data set, choosing the reader by extension:
 * .csv/.tsv (dense, header, label column per `label`), .svm/.libsvm/.svmlight (CSR),
 * .npy, .fvecs, .bvecs, .ivecs (dense float32; labels from `labelsPath`).
 * CSV files also honour `header` (default true) and `delimiter` (default "," / tab for .tsv).
 */
export async function readDataset(path: string, opts: ReadOptions & Pick<CsvOptions, 'header' | 'delimiter'> = {}): Promise<Dataset> {
  if (typeof path !== 'string' || path === '') throw invalidParam('path', path, 'a file path');
  const format = formatOf(path);
  if (format === undefined) {
    throw invalidParam('path', path, `a file ending in ${DATASET_EXTENSIONS.join(', ')}`);
  }
  let ds: Dataset;
  switch (format) {
    case 'csv': ds = await readCsv(path, opts); break;
    case 'tsv': ds = await readCsv(path, { ...opts, delimiter: '\t' }); break;
    case 'libsvm': ds = await readLibsvm(path, { nFeatures: opts.nFeatures, onProgress: opts.onProgress }); break;
    case 'npy': ds = { X: await readNpy(path, { allowMissing: opts.allowMissing }), path }; break;
    case 'fvecs': ds = { X: await readFvecs(path), path }; break;
    case 'bvecs': ds = { X: asFloatMatrix(await readBvecs(path)), path }; break;
    case 'ivecs': ds = { X: asFloatMatrix(await readIvecs(path)), path }; break;
  }
  if (opts.labelsPath !== undefined) {
    if (typeof opts.labelsPath !== 'string' || opts.labelsPath === '') throw invalidParam('labelsPath', opts.labelsPath, 'a file path (one label per line)');
    const y = await readLabels(opts.labelsPath);
    checkLabelCount(opts.labelsPath, y, ds.X.rows, path);
    ds.y = y;
  }
  return ds;
}

/** Integer rows (ivecs ids, bvecs bytes) as the float32 data matrix every estimator takes. */
function asFloatMatrix(m: IntRows | ByteRows): DenseMatrix {
  return { kind: 'dense', data: Float32Array.from(m.data), rows: m.rows, cols: m.cols };
}
