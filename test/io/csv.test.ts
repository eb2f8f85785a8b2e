import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { readCsv, readCsvHeader, readCsvText, readCsvStream, writeCsv, formatCsv, CsvParser } from '../../src/io/csv.js';
import { Readable } from 'node:stream';
import { readDataset } from '../../src/io/dataset.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { LabelEncoder } from '../../src/core/labels.js';
import { Rng } from '../../src/core/rng.js';
import { sharedData, gaussianClusters } from '../helpers/data.js';
import { withTempDir, errorOf } from './helpers.js';

const dense = (ds: { X: unknown }) => ds.X as DenseMatrix;

test('header, label column "label" anywhere, numeric labels stay numbers', () => {
  const ds = readCsvText('a,label,b\n1,2,3\n4,5,6\n');
  assert.deepEqual(Array.from(dense(ds).data), [1, 3, 4, 6]);
  assert.deepEqual(ds.y, [2, 5]);
  assert.deepEqual(ds.featureNames, ['a', 'b']);
  assert.equal(ds.labelName, 'label');
});

test("label 'auto' falls back to the last column; string labels stay strings", () => {
  const ds = readCsvText('x,y,species\n1,2,cat\n3,4,dog\n5,6,cat\n');
  assert.equal(dense(ds).cols, 2);
  assert.deepEqual(ds.y, ['cat', 'dog', 'cat']);
  assert.equal(ds.labelName, 'species');
  // mixed numeric / non-numeric labels: all strings, original spelling
  assert.deepEqual(readCsvText('x,c\n1,01\n2,b\n').y, ['01', 'b']);
  // all numeric: numbers (so LabelEncoder sorts them numerically)
  const y = readCsvText('x,c\n1,10\n2,9\n3,-1.5\n').y!;
  assert.deepEqual(y, [10, 9, -1.5]);
  assert.deepEqual(LabelEncoder.fit(y).classes, [-1.5, 9, 10]);
});

test("label 'none', by name and by 0-based index (also as a digit string)", () => {
  const text = 'p,q,r\n1,2,3\n4,5,6\n';
  const none = readCsvText(text, { label: 'none' });
  assert.equal(none.y, undefined);
  assert.equal(dense(none).cols, 3);
  assert.deepEqual(none.featureNames, ['p', 'q', 'r']);
  const byName = readCsvText(text, { label: 'p' });
  assert.deepEqual(byName.y, [1, 4]);
  assert.deepEqual(Array.from(dense(byName).data), [2, 3, 5, 6]);
  assert.deepEqual(readCsvText(text, { label: 1 }).y, [2, 5]);
  assert.deepEqual(readCsvText(text, { label: '2' }).y, [3, 6]);
});

test('bad label option names the columns / the range', async () => {
  assert.match(await errorOf(() => readCsvText('p,q\n1,2\n', { label: 'zz' }, 'd.csv')), /label: no column named "zz" in d\.csv; columns: "p", "q"/);
  assert.match(await errorOf(() => readCsvText('p,q\n1,2\n', { label: 5 }, 'd.csv')), /label: column index 5 is out of range; d\.csv has 2 columns/);
  assert.match(await errorOf(() => readCsvText('p,q\n1,2\n', { label: -1 })), /label: got -1/);
});

test('bad number: file:line:column, the token and the column name', async () => {
  const msg = await errorOf(() => readCsvText('a,b,c,d,label\n1,2,3,4,0\n1,2,3,abc,1\n', {}, 'train.csv'));
  assert.match(msg, /^train\.csv:3:4: "abc" is not a number \(column "d"\)/);
  // line numbers count blank lines and quoted line breaks
  const msg2 = await errorOf(() => readCsvText('a,label\n\n"1",x\n2,"y\nz"\n\n1e,q\n', {}, 't.csv'));
  assert.match(msg2, /^t\.csv:7:1: "1e" is not a number/);
  // out of float32 range
  assert.match(await errorOf(() => readCsvText('a,label\n1e39,1\n', {}, 'o.csv')), /^o\.csv:2:1: "1e39" is outside the float32 range/);
});

test('ragged rows: error with the line and both counts', async () => {
  assert.match(await errorOf(() => readCsvText('a,b,label\n1,2,0\n1,2\n', {}, 'r.csv')), /^r\.csv:3: row has 2 fields; expected 3 \(the columns of the header\)/);
  assert.match(await errorOf(() => readCsvText('a,b,label\n1,2,0\n1,2,3,4\n', {}, 'r.csv')), /^r\.csv:3: row has 4 fields; expected 3/);
});

