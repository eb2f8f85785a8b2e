import type { OnProgress } from '../core/progress.js';
import type { CsrMatrix } from '../core/sparse.js';
import type { Label } from '../core/labels.js';
import { KnnkitError, invalidParam } from '../core/errors.js';
import type { Dataset } from './types.js';
import { fileError, quoteToken } from './errors.js';
import { GrowableFloat32, GrowableInt32, LabelColumn } from './grow.js';
import { parseFloat32, parseIntBytes } from './parse-number.js';
import { decodeUtf8, formatFloat32 } from './text.js';
import { LineSplitter } from './lines.js';
import { fileChunks, fileSize, readProgress } from './chunks.js';
import { atomicWriteFile } from './atomic.js';

export interface LibsvmOptions {
  /** Progress of readLibsvm (phase "read <file>", bytes read of the file's size). */
  onProgress?: OnProgress;
  /** Matrix width; must be >= the largest index in the file. Default: the largest index. */
  nFeatures?: number;
}

const SPACE = 32;
const TAB = 9;
const COLON = 58;
const HASH = 35;

/**
 * Incremental LIBSVM / SVMlight parser: `label idx:val idx:val ... [# comment]`, 1-based
 * ascending indices, optional `qid:n` tokens (ignored), blank and comment-only lines skipped.
 * Builds a CSR matrix (float32 values) without materialising lines.
 */
export class LibsvmParser {
  private readonly indptr = new GrowableInt32(1024);
  private readonly indices = new GrowableInt32(1 << 14);
  private readonly values = new GrowableFloat32(1 << 14);
  private readonly labels = new LabelColumn();
  private readonly splitter: LineSplitter;
  private maxIndex = 0;
  private maxIndexLine = 0;
  private rows = 0;
  private bytesSeen = 0;
  private estimated = false;

  /** `sizeHint`: the file size, to size the CSR arrays after the first chunk (no doubling copies). */
  constructor(readonly file: string, private readonly opts: LibsvmOptions = {}, private readonly sizeHint = 0) {
    if (opts.nFeatures !== undefined && (!Number.isInteger(opts.nFeatures) || opts.nFeatures < 1)) {
      throw invalidParam('nFeatures', opts.nFeatures, 'an integer >= 1 (the matrix width, >= the largest feature index)');
    }
    this.indptr.push(0);
    this.splitter = new LineSplitter((b, s, e, l) => this.line(b, s, e, l));
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
    if (!this.estimated && this.sizeHint > 0 && this.rows > 0 && this.bytesSeen > 0) {
      this.estimated = true;
      const scale = (this.sizeHint / this.bytesSeen) * 1.02;
      const nnz = Math.ceil(this.indices.length * scale) + 64;
      this.indices.ensure(nnz);
      this.values.ensure(nnz);
      this.indptr.ensure(Math.ceil(this.rows * scale) + 64);
    }
  }

  finish(): Dataset {
    this.splitter.finish();
    if (this.rows === 0) throw fileError(this.file, 'no data rows; expected LIBSVM lines "label index:value ..."');
    const nf = this.opts.nFeatures;
    if (nf !== undefined && nf < this.maxIndex) {
      throw new KnnkitError('nFeatures', `nFeatures: got ${nf} but ${this.file}:${this.maxIndexLine} has feature index ${this.maxIndex}; expected nFeatures >= ${this.maxIndex} (use the training data's width)`);
    }
    const cols = Math.max(nf ?? 0, this.maxIndex);
    const X: CsrMatrix = {
      kind: 'csr',
      indptr: this.indptr.finish(),
      indices: this.indices.finish(),
      values: this.values.finish(),
      rows: this.rows,
      cols,
    };
    return { X, y: this.labels.labels(), path: this.file };
  }

