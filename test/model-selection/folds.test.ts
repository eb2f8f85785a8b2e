import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kFold, stratifiedKFold, type Fold } from '../../src/model-selection/index.js';
import { KnnkitError } from '../../src/core/errors.js';

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'preprocessing-folds-metrics.json'), 'utf8'));

function checkPartition(folds: Fold[], n: number): void {
  const seen = new Int32Array(n);
  for (const f of folds) {
    assert.equal(f.train.length + f.test.length, n);
    for (const i of f.test) seen[i]++;
    const inTest = new Set(f.test);
    for (const i of f.train) assert.ok(!inTest.has(i));
    for (let i = 1; i < f.test.length; i++) assert.ok(f.test[i] > f.test[i - 1], 'test indices ascending');
    for (let i = 1; i < f.train.length; i++) assert.ok(f.train[i] > f.train[i - 1], 'train indices ascending');
  }
  assert.ok(seen.every((c) => c === 1), 'every sample is tested exactly once');
}

test('shuffle=false reproduces scikit-learn StratifiedKFold and KFold exactly', () => {
  const y = fixture.folds.y as number[];
  const s = stratifiedKFold(y, { folds: 4, shuffle: false });
  assert.deepEqual(s.map((f) => Array.from(f.test)), fixture.folds.stratified);
  const k = kFold(23, { folds: 4, shuffle: false });
  assert.deepEqual(k.map((f) => Array.from(f.test)), fixture.folds.kfold);
  checkPartition(s, y.length); checkPartition(k, 23);
});

test('stratified folds spread every class as evenly as possible, seeded and reproducible', () => {
  const y: string[] = [];
  for (const [c, n] of [['a', 39], ['b', 39], ['c', 13], ['d', 7]] as const) for (let i = 0; i < n; i++) y.push(c);
  const a = stratifiedKFold(y, { folds: 10, seed: 5 });
  const b = stratifiedKFold(y, { folds: 10, seed: 5 });
  const c = stratifiedKFold(y, { folds: 10, seed: 6 });
  assert.deepEqual(a.map((f) => Array.from(f.test)), b.map((f) => Array.from(f.test)));
  assert.notDeepEqual(a.map((f) => Array.from(f.test)), c.map((f) => Array.from(f.test)));
  checkPartition(a, y.length);
  for (const cls of ['a', 'b', 'c', 'd']) {
    const per = a.map((f) => Array.from(f.test).filter((i) => y[i] === cls).length);
    assert.ok(Math.max(...per) - Math.min(...per) <= 1, `${cls}: ${per}`);
  }
  const sizes = a.map((f) => f.test.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
});

test('kFold sizes differ by at most one (first folds larger) and shuffle permutes', () => {
  const f = kFold(11, { folds: 3, seed: 1 });
  assert.deepEqual(f.map((x) => x.test.length), [4, 4, 3]);
  checkPartition(f, 11);
  const plain = kFold(11, { folds: 3, shuffle: false });
  assert.deepEqual(Array.from(plain[0].test), [0, 1, 2, 3]);
  assert.notDeepEqual(Array.from(f[0].test), [0, 1, 2, 3]);
});

test('bad fold options name the parameter', () => {
  const isErr = (re: RegExp) => (e: unknown) => e instanceof KnnkitError && re.test(e.message);
  assert.throws(() => kFold(5, { folds: 1 }), isErr(/folds: got 1; expected an integer >= 2/));
  assert.throws(() => kFold(5, { folds: 6 }), isErr(/folds: got 6; cannot be greater than the number of samples \(5\)/));
  assert.throws(() => kFold(5, { folds: 2.5 }), isErr(/folds: got 2.5/));
  assert.throws(() => kFold(5, { seed: -1 }), isErr(/seed: got -1/));
  assert.throws(() => stratifiedKFold([1, 1, 2, 2], { folds: 3 }), isErr(/members in each class/));
  assert.throws(() => stratifiedKFold(undefined as never), isErr(/y: labels missing/));
  assert.throws(() => stratifiedKFold([1, null as never, 2, 1], { folds: 2 }), isErr(/y: label null at position 1/));
});
