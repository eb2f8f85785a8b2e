import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as io from '../../src/io/index.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { withTempDir, errorOf } from './helpers.js';

test('the barrel exports the contract and the shared helpers', () => {
  for (const name of ['readDataset', 'readFvecs', 'readIvecs', 'writeFvecs', 'writeIvecs', 'readCsv', 'readCsvText', 'readNpy', 'writeNpy', 'readLibsvm', 'readBvecs', 'writeBvecs', 'readLabels', 'atomicWriteFile', 'atomicWriteFileSync', 'crc32']) {
    assert.equal(typeof (io as Record<string, unknown>)[name], 'function', name);
  }
  assert.equal(io.crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('readDataset dispatches on the extension (case-insensitive) and refuses unknown ones', async () => {
  assert.equal(io.formatOf('a/B.CSV'), 'csv');
  assert.equal(io.formatOf('x.libsvm'), 'libsvm');
  assert.equal(io.formatOf('x.svmlight'), 'libsvm');
  assert.equal(io.formatOf('x.txt'), undefined);
  assert.match(await errorOf(() => io.readDataset('data.parquet')), /path: got "data\.parquet"; expected a file ending in \.csv, \.tsv, \.svm/);
  assert.match(await errorOf(() => io.readDataset('/no/such/file.fvecs')), /\/no\/such\/file\.fvecs: no such file/);
  await withTempDir(async (t) => {
  const tsv = t.file('d.TSV');
  writeFileSync(tsv, 'a\tb\tlabel\n1\t2\tx\n3\t4\ty\n');
  const ds = await io.readDataset(tsv);
  assert.deepEqual(Array.from((ds.X as DenseMatrix).data), [1, 2, 3, 4]);
  assert.deepEqual(ds.y, ['x', 'y']);
  const csv = t.file('d.csv');
  writeFileSync(csv, 'a,b,label\n1,2,3\n');
  assert.equal((await io.readDataset(csv, { label: 'none' })).X.cols, 3);
  // ivecs as a data matrix (float32), with labels
  const iv = t.file('d.ivecs');
  await io.writeIvecs(iv, { data: new Int32Array([1, 2, 3, 4]), rows: 2, cols: 2 });
  const lp = t.file('labels.txt');
  await io.writeLabels(lp, [7, 8]);
  const di = await io.readDataset(iv, { labelsPath: lp });
  assert.deepEqual(Array.from((di.X as DenseMatrix).data), [1, 2, 3, 4]);
  assert.deepEqual(di.y, [7, 8]);
  });
});