  private line(buf: Uint8Array, start: number, end: number, line: number): void {
    this.bytesSeen += end - start + 1;
    // Comments: everything after '#'.
    for (let k = start; k < end; k++) if (buf[k] === HASH) { end = k; break; }
    let p = start;
    while (p < end && (buf[p] === SPACE || buf[p] === TAB)) p++;
    if (p >= end) return;
    let q = p;
    while (q < end && buf[q] !== SPACE && buf[q] !== TAB) q++;
    for (let k = p; k < q; k++) {
      if (buf[k] === COLON) throw fileError(this.file, `the line starts with ${quoteToken(decodeUtf8(buf, p, q))}, an index:value pair; every line must start with its label`, line, p - start + 1);
    }
    this.labels.push(decodeUtf8(buf, p, q));
    let prev = 0;
    const indices = this.indices;
    const values = this.values;
    p = q;
    for (;;) {
      while (p < end && (buf[p] === SPACE || buf[p] === TAB)) p++;
      if (p >= end) break;
      q = p;
      let colon = -1;
      while (q < end && buf[q] !== SPACE && buf[q] !== TAB) { if (buf[q] === COLON && colon < 0) colon = q; q++; }
      const col = p - start + 1;
      if (colon < 0) throw fileError(this.file, `${quoteToken(decodeUtf8(buf, p, q))} is not an index:value pair`, line, col);
      if (colon - p === 3 && buf[p] === 113 && buf[p + 1] === 105 && buf[p + 2] === 100) { p = q; continue; } // qid:n
      const idx = parseIntBytes(buf, p, colon);
      if (!(idx >= 1) || idx > 2 ** 31 - 1) {
        const tok = decodeUtf8(buf, p, colon);
        throw fileError(this.file, idx === 0 || idx < 0
          ? `feature index ${tok}; LIBSVM indices are 1-based (>= 1)`
          : `feature index ${quoteToken(tok)} is not an integer >= 1`, line, col);
      }
      if (idx <= prev) throw fileError(this.file, `feature index ${idx} after ${prev}; indices must be strictly ascending within a line`, line, col);
      const v = parseFloat32(buf, colon + 1, q);
      if (!Number.isFinite(v)) {
        const tok = decodeUtf8(buf, colon + 1, q);
        throw fileError(this.file, v !== v ? `${quoteToken(tok)} is not a number (feature ${idx})` : `${quoteToken(tok)} is outside the float32 range (feature ${idx})`, line, colon + 1 - start + 1);
      }
      indices.push(idx - 1);
      values.push(v);
      prev = idx;
      p = q;
    }
    if (prev > this.maxIndex) { this.maxIndex = prev; this.maxIndexLine = line; }
    if (indices.length > 2 ** 31 - 1) throw fileError(this.file, 'more than 2^31 - 1 non-zeros; too large for an Int32 CSR matrix', line);
    this.indptr.push(indices.length);
    this.rows++;
  }
}

/** Reads a LIBSVM/SVMlight file into a CSR matrix, streaming it in chunks. */
export async function readLibsvm(path: string, opts: LibsvmOptions = {}): Promise<Dataset> {
  const size = await fileSize(path);
  const parser = new LibsvmParser(path, opts, size);
  const report = readProgress(path, size, opts.onProgress);
  for await (const chunk of fileChunks(path)) { parser.push(chunk); report(chunk.length); }
  return parser.finish();
}

/** Parses LIBSVM text held in memory. */
export function readLibsvmText(text: string, opts: LibsvmOptions = {}, name = '<libsvm>'): Dataset {
  const parser = new LibsvmParser(name, opts);
  parser.push(new TextEncoder().encode(text));
  return parser.finish();
}

/** LIBSVM text of a CSR matrix with labels (1-based indices, explicit zeros dropped). */
export function formatLibsvm(X: CsrMatrix, y: ArrayLike<Label>): string {
  if (y.length !== X.rows) throw new KnnkitError('y', `y: ${y.length} labels for ${X.rows} rows; expected one label per row`);
  const lines: string[] = [];
  for (let i = 0; i < X.rows; i++) {
    const label = String(y[i]);
    if (label === '' || /[\s#]/.test(label)) throw invalidParam(`y[${i}]`, y[i], 'a label without spaces or "#" (LIBSVM labels are single tokens)');
    let s = label;
    for (let p = X.indptr[i]; p < X.indptr[i + 1]; p++) {
      if (X.values[p] !== 0) s += ` ${X.indices[p] + 1}:${formatFloat32(X.values[p])}`;
    }
    lines.push(s);
  }
  return lines.join('\n') + '\n';
}

/** Writes a LIBSVM file atomically. */
export async function writeLibsvm(path: string, X: CsrMatrix, y: ArrayLike<Label>): Promise<void> {
  await atomicWriteFile(path, formatLibsvm(X, y));
}