test('missing values: error by default, NaN with allowMissing', async () => {
  const text = 'a,b,label\n1,,0\n?,NA,1\nNaN,2,0\n';
  assert.match(await errorOf(() => readCsvText(text, {}, 'm.csv')), /^m\.csv:2:2: empty field in column "b"; expected a number \(set allowMissing/);
  assert.match(await errorOf(() => readCsvText('a,label\nNA,1\n', {}, 'm.csv')), /^m\.csv:2:1: missing value "NA"/);
  const ds = readCsvText(text, { allowMissing: true });
  const d = Array.from(dense(ds).data);
  assert.equal(d[0], 1);
  assert.ok(Number.isNaN(d[1]) && Number.isNaN(d[2]) && Number.isNaN(d[3]) && Number.isNaN(d[4]));
  assert.equal(d[5], 2);
  // allowMissing does not excuse real garbage
  assert.match(await errorOf(() => readCsvText('a,label\nfoo,1\n', { allowMissing: true }, 'm.csv')), /^m\.csv:2:1: "foo" is not a number/);
});

test('RFC 4180 quoting, CRLF, BOM, blank and whitespace-only lines, no final newline', () => {
  const text = '\ufeff"first, name","label"\r\n"1.5","a ""quoted"", label"\r\n\r\n   \r\n2,"multi\r\nline"\r\n-3,plain';
  const ds = readCsvText(text);
  assert.deepEqual(ds.featureNames, ['first, name']);
  assert.deepEqual(Array.from(dense(ds).data), [1.5, 2, -3]);
  assert.deepEqual(ds.y, ['a "quoted", label', 'multi\r\nline', 'plain']);
  // lone CR line ends, tab delimiter
  const t2 = readCsvText('a\tlabel\r1\t2\r3\t4\r', { delimiter: '\t' });
  assert.deepEqual(Array.from(dense(t2).data), [1, 3]);
  assert.deepEqual(t2.y, [2, 4]);
});

test('quote errors are located', async () => {
  assert.match(await errorOf(() => readCsvText('a,label\n1,"x\n', {}, 'q.csv')), /^q\.csv:2:2: unterminated quoted field/);
  assert.match(await errorOf(() => readCsvText('a,label\n"1"x,2\n', {}, 'q.csv')), /^q\.csv:2:1: unexpected "x" after the closing quote/);
});

test('header: false names columns f0.. and reads the first row as data', () => {
  const ds = readCsvText('1,2,3\n4,5,6\n', { header: false });
  assert.deepEqual(ds.featureNames, ['f0', 'f1']);
  assert.deepEqual(ds.y, [3, 6]);
  assert.equal(dense(ds).rows, 2);
});

test('empty file / header only are refused', async () => {
  assert.match(await errorOf(() => readCsvText('', {}, 'e.csv')), /^e\.csv: empty file/);
  assert.match(await errorOf(() => readCsvText('a,b\n\n', {}, 'e.csv')), /^e\.csv: no data rows after the header/);
});

test('chunk boundaries anywhere give the same result (streaming parser)', () => {
  const text = '\ufeffa,b,"c"\r\n1.25,"x,y",-3e2\r\n\n4,"he said ""hi""\nok",5\n6,z,7.5\r\n';
  const bytes = new TextEncoder().encode(text);
  const whole = readCsvText(text, { label: 'b' });
  for (let size = 1; size <= 9; size++) {
    const p = new CsvParser('<chunks>', { label: 'b' });
    for (let i = 0; i < bytes.length; i += size) p.push(bytes.slice(i, i + size));
    const ds = p.finish();
    assert.deepEqual(Array.from(dense(ds).data), Array.from(dense(whole).data), `chunk size ${size}`);
    assert.deepEqual(ds.y, whole.y, `chunk size ${size}`);
  }
  assert.deepEqual(whole.y, ['x,y', 'he said "hi"\nok', 'z']);
  assert.deepEqual(Array.from(dense(whole).data), [1.25, -300, 4, 5, 6, 7.5]);
  // and errors keep their exact line under chunking
  const bad = new TextEncoder().encode('a,label\n1,2\n"3\n4",5\n6,7\nx,8\n');
  const p = new CsvParser('c.csv');
  assert.throws(() => { for (let i = 0; i < bad.length; i += 3) p.push(bad.slice(i, i + 3)); p.finish(); }, /^KnnkitError: c\.csv:3:1: "3\\n4" is not a number/);
});

test('file round trip (generated data, float32-exact) and streaming across many chunks', () => withTempDir(async (t) => {
  const X = gaussianClusters(3000, 7, 4, 11, 2.5);
  const rng = new Rng(3);
  const y = Array.from({ length: X.rows }, () => ['setosa', 'virginica', 'versi,color'][rng.int(3)]);
  const path = t.file('round.csv');
  await writeCsv(path, X, y, { featureNames: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], labelName: 'species' });
  const ds = await readDataset(path);
  assert.equal(ds.X.kind, 'dense');
  assert.deepEqual(Array.from(dense(ds).data), Array.from(X.data));
  assert.deepEqual(ds.y, y);
  assert.equal(ds.labelName, 'species');
  assert.equal(ds.path, path);
  // numeric labels round-trip as numbers; no labels -> 'none'
  assert.deepEqual(await readCsvHeader(path), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'species']);
  const p2 = t.file('num.csv');
  await writeCsv(p2, X, Array.from({ length: X.rows }, (_, i) => i % 5));
  assert.deepEqual((await readCsv(p2)).y!.slice(0, 6), [0, 1, 2, 3, 4, 0]);
  const p3 = t.file('nolabel.csv');
  await writeCsv(p3, X);
  const d3 = await readCsv(p3, { label: 'none' });
  assert.deepEqual(Array.from(dense(d3).data), Array.from(X.data));
  // a file several read chunks long
  const big = gaussianClusters(12000, 16, 3, 5);
  const p4 = t.file('big.csv');
  writeFileSync(p4, formatCsv(big, Array.from({ length: big.rows }, (_, i) => i % 3)));
  assert.ok(readFileSync(p4).length > 1 << 20, 'spans more than one 1 MiB chunk');
  const d4 = await readCsv(p4);
  assert.equal(dense(d4).rows, 12000);
  assert.deepEqual(Array.from(dense(d4).data), Array.from(big.data));
}));

