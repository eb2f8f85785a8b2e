import type { DenseMatrix } from '../core/matrix.js';
import { invalidParam, KnnkitError } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import type { Dataset, ReadOptions } from './types.js';
import { fileError, quoteToken } from './errors.js';
import { GrowableFloat32, LabelColumn } from './grow.js';
import { ByteCarry } from './carry.js';
import { parseFloat32, parseFieldFloat32, FIELD_END } from './parse-number.js';
import { decodeUtf8, formatFloat32 } from './text.js';
import { fileChunks, fileSize, readProgress } from './chunks.js';
import { atomicWriteFile } from './atomic.js';

export interface CsvOptions extends ReadOptions {
  /** The first record names the columns (default true). Without one, columns are f0, f1, ... */
  header?: boolean;
  /** Field separator, one ASCII character (default ","; "\t" for .tsv). */
  delimiter?: string;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;

/** Spellings of a missing value accepted with `allowMissing` (pandas' defaults, less the exotic ones). */
const MISSING = new Set(['', '?', 'NA', 'N/A', 'NaN', 'nan', 'NAN', 'na', 'n/a', 'null', 'NULL']);

/**
 * Incremental CSV parser (RFC 4180: quoted fields with "" escapes and embedded newlines, CRLF or
 * LF line ends, a UTF-8 BOM, blank lines skipped). Bytes are pushed in chunks of any size and
 * parsed straight into a growing Float32Array, one record at a time; only the bytes of the one
 * record cut by a chunk boundary are carried over, so memory is the float32 matrix plus small
 * buffers, never the text or an array of lines.
 *
 * Errors name file:line:column (1-based, the column is the field number), the token and what is
 * accepted.
 */
export class CsvParser {
  private readonly delim: number;
  private readonly header: boolean;
  private readonly allowMissing: boolean;
  private readonly labelOpt: 'auto' | 'none' | string | number;
  private readonly sizeHint: number;

  private headerDone = false;
  private atStart = true;
  private names: string[] = [];
  private nCols = -1;
  private labelCol = -1;
  private nFeat = 0;
  private readonly X = new GrowableFloat32(4096);
  private labels: LabelColumn | null = null;
  private rows = 0;
  /** 1-based line number where the next record starts. */
  private line = 1;
  private estimated = false;
  /** Set by readCsvHeader: stop at the end of the header record. */
  headerOnly = false;
  /** Bytes consumed by completed process() calls (for the size estimate). */
  private consumed = 0;
  /** Start of the current process() call and of the record being parsed (estimate mid-chunk). */
  private curFirst = 0;
  private curPos = 0;

  /** The unfinished record at the end of the previous chunk. */
  private readonly carry = new ByteCarry();
  private retryAt = 0;

  // Result of scanField (fields instead of an object: no allocation per field).
  private fs = 0;
  private fe = 0;
  private fesc = false;
  private fterm = 0;
  private fnl = 0;

  constructor(readonly file: string, opts: CsvOptions = {}, sizeHint = 0) {
    const d = opts.delimiter ?? ',';
    if (typeof d !== 'string' || d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === '\n' || d === '\r') {
      throw invalidParam('delimiter', d, 'one ASCII character other than a quote or a line break');
    }
    this.delim = d.charCodeAt(0);
    this.header = opts.header ?? true;
    this.allowMissing = opts.allowMissing ?? false;
    const label = opts.label ?? 'auto';
    if (typeof label === 'number') {
      if (!Number.isInteger(label) || label < 0) throw invalidParam('label', label, "'auto', 'none', a column name or a 0-based column index");
    } else if (typeof label !== 'string') {
      throw invalidParam('label', label, "'auto', 'none', a column name or a 0-based column index");
    }
    this.labelOpt = label;
    this.sizeHint = sizeHint;
  }

