import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toDense, takeRows, rowView, denseMatrix } from '../../src/core/matrix.js';
import { toMatrix } from '../../src/core/data.js';
import { csrMatrix, csrDenseBlock, csrTakeRows, csrNormalizeRows } from '../../src/core/sparse.js';
import { LabelEncoder, checkLabels } from '../../src/core/labels.js';
import { KnnkitError, checkInteger, checkOneOf } from '../../src/core/errors.js';

test('toDense normalises number[][], Float64Array rows and {data, rows, cols} to one Float32 layout', () => {
  const a = toDense([[1, 2], [3, 4]]);
  const b = toDense([Float64Array.of(1, 2), Float64Array.of(3, 4)]);
  const c = toDense({ data: Float64Array.of(1, 2, 3, 4), rows: 2, cols: 2 });
  for (const m of [a, b, c]) {
    assert.equal(m.kind, 'dense'); assert.equal(m.rows, 2); assert.equal(m.cols, 2);
    assert.ok(m.data instanceof Float32Array);
    assert.deepEqual(Array.from(m.data), [1, 2, 3, 4]);
  }
  const view = denseMatrix(Float32Array.of(1, 2, 3, 4), 2, 2);
  assert.equal(toDense(view).data, view.data, 'a DenseMatrix is not copied');
  assert.notEqual(toDense(view, { copy: true }).data, view.data);
  assert.deepEqual(Array.from(rowView(a, 1)), [3, 4]);
  assert.deepEqual(Array.from(takeRows(a, [1, 0]).data), [3, 4, 1, 2]);
});

test('toDense rejects bad input with the parameter, the value and the location', () => {
  const isErr = (re: RegExp) => (e: unknown) => e instanceof KnnkitError && re.test((e as Error).message);
  assert.throws(() => toDense([[1, 2], [3]], { name: 'X' }), isErr(/X: row 1 has 1 values but row 0 has 2.*ragged/));
  assert.throws(() => toDense([[1, NaN]]), isErr(/X: value NaN at row 0, column 1; expected finite numbers/));
  assert.throws(() => toDense([[1, Infinity]]), isErr(/Infinity at row 0, column 1/));
  assert.throws(() => toDense([]), isErr(/empty data/));
  assert.throws(() => toDense([[1, 2]], { cols: 3, name: 'queries' }), isErr(/queries: dimension mismatch: rows have 2 columns but 3 were expected/));
  assert.throws(() => toDense('abc'), isErr(/expected a 2-D array/));
  assert.throws(() => toDense({ data: [1, 2, 3], rows: 2, cols: 2 }), isErr(/data has 3 values but rows x cols = 2 x 2/));
  assert.throws(() => toDense([[1, 'a' as unknown as number]]), isErr(/"a" at row 0, column 1 is not a number/));
  assert.equal(toDense([[1, NaN]], { allowNaN: true }).rows, 1);
});

test('toDense on a Float32 DenseMatrix: every non-finite value is found, wherever it sits, and finite extremes pass', () => {
  // the Float32 scan works on bit patterns, 4 values at a time: try every position of a
  // non-finite value, including the tail after the last group of 4 and views at an offset
  const finite = [0, -0, 1, -1, 3.4028234663852886e38, -3.4028234663852886e38, 1.401298464324817e-45, -1.1754943508222875e-38, 0.5];
  const bad = [NaN, Infinity, -Infinity];
  for (const n of [1, 3, 4, 5, 9, 16, 23]) {
    const buf = new Float32Array(n + 3);
    for (let i = 0; i < buf.length; i++) buf[i] = finite[i % finite.length];
    for (const off of [0, 1, 3]) {
      const data = buf.subarray(off, off + n);
      assert.equal(toDense(denseMatrix(data, n, 1)).rows, n, `finite extremes pass (n ${n}, offset ${off})`);
      for (let at = 0; at < n; at++) {
        for (const v of bad) {
          const keep = data[at];
          data[at] = v;
          assert.throws(() => toDense(denseMatrix(data, n, 1), { name: 'Q' }), (e: unknown) => e instanceof KnnkitError && (e as Error).message.startsWith(`Q: value ${v} at row ${at}, column 0`));
          if (Number.isNaN(v)) assert.equal(toDense(denseMatrix(data, n, 1), { allowNaN: true }).rows, n, 'allowNaN lets NaN through');
          else assert.throws(() => toDense(denseMatrix(data, n, 1), { allowNaN: true }), /expected finite numbers or NaN/);
          data[at] = keep;
        }
      }
    }
  }
});

test('CSR: validation, densify block, row selection, normalisation', () => {
  const m = csrMatrix(Int32Array.of(0, 2, 2, 3), Int32Array.of(0, 3, 1), Float32Array.of(3, 4, 5), 3, 4);
  assert.deepEqual(Array.from(csrDenseBlock(m, 0, 3)), [3, 0, 0, 4, 0, 0, 0, 0, 0, 5, 0, 0]);
  const t = csrTakeRows(m, [2, 0]);
  assert.deepEqual(Array.from(csrDenseBlock(t, 0, 2)), [0, 5, 0, 0, 3, 0, 0, 4]);
  const n = csrNormalizeRows(m);
  assert.deepEqual(Array.from(n.values).map((v) => +v.toFixed(6)), [0.6, 0.8, 1]);
  assert.throws(() => csrMatrix(Int32Array.of(0, 2), Int32Array.of(3, 1), Float32Array.of(1, 1), 1, 4), /ascending/);
  assert.throws(() => csrMatrix(Int32Array.of(0, 1), Int32Array.of(9), Float32Array.of(1), 1, 4), /\[0, 4\)/);
  assert.equal(toMatrix(m), m);
  assert.throws(() => toMatrix(m, { cols: 5 }), /dimension mismatch/);
});

test('LabelEncoder sorts classes like scikit-learn and round-trips', () => {
  const enc = LabelEncoder.fit([10, 2, 'b', 'a', 2]);
  assert.deepEqual(enc.classes, [2, 10, 'a', 'b']);
  const ids = enc.encode([2, 'a', 10]);
  assert.deepEqual(Array.from(ids), [0, 2, 1]);
  assert.deepEqual(enc.decode(ids), [2, 'a', 10]);
  assert.throws(() => enc.encode(['zzz']), /label "zzz" at position 0 was not seen in fit/);
  assert.throws(() => LabelEncoder.fit([1, NaN]), /label NaN at position 1/);
  assert.throws(() => checkLabels(undefined, 3), /labels missing/);
  assert.throws(() => checkLabels([1, 2], 3), /2 labels for 3 samples/);
});

test('parameter checks name the parameter, the value and the accepted range', () => {
  assert.throws(() => checkInteger('k', 0, 1), /k: got 0; expected an integer >= 1/);
  assert.throws(() => checkInteger('k', 2.5, 1), /k: got 2.5/);
  assert.throws(() => checkOneOf('weights', 'x', ['uniform', 'distance']), /weights: got "x"; expected one of "uniform", "distance"/);
});