test('size estimate falling short (long rows first, short rows later) still reads every value', () => withTempDir(async (t) => {
  const n = 60000;
  const X = { kind: 'dense' as const, data: new Float32Array(n * 4), rows: n, cols: 4 };
  const rng = new Rng(9);
  for (let i = 0; i < n * 4; i++) X.data[i] = i >= n * 2 ? rng.int(10) : Math.fround(rng.normal() * 1e-3);
  const p = t.file('skew.csv');
  writeFileSync(p, formatCsv(X, Array.from({ length: n }, (_, i) => i % 2)));
  const ds = await readCsv(p);
  assert.equal(dense(ds).rows, n);
  assert.deepEqual(Array.from(dense(ds).data), Array.from(X.data));
}));

test('readCsvStream reads a Node Readable (e.g. stdin) and string chunks', async () => {
  const ds = await readCsvStream(Readable.from([Buffer.from('a,lab'), Buffer.from('el\n1,'), Buffer.from('x\n2,y\n')]));
  assert.deepEqual(Array.from(dense(ds).data), [1, 2]);
  assert.deepEqual(ds.y, ['x', 'y']);
  async function* gen() { yield 'p,q\n'; yield '3,4\n'; }
  assert.deepEqual((await readCsvStream(gen(), { label: 'none' })).featureNames, ['p', 'q']);
  assert.match(await errorOf(() => readCsvStream(Readable.from([Buffer.from('a,label\n1,2\nz,3\n')]), {}, 'stdin')), /^stdin:3:1: "z" is not a number/);
  assert.match(await errorOf(() => readCsvText('label\n1\n', {}, 'one.csv')), /^one\.csv:1: no feature columns/);
  assert.match(await errorOf(() => readCsvText('a,label\n1,x\n2,\n', {}, 'l.csv')), /^l\.csv:3:2: empty label \(column "label"\)/);
});

test('missing file is a KnnkitError naming it', async () => {
  assert.match(await errorOf(() => readCsv('/nonexistent/x.csv')), /\/nonexistent\/x\.csv: no such file/);
});

const letter = sharedData('letter.csv');
test('real data: letter.csv (20000 x 16, 26 classes) matches the raw text', { skip: letter.skip }, async () => {
  const ds = await readDataset(letter.path);
  const X = dense(ds);
  assert.equal(X.rows, 20000);
  assert.equal(X.cols, 16);
  assert.equal(new Set(ds.y).size, 26);
  assert.deepEqual(LabelEncoder.fit(ds.y!).classes, Array.from({ length: 26 }, (_, i) => i + 1));
  assert.equal(ds.labelName, 'label');
  const lines = readFileSync(letter.path, 'utf8').trim().split('\n');
  for (const r of [0, 1, 9999, 19999]) {
    const f = lines[r + 1].split(',').map(Number);
    assert.deepEqual(Array.from(X.data.subarray(r * 16, r * 16 + 16)), f.slice(0, 16), `row ${r}`);
    assert.equal(ds.y![r], f[16]);
  }
});

const binalpha = sharedData('binalpha.csv');
test('real data: binalpha.csv (1404 x 320, 36 classes)', { skip: binalpha.skip }, async () => {
  const ds = await readDataset(binalpha.path);
  const X = dense(ds);
  assert.equal(X.rows, 1404);
  assert.equal(X.cols, 320);
  assert.equal(new Set(ds.y).size, 36);
  const lines = readFileSync(binalpha.path, 'utf8').trim().split('\n');
  const last = lines[1404].split(',').map(Number);
  assert.deepEqual(Array.from(X.data.subarray(1403 * 320)), last.slice(0, 320));
  assert.equal(ds.y![1403], last[320]);
  for (const v of X.data) assert.ok(v === 0 || v === 1);
});