  /** Parses as much of `chunk` as forms complete records; the rest waits for the next chunk. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const carry = this.carry;
    if (carry.length === 0) {
      const used = this.process(chunk, false);
      if (used < chunk.length) {
        carry.keep(chunk, used);
        this.retryAt = carry.length * 2;
      }
      return;
    }
    carry.append(chunk);
    // A record longer than the chunks is re-scanned only each time the carry doubles, which
    // keeps the total work linear even for a single huge line.
    if (carry.length < this.retryAt) return;
    this.drainCarry(false);
  }

  /** The column names once the header (or first record) has been parsed, else undefined. */
  get columnNames(): string[] | undefined {
    return this.headerDone ? this.names.slice() : undefined;
  }

  /** Ends the input and returns the data set. */
  finish(): Dataset {
    if (this.carry.length > 0) this.drainCarry(true);
    if (!this.headerDone) throw fileError(this.file, this.header ? 'empty file; expected a header row and data rows' : 'empty file; expected data rows');
    if (this.rows === 0) throw fileError(this.file, `no data rows after the header (${this.nCols} columns)`);
    const data = this.X.finish();
    const X: DenseMatrix = { kind: 'dense', data, rows: this.rows, cols: this.nFeat };
    const featureNames = this.names.filter((_, i) => i !== this.labelCol);
    const out: Dataset = { X, featureNames, path: this.file };
    if (this.labels) {
      out.y = this.labels.labels();
      out.labelName = this.names[this.labelCol];
    }
    return out;
  }

  private drainCarry(eof: boolean): void {
    const carry = this.carry;
    carry.drop(this.process(carry.view(), eof));
    this.retryAt = carry.length * 2;
  }

