import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readNpy, writeNpy, encodeNpy, parseNpyHeader } from '../../src/io/npy.js';
import { readDataset } from '../../src/io/dataset.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { gaussianClusters } from '../helpers/data.js';
import { withTempDir, errorOf } from './helpers.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fx = (name: string) => join(FIX, name);
// the fixtures are base = arange(12).reshape(3, 4) - 5 transformed per dtype (make-npy.py)
const base = Array.from({ length: 12 }, (_, i) => i - 5);

test('numpy-written fixtures: every supported dtype, as float32, shape 3 x 4', async () => {
  const cases: [string, (v: number) => number][] = [
    ['f4.npy', (v) => v / 4], ['f8.npy', (v) => Math.fround(v / 3)], ['f2.npy', (v) => v / 2],
    ['i1.npy', (v) => v], ['i2.npy', (v) => v], ['i4.npy', (v) => v], ['i8.npy', (v) => Math.fround(v * 1e9)],
    ['u1.npy', (v) => v + 5], ['u2.npy', (v) => v + 5], ['u4.npy', (v) => v + 5], ['b1.npy', (v) => (v % 2 === 0 ? 1 : 0)],
    ['v2.npy', (v) => v / 4], ['v3.npy', (v) => v / 4],
  ];
  for (const [name, f] of cases) {
    const m = await readNpy(fx(name));
    assert.equal(m.rows, 3, name);
    assert.equal(m.cols, 4, name);
    assert.deepEqual(Array.from(m.data), base.map((v) => Math.fround(f(v))), name);
  }
  assert.equal(parseNpyHeader(readFileSync(fx('v2.npy')), 'v2').version, '2.0');
  assert.equal(parseNpyHeader(readFileSync(fx('v3.npy')), 'v3').version, '3.0');
});

test('1-D arrays become n x 1', async () => {
  const m = await readNpy(fx('vec1d.npy'));
  assert.equal(m.rows, 5);
  assert.equal(m.cols, 1);
  assert.deepEqual(Array.from(m.data), [0, 1, 2, 3, 4]);
});

test('refused with clear errors: Fortran order, big-endian, 3-D, bad magic/header, truncated, trailing bytes', async () => {
  assert.match(await errorOf(() => readNpy(fx('fortran.npy'))), /fortran\.npy: Fortran-ordered \(column-major\) \.npy arrays are not supported/);
  assert.match(await errorOf(() => readNpy(fx('big-endian.npy'))), /big-endian\.npy: big-endian \.npy dtype ">f4" is not supported/);
  assert.match(await errorOf(() => readNpy(fx('3d.npy'))), /3d\.npy: \.npy array of shape \(2, 2, 2\); expected a 1-D \(n,\) or 2-D \(n, d\) array/);
  await withTempDir(async (t) => {
  const good = readFileSync(fx('f4.npy'));
  const p = t.file('bad.npy');
  writeFileSync(p, Buffer.from('not numpy at all'));
  assert.match(await errorOf(() => readNpy(p)), /bad\.npy: not a \.npy file: missing the "\\x93NUMPY" magic/);
  writeFileSync(p, good.subarray(0, good.length - 3));
  assert.match(await errorOf(() => readNpy(p)), /bad\.npy: truncated \.npy file: shape \(3, 4\) of <f4 needs 48 data bytes, the file has 45/);
  writeFileSync(p, Buffer.concat([good, Buffer.from([0, 0, 0, 0])]));
  assert.match(await errorOf(() => readNpy(p)), /bad\.npy: \.npy file has 4 bytes after the array data/);
  const h = Buffer.from(good);
  h.write("'shape': [3, 4]", h.indexOf("'shape'"), 'latin1');
  writeFileSync(p, h);
  assert.match(await errorOf(() => readNpy(p)), /bad\.npy: bad \.npy header \(no 'shape' tuple\)/);
  const d = Buffer.from(good);
  d.write("'descr': '<c8'", d.indexOf("'descr'"), 'latin1');
  writeFileSync(p, d);
  assert.match(await errorOf(() => readNpy(p)), /bad\.npy: unsupported \.npy dtype "<c8"; expected one of/);
  writeFileSync(p, good.subarray(0, 40));
  assert.match(await errorOf(() => readNpy(p)), /bad\.npy: truncated \.npy header: declares 118 header bytes, the file has 30/);
  const v = Buffer.from(good);
  v[6] = 9;
  writeFileSync(p, v);
  assert.match(await errorOf(() => readNpy(p)), /unsupported \.npy format version 9\.0/);
  // NaN only with allowMissing
  const nan = t.file('nan.npy');
  await writeNpy(nan, { kind: 'dense', data: new Float32Array([1, NaN]), rows: 2, cols: 1 });
  assert.match(await errorOf(() => readNpy(nan)), /nan\.npy: value NaN at row 1, column 0/);
  assert.ok(Number.isNaN((await readNpy(nan, { allowMissing: true })).data[1]));
  });
});

test('writeNpy round trip (float32 and other typed arrays) and 64-byte aligned header', () => withTempDir(async (t) => {
  const X = gaussianClusters(257, 33, 3, 9);
  const p = t.file('x.npy');
  await writeNpy(p, X);
  const bytes = readFileSync(p);
  assert.equal(parseNpyHeader(bytes, p).dataOffset % 64, 0);
  const back = await readNpy(p);
  assert.equal(back.rows, 257);
  assert.equal(back.cols, 33);
  assert.deepEqual(Array.from(back.data), Array.from(X.data));
  const ds = await readDataset(p);
  assert.equal((ds.X as DenseMatrix).rows, 257);
  const i32 = { data: new Int32Array([1, -2, 3, -4, 5, -6]), rows: 3, cols: 2 };
  const pi = t.file('i.npy');
  await writeNpy(pi, i32);
  assert.deepEqual(Array.from((await readNpy(pi)).data), [1, -2, 3, -4, 5, -6]);
  assert.equal(parseNpyHeader(encodeNpy(i32), 'x').descr, '<i4');
}));

const PY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', '.venv', 'bin', 'python');
test('numpy reads what writeNpy writes', { skip: existsSync(PY) ? false : 'bench/.venv (numpy) not set up: skipped' }, () => withTempDir(async (t) => {
  const p = t.file('w.npy');
  await writeNpy(p, { kind: 'dense', data: new Float32Array([0.5, -1, 2.25, 3e-7, 1e20, 7]), rows: 2, cols: 3 });
  const r = spawnSync(PY, ['-c', 'import numpy as np,sys,json; a=np.load(sys.argv[1]); print(json.dumps([str(a.dtype), list(a.shape), bool(a.flags["C_CONTIGUOUS"]), a.ravel().tolist()]))', p], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ['float32', [2, 3], true, [0.5, -1, 2.25, Math.fround(3e-7), Math.fround(1e20), 7]]);
}));
