import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  accuracy, precisionRecallF1, perClassScores, confusionMatrix, meanSquaredError, meanAbsoluteError, r2Score, classificationScores,
} from '../../src/evaluation/index.js';
import { KnnkitError } from '../../src/core/errors.js';

const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'preprocessing-folds-metrics.json'), 'utf8'));
const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('hand-computed: union of true and predicted classes, 0/0 = 0', () => {
  // classes a, b, c (c only predicted): tp a=1 b=1; pred a=2 b=1 c=1; true a=2 b=2
  const t = ['a', 'a', 'b', 'b'], p = ['a', 'b', 'b', 'c'];
  const s = perClassScores(t, p);
  assert.deepEqual(s.labels, ['a', 'b', 'c']);
  assert.deepEqual(Array.from(s.precision), [1, 0.5, 0]);
  assert.deepEqual(Array.from(s.recall), [0.5, 0.5, 0]); // c: 0/0 recall counts as 0
  close(s.f1[0], 2 / 3); close(s.f1[1], 0.5); assert.equal(s.f1[2], 0);
  assert.deepEqual(Array.from(s.support), [2, 2, 0]);
  const macro = precisionRecallF1(t, p, 'macro');
  close(macro.precision, 0.5); close(macro.recall, 1 / 3); close(macro.f1, (2 / 3 + 0.5) / 3);
  const micro = precisionRecallF1(t, p, 'micro');
  close(micro.precision, 0.5); close(micro.recall, 0.5); close(micro.f1, 0.5);
  const w = precisionRecallF1(t, p, 'weighted');
  close(w.precision, 0.75); close(w.recall, 0.5); close(w.f1, (2 / 3 + 0.5) / 2);
  assert.equal(accuracy(t, p), 0.5);
  const cs = classificationScores(t, p);
  assert.deepEqual(cs, { accuracy: 0.5, macroPrecision: macro.precision, macroRecall: macro.recall, macroF1: macro.f1 });
});

test('macro F1 is the mean of per-class F1, not the harmonic mean of macro P and R', () => {
  const t = [1, 1, 1, 2], p = [1, 2, 2, 2];
  const m = precisionRecallF1(t, p, 'macro');
  // class 1: P=1 R=1/3 F=0.5; class 2: P=1/3 R=1 F=0.5
  close(m.f1, 0.5);
  assert.notEqual(m.f1, (2 * m.precision * m.recall) / (m.precision + m.recall));
});

test('labels compare by type: 1 and "1" are different classes', () => {
  assert.equal(accuracy([1, 2], ['1', 2]), 0.5);
  const cm = confusionMatrix([1, '1'], [1, 1]);
  assert.deepEqual(cm.labels, [1, '1']);
  assert.deepEqual(Array.from(cm.matrix), [1, 0, 1, 0]);
});

test('confusion matrix: rows true, columns predicted; explicit labels order and ignore', () => {
  const cm = confusionMatrix(['x', 'y', 'y', 'z'], ['y', 'y', 'x', 'z'], { labels: ['z', 'y', 'x'] });
  assert.deepEqual(cm.labels, ['z', 'y', 'x']);
  assert.deepEqual(Array.from(cm.matrix), [1, 0, 0, 0, 1, 1, 0, 1, 0]);
  const part = confusionMatrix(['x', 'y'], ['x', 'q'], { labels: ['x', 'y'] });
  assert.deepEqual(Array.from(part.matrix), [1, 0, 0, 0]);
  assert.throws(() => confusionMatrix(['x'], ['x'], { labels: ['x', 'x'] }), /listed twice/);
});

test('agrees with scikit-learn (precision_recall_fscore_support zero_division=0, confusion_matrix)', () => {
  for (const c of fixture.classification) {
    close(accuracy(c.yTrue, c.yPred), c.accuracy);
    const cm = confusionMatrix(c.yTrue, c.yPred);
    assert.deepEqual(cm.labels, c.labels);
    assert.deepEqual(Array.from(cm.matrix), (c.confusion as number[][]).flat());
    for (const avg of ['macro', 'micro', 'weighted'] as const) {
      const m = precisionRecallF1(c.yTrue, c.yPred, avg);
      close(m.precision, c[avg].precision); close(m.recall, c[avg].recall); close(m.f1, c[avg].f1);
    }
  }
});

test('regression metrics agree with scikit-learn', () => {
  for (const r of fixture.regression) {
    close(meanSquaredError(r.yTrue, r.yPred), r.mse);
    close(meanAbsoluteError(r.yTrue, r.yPred), r.mae);
    close(r2Score(r.yTrue, r.yPred), r.r2, 1e-12);
  }
  assert.equal(meanSquaredError([1, 2, 3], [1, 2, 5]), 4 / 3);
  assert.equal(meanAbsoluteError([1, 2, 3], [2, 2, 5]), 1);
  close(r2Score([1, 2, 3], [1, 2, 3]), 1);
  close(r2Score([1, 2, 3], [2, 2, 2]), 0);
  // constant target: 1 for a perfect fit, 0 otherwise (scikit-learn's force_finite)
  assert.equal(r2Score([4, 4], [4, 4]), 1);
  assert.equal(r2Score([4, 4], [4, 5]), 0);
});

test('bad input names the parameter', () => {
  assert.throws(() => accuracy([1, 2], [1]), (e: unknown) => e instanceof KnnkitError && /yPred: 1 predictions for 2/.test(e.message));
  assert.throws(() => accuracy([], []), /yTrue: empty/);
  assert.throws(() => precisionRecallF1([1], [1], 'binary' as never), /average: got "binary"; expected one of macro, micro, weighted/);
  assert.throws(() => meanSquaredError([1, NaN], [1, 2]), /yTrue: value NaN at position 1/);
  assert.throws(() => r2Score([1, 2], [1, Infinity]), /yPred: value Infinity/);
});
