import type { Label } from '../core/labels.js';
import { KnnkitError } from '../core/errors.js';
import { fileError } from './errors.js';
import { LabelColumn } from './grow.js';
import { LineSplitter } from './lines.js';
import { fileChunks } from './chunks.js';
import { decodeUtf8 } from './text.js';
import { atomicWriteFile } from './atomic.js';

/**
 * Reads a labels file: one label per line (trimmed), for the formats that carry no labels
 * (.fvecs, .bvecs, .ivecs, .npy). Trailing blank lines are ignored; a blank line before the end is
 * an error naming it. Numbers when every label is a finite number, else strings.
 */
export async function readLabels(path: string): Promise<Label[]> {
  const col = new LabelColumn();
  let blank = 0; // first blank line not yet followed only by blanks
  const split = new LineSplitter((buf, s, e, line) => {
    const t = decodeUtf8(buf, s, e).trim();
    if (t === '') { if (blank === 0) blank = line; return; }
    if (blank !== 0) throw fileError(path, 'blank line among the labels; expected one label per line', blank);
    col.push(t);
  });
  for await (const chunk of fileChunks(path)) split.push(chunk);
  split.finish();
  return col.labels();
}

/** Checks that a labels file matches the data it labels. */
export function checkLabelCount(labelsPath: string, labels: Label[], rows: number, dataPath: string): void {
  if (labels.length !== rows) {
    throw new KnnkitError('labelsPath', `labelsPath: ${labelsPath} has ${labels.length} labels but ${dataPath} has ${rows} rows; expected one label per row`);
  }
}

/** Writes labels one per line (atomically). */
export async function writeLabels(path: string, labels: ArrayLike<Label>): Promise<void> {
  const out: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const s = String(labels[i]);
    if (s.trim() === '' || /[\r\n]/.test(s) || s !== s.trim()) throw new KnnkitError('labels', `labels: label ${JSON.stringify(s)} at position ${i} cannot be written one per line (empty, surrounded by spaces or containing a line break)`);
    out.push(s);
  }
  await atomicWriteFile(path, out.join('\n') + (out.length ? '\n' : ''));
}
