import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { readLibsvmText, writeLibsvm, LibsvmParser } from '../../src/io/libsvm.js';
import { readDataset } from '../../src/io/dataset.js';
import type { CsrMatrix } from '../../src/core/sparse.js';
import { csrMatrix } from '../../src/core/sparse.js';
import { LabelEncoder } from '../../src/core/labels.js';
import { Rng } from '../../src/core/rng.js';
import { sharedData } from '../helpers/data.js';
import { withTempDir, errorOf } from './helpers.js';

const csr = (ds: { X: unknown }) => ds.X as CsrMatrix;

test('parses labels, 1-based indices, comments, qid, blank lines and CRLF into CSR', () => {
  const ds = readLibsvmText('# header comment\n+1 1:0.5 3:-2 # trailing\r\n\n-1 qid:3 2:1e2\n2\n1 4:7\n');
  const X = csr(ds);
  assert.equal(X.kind, 'csr');
  assert.equal(X.rows, 4);
  assert.equal(X.cols, 4);
  assert.deepEqual(Array.from(X.indptr), [0, 2, 3, 3, 4]);
  assert.deepEqual(Array.from(X.indices), [0, 2, 1, 3]);
  assert.deepEqual(Array.from(X.values), [0.5, -2, 100, 7]);
  assert.deepEqual(ds.y, [1, -1, 2, 1]);
  assert.doesNotThrow(() => csrMatrix(X.indptr, X.indices, X.values, X.rows, X.cols));
  // non-numeric labels stay strings
  assert.deepEqual(readLibsvmText('cat 1:1\ndog 2:1\n').y, ['cat', 'dog']);
});

test('nFeatures widens the matrix; a narrower one is an error naming the line', async () => {
  assert.equal(csr(readLibsvmText('1 2:1\n', { nFeatures: 10 })).cols, 10);
  assert.match(await errorOf(() => readLibsvmText('1 2:1\n0 1:1 7:3\n', { nFeatures: 5 }, 't.svm')), /nFeatures: got 5 but t\.svm:2 has feature index 7; expected nFeatures >= 7/);
  assert.match(await errorOf(() => readLibsvmText('1 1:1\n', { nFeatures: 0 })), /nFeatures: got 0/);
});

test('malformed lines: exact file:line:column', async () => {
  assert.match(await errorOf(() => readLibsvmText('1 1:1\n1 0:5\n', {}, 'a.svm')), /^a\.svm:2:3: feature index 0; LIBSVM indices are 1-based/);
  assert.match(await errorOf(() => readLibsvmText('1 3:1 2:5\n', {}, 'a.svm')), /^a\.svm:1:7: feature index 2 after 3; indices must be strictly ascending/);
  assert.match(await errorOf(() => readLibsvmText('1 3:1 3:5\n', {}, 'a.svm')), /^a\.svm:1:7: feature index 3 after 3/);
  assert.match(await errorOf(() => readLibsvmText('\n\n1 2:abc\n', {}, 'a.svm')), /^a\.svm:3:5: "abc" is not a number \(feature 2\)/);
  assert.match(await errorOf(() => readLibsvmText('1 2:1e50\n', {}, 'a.svm')), /^a\.svm:1:5: "1e50" is outside the float32 range/);
  assert.match(await errorOf(() => readLibsvmText('1 2:1 5\n', {}, 'a.svm')), /^a\.svm:1:7: "5" is not an index:value pair/);
  assert.match(await errorOf(() => readLibsvmText('1 x:1\n', {}, 'a.svm')), /^a\.svm:1:3: feature index "x" is not an integer >= 1/);
  assert.match(await errorOf(() => readLibsvmText('# only a comment\n', {}, 'a.svm')), /^a\.svm: no data rows/);
  assert.match(await errorOf(() => readLibsvmText('1 1:2\n  3:0.5 4:1\n', {}, 'a.svm')), /^a\.svm:2:3: the line starts with "3:0\.5", an index:value pair; every line must start with its label/);
});