  /** Parses complete records of buf; returns the number of bytes consumed. */
  private process(buf: Uint8Array, eof: boolean): number {
    const end = buf.length;
    let p = 0;
    if (this.atStart) {
      if (end < 3 && !eof && isBomPrefix(buf)) return 0;
      if (end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
      this.atStart = false;
    }
    const first = p;
    this.curFirst = first;
    while (p < end) {
      this.curPos = p;
      // Blank (or whitespace-only) lines are skipped wherever they are.
      let q = p;
      while (q < end && (buf[q] === SPACE || buf[q] === TAB)) q++;
      if (q === end && !eof) break;
      if (q === end) { p = q; break; }
      const c = buf[q];
      if (c === LF) { p = q + 1; this.line++; continue; }
      if (c === CR) {
        if (q + 1 < end) p = buf[q + 1] === LF ? q + 2 : q + 1;
        else if (eof) p = q + 1;
        else break;
        this.line++;
        continue;
      }
      if (this.headerDone && this.headerOnly) break;
      const next = this.headerDone ? this.dataRecord(buf, p, eof) : this.headerRecord(buf, p, eof);
      if (next < 0) break;
      p = next;
    }
    this.consumed += p - first;
    this.curPos = this.curFirst = 0;
    if (!this.estimated && this.rows > 0 && this.sizeHint > 0 && this.nFeat > 0) {
      this.estimated = true;
      this.X.ensure(this.estimatedValues());
    }
    return p;
  }

  /**
   * Matrix size predicted from the file size and the bytes per row seen so far (+2%). Set after
   * the first chunk, so a large file loads with no doubling copies and no over-allocation to trim.
   */
  private estimatedValues(): number {
    const perRow = (this.consumed + this.curPos - this.curFirst) / this.rows;
    return (Math.ceil((this.sizeHint / perRow) * 1.02) + 16) * this.nFeat;
  }

  /**
   * Growth when the estimate fell short (or there is none): re-estimate from everything read so
   * far, growing by at least 1/8 (still amortised O(1) per value) and at most doubling.
   */
  private growX(extra: number): void {
    const X = this.X;
    const need = X.length + extra;
    let cap = X.data.length * 2;
    if (this.sizeHint > 0 && this.rows > 0) {
      cap = Math.min(cap, Math.max(this.estimatedValues(), Math.ceil(X.data.length * 1.125)));
    }
    X.ensure(Math.max(cap, need));
  }

  /**
   * Scans one field starting at p (buf ends the input when eof). Sets fs/fe (content bounds),
   * fesc (quoted with "" escapes), fterm (index of the byte after the field) and fnl (newlines
   * inside quotes). Returns false when the field runs past the end of a non-final chunk.
   */
  private scanField(buf: Uint8Array, p: number, eof: boolean, line: number, col: number): boolean {
    const end = buf.length;
    if (p < end && buf[p] === QUOTE) {
      let q = p + 1;
      let esc = false;
      for (;;) {
        const i = buf.indexOf(QUOTE, q);
        if (i < 0) {
          if (eof) throw fileError(this.file, 'unterminated quoted field (no closing ")', line, col);
          return false;
        }
        if (i + 1 < end && buf[i + 1] === QUOTE) { esc = true; q = i + 2; continue; }
        if (i + 1 >= end && !eof) return false;
        if (i + 1 < end) {
          const t = buf[i + 1];
          if (t !== this.delim && t !== LF && t !== CR) {
            throw fileError(this.file, `unexpected ${quoteToken(String.fromCharCode(t))} after the closing quote of a quoted field; expected ${quoteToken(String.fromCharCode(this.delim))} or the end of the line`, line, col);
          }
        }
        let nl = 0;
        for (let k = p + 1; k < i; k++) if (buf[k] === LF || (buf[k] === CR && buf[k + 1] !== LF)) nl++;
        this.fs = p + 1; this.fe = i; this.fesc = esc; this.fterm = i + 1; this.fnl = nl;
        return true;
      }
    }
    const d = this.delim;
    let q = p;
    while (q < end) {
      const c = buf[q];
      if (c === d || c === LF || c === CR) break;
      q++;
    }
    if (q === end && !eof) return false;
    this.fs = p; this.fe = q; this.fesc = false; this.fterm = q; this.fnl = 0;
    return true;
  }

  /**
   * After a field: the start of the next field (>= 0), or -2 - next for the end of the record
   * (next = where the following record starts), or -1 when the terminator is cut by the chunk.
   */
  private afterField(buf: Uint8Array, eof: boolean): number {
    const t = this.fterm;
    const end = buf.length;
    if (t >= end) return -2 - end;
    const c = buf[t];
    if (c === this.delim) return t + 1;
    if (c === LF) return -2 - (t + 1);
    // CR: CRLF or a lone CR both end the record; a CR at the chunk end needs the next byte.
    if (t + 1 < end) return -2 - (buf[t + 1] === LF ? t + 2 : t + 1);
    return eof ? -2 - (t + 1) : -1;
  }

  private fieldText(buf: Uint8Array): string {
    const s = decodeUtf8(buf, this.fs, this.fe);
    return this.fesc ? s.replace(/""/g, '"') : s;
  }

  private headerRecord(buf: Uint8Array, p: number, eof: boolean): number {
    const fields: string[] = [];
    let line = this.line;
    let q = p;
    for (;;) {
      if (!this.scanField(buf, q, eof, line, fields.length + 1)) return -1;
      fields.push(this.fieldText(buf).trim());
      line += this.fnl;
      const a = this.afterField(buf, eof);
      if (a === -1) return -1;
      if (a >= 0) { q = a; continue; }
      q = -2 - a;
      break;
    }
    this.setupColumns(this.header ? fields : null, fields.length);
    this.headerDone = true;
    if (!this.header) return p; // the first record is data: parse it again as such
    this.line = line + 1;
    return q;
  }

  private setupColumns(names: string[] | null, nCols: number): void {
    this.nCols = nCols;
    this.names = names ?? Array.from({ length: nCols }, (_, i) => `f${i}`);
    const opt = this.labelOpt;
    let lc = -1;
    if (opt === 'none') lc = -1;
    else if (opt === 'auto') {
      lc = names ? names.indexOf('label') : -1;
      if (lc < 0) lc = nCols >= 2 ? nCols - 1 : -1;
    } else if (typeof opt === 'number') {
      if (opt >= nCols) throw new KnnkitError('label', `label: column index ${opt} is out of range; ${this.file} has ${nCols} columns (0-based indices 0..${nCols - 1})`);
      lc = opt;
    } else {
      lc = names ? names.indexOf(opt) : -1;
      if (lc < 0 && /^\d+$/.test(opt) && Number(opt) < nCols) lc = Number(opt);
      if (lc < 0) {
        const list = this.names.slice(0, 30).map((n) => JSON.stringify(n)).join(', ') + (nCols > 30 ? ', ...' : '');
        throw new KnnkitError('label', `label: no column named ${JSON.stringify(opt)} in ${this.file}; columns: ${list} (or give a 0-based index, 'auto' or 'none')`);
      }
    }
    this.labelCol = lc;
    this.nFeat = lc >= 0 ? nCols - 1 : nCols;
    if (this.nFeat === 0) throw fileError(this.file, `no feature columns: the only column ${JSON.stringify(this.names[0])} is the label; use label: 'none' to read it as a feature`, 1);
    this.labels = lc >= 0 ? new LabelColumn() : null;
  }

  private dataRecord(buf: Uint8Array, p: number, eof: boolean): number {
    const nf = this.nFeat;
    const nCols = this.nCols;
    const labelCol = this.labelCol;
    const X = this.X;
    if (X.length + nf > X.data.length) this.growX(nf);
    const out = X.data;
    const base = X.length;
    let line = this.line;
    let col = 0;
    let fi = 0;
    let label = '';
    let q = p;
    let next: number;
    const d = this.delim;
    for (;;) {
      if (col !== labelCol && col < nCols) {
        // Hot path: a plain number parsed in the same pass that finds its end.
        const v = parseFieldFloat32(buf, q, buf.length, d);
        if (v === v && v !== Infinity && v !== -Infinity) {
          out[base + fi++] = v;
          col++;
          const t = FIELD_END[0];
          const c = buf[t];
          if (c === d) { q = t + 1; continue; }
          if (c === LF) { next = t + 1; break; }
          // CR: CRLF or a lone CR; parseFieldFloat32 guarantees t < buf.length
          if (t + 1 < buf.length) { next = buf[t + 1] === LF ? t + 2 : t + 1; break; }
          if (!eof) return -1;
          next = t + 1;
          break;
        }
      }
      if (!this.scanField(buf, q, eof, line, col + 1)) return -1;
      if (col === labelCol) {
        label = this.fieldText(buf).trim();
        if (label === '') throw fileError(this.file, `empty label (column ${JSON.stringify(this.names[col])}); every row needs a label, or read with label: 'none'`, line, col + 1);
      } else if (col < nCols) {
        let v = parseFloat32(buf, this.fs, this.fe);
        if (v !== v) v = this.missing(buf, line, col);
        else {
          if (v === Infinity || v === -Infinity) {
            throw fileError(this.file, `${quoteToken(this.fieldText(buf).trim())} is outside the float32 range (|x| <= 3.4028235e38)`, line, col + 1);
          }
        }
        out[base + fi++] = v;
      }
      line += this.fnl;
      col++;
      const a = this.afterField(buf, eof);
      if (a === -1) return -1;
      if (a >= 0) { q = a; continue; }
      next = -2 - a;
      break;
    }
    if (col !== nCols) {
      throw fileError(this.file, `row has ${col} field${col === 1 ? '' : 's'}; expected ${nCols}${this.header ? ' (the columns of the header)' : ' (as in the first row)'}`, this.line);
    }
    X.length = base + nf;
    if (this.labels) this.labels.push(label);
    this.rows++;
    this.line = line + 1;
    return next;
  }

  /** A field that is not a number: NaN when it spells a missing value and that is allowed, else an error. */
  private missing(buf: Uint8Array, line: number, col: number): number {
    const raw = this.fieldText(buf);
    const text = raw.trim();
    if (MISSING.has(text)) {
      if (this.allowMissing) return NaN;
      const what = text === '' ? 'empty field' : `missing value ${quoteToken(text)}`;
      throw fileError(this.file, `${what} in column ${JSON.stringify(this.names[col] ?? `f${col}`)}; expected a number (set allowMissing to read missing values as NaN for imputation)`, line, col + 1);
    }
    throw fileError(this.file, `${quoteToken(text)} is not a number (column ${JSON.stringify(this.names[col] ?? `f${col}`)}); expected a decimal such as 3, -0.25 or 1e-3`, line, col + 1);
  }
}

function isBomPrefix(buf: Uint8Array): boolean {
  const bom = [0xef, 0xbb, 0xbf];
  for (let i = 0; i < buf.length; i++) if (buf[i] !== bom[i]) return false;
  return true;
}

/** Reads a CSV file by streaming it in chunks (see CsvParser). */
export async function readCsv(path: string, opts: CsvOptions = {}): Promise<Dataset> {
  const size = await fileSize(path);
  const parser = new CsvParser(path, opts, size);
  const report = readProgress(path, size, opts.onProgress);
  for await (const chunk of fileChunks(path)) { parser.push(chunk); report(chunk.length); }
  return parser.finish();
}

/**
 * The column names of a CSV file (its header record, quotes and BOM honoured), reading only as
 * many chunks as the header needs. All columns are returned, in file order.
 */
export async function readCsvHeader(path: string, opts: Pick<CsvOptions, 'delimiter' | 'header'> = {}): Promise<string[]> {
  const parser = new CsvParser(path, { ...opts, label: 'none' }, 0);
  parser.headerOnly = true;
  for await (const chunk of fileChunks(path, 1 << 16)) {
    parser.push(chunk);
    const names = parser.columnNames;
    if (names) return names;
  }
  parser.finish(); // throws the empty-file error
  return parser.columnNames ?? [];
}

/**
 * Reads CSV from any byte stream (a Node Readable such as process.stdin, a web ReadableStream,
 * or an async generator of chunks). `name` is used in error messages.
 */
export async function readCsvStream(source: AsyncIterable<Uint8Array | string>, opts: CsvOptions = {}, name = '<stream>'): Promise<Dataset> {
  const parser = new CsvParser(name, opts, 0);
  const enc = new TextEncoder();
  for await (const chunk of source) parser.push(typeof chunk === 'string' ? enc.encode(chunk) : chunk);
  return parser.finish();
}

/** Parses CSV text held in memory (small data, tests, the CLI demo). `name` is used in error messages. */
export function readCsvText(text: string, opts: CsvOptions = {}, name = '<csv>'): Dataset {
  const bytes = new TextEncoder().encode(text);
  const parser = new CsvParser(name, opts, 0);
  parser.push(bytes);
  return parser.finish();
}

export interface CsvWriteOptions {
  featureNames?: string[];
  /** Header name of the label column (default "label"); the label column is written last. */
  labelName?: string;
  delimiter?: string;
}

/** CSV text of a dense matrix (+ labels as the last column): shortest float32-exact decimals. */
export function formatCsv(X: DenseMatrix, y?: ArrayLike<Label>, opts: CsvWriteOptions = {}): string {
  const d = opts.delimiter ?? ',';
  if (y !== undefined && y.length !== X.rows) throw new KnnkitError('y', `y: ${y.length} labels for ${X.rows} rows; expected one label per row`);
  const names = opts.featureNames ?? Array.from({ length: X.cols }, (_, j) => `f${j}`);
  if (names.length !== X.cols) throw new KnnkitError('featureNames', `featureNames: ${names.length} names for ${X.cols} columns`);
  const head = names.map((n) => quoteCsv(n, d));
  if (y !== undefined) head.push(quoteCsv(opts.labelName ?? 'label', d));
  const lines: string[] = [head.join(d)];
  const row: string[] = new Array(X.cols + (y ? 1 : 0));
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < X.cols; j++) row[j] = formatFloat32(X.data[i * X.cols + j]);
    if (y) row[X.cols] = quoteCsv(String(y[i]), d);
    lines.push(row.join(d));
  }
  return lines.join('\n') + '\n';
}

/** Writes a CSV file atomically (see formatCsv). */
export async function writeCsv(path: string, X: DenseMatrix, y?: ArrayLike<Label>, opts: CsvWriteOptions = {}): Promise<void> {
  await atomicWriteFile(path, formatCsv(X, y, opts));
}

function quoteCsv(s: string, d: string): string {
  return s.includes(d) || s.includes('"') || s.includes('\n') || s.includes('\r') || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}