test('round trip through a file (random sparse data), and chunked parsing agrees', () => withTempDir(async (t) => {
  const rng = new Rng(5);
  const rows = 500, cols = 300;
  const indptr = [0]; const indices: number[] = []; const values: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) if (rng.random() < 0.03) { indices.push(j); values.push(Math.fround(rng.normal() * 3)); }
    indptr.push(indices.length);
  }
  const X: CsrMatrix = { kind: 'csr', indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), values: Float32Array.from(values), rows, cols };
  const y = Array.from({ length: rows }, (_, i) => (i % 3) + 1);
  const p = t.file('r.svm');
  await writeLibsvm(p, X, y);
  const ds = await readDataset(p, { nFeatures: cols });
  const B = csr(ds);
  assert.deepEqual(Array.from(B.indptr), Array.from(X.indptr));
  assert.deepEqual(Array.from(B.indices), Array.from(X.indices));
  assert.deepEqual(Array.from(B.values), Array.from(X.values));
  assert.equal(B.cols, cols);
  assert.deepEqual(ds.y, y);
  const bytes = readFileSync(p);
  const parser = new LibsvmParser('chunks', { nFeatures: cols });
  for (let i = 0; i < bytes.length; i += 7) parser.push(bytes.subarray(i, i + 7));
  const c = csr(parser.finish());
  assert.deepEqual(Array.from(c.values), Array.from(X.values));
  assert.deepEqual(Array.from(c.indptr), Array.from(X.indptr));
  // .libsvm / .svmlight extensions dispatch too
  const p2 = t.file('r.svmlight');
  writeFileSync(p2, bytes);
  assert.equal(csr(await readDataset(p2)).rows, rows);
}));

/** Counts from the raw text, independently of the reader. */
function rawStats(path: string): { rows: number; maxIdx: number; nnz: number; classes: Set<string>; first: string[] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  let maxIdx = 0, nnz = 0;
  const classes = new Set<string>();
  for (const l of lines) {
    const tok = l.trim().split(/\s+/);
    classes.add(tok[0]);
    for (const t of tok.slice(1)) { nnz++; maxIdx = Math.max(maxIdx, Number(t.split(':')[0])); }
  }
  return { rows: lines.length, maxIdx, nnz, classes, first: lines[0].trim().split(/\s+/) };
}

const news = sharedData('news20_uni.svm');
test('real data: news20_uni.svm (3970 x 8014 CSR, 4 classes)', { skip: news.skip }, async () => {
  const ds = await readDataset(news.path);
  const X = csr(ds);
  const s = rawStats(news.path);
  assert.equal(X.rows, 3970);
  assert.equal(X.cols, 8014);
  assert.equal(X.indptr[X.rows], s.nnz);
  assert.deepEqual(LabelEncoder.fit(ds.y!).classes, [1, 2, 3, 4]);
  assert.equal(ds.y![0], Number(s.first[0]));
  for (let k = 0; k < 5; k++) {
    const [i, v] = s.first[k + 1].split(':');
    assert.equal(X.indices[k], Number(i) - 1);
    assert.equal(X.values[k], Math.fround(Number(v)));
  }
  assert.doesNotThrow(() => csrMatrix(X.indptr, X.indices, X.values, X.rows, X.cols));
});

const basehock = sharedData('BASEHOCK.svm');
test('real data: BASEHOCK.svm (1993 x 4862, 2 classes)', { skip: basehock.skip }, async () => {
  const ds = await readDataset(basehock.path);
  const X = csr(ds);
  const s = rawStats(basehock.path);
  assert.equal(X.rows, 1993);
  assert.equal(X.cols, 4862);
  assert.equal(X.indptr[X.rows], s.nnz);
  assert.equal(new Set(ds.y).size, 2);
  assert.deepEqual([...s.classes].map(Number).sort(), LabelEncoder.fit(ds.y!).classes);
  for (const v of X.values) assert.ok(Number.isInteger(v) && v > 0, 'term counts');
});
