import { KnnkitError } from '../core/errors.js';
import { compareLabels, type Label } from '../core/labels.js';

/**
 * Classification metrics. Labels are compared by value and type (1 and "1" are different
 * classes, as in scikit-learn). The classes of a comparison are the union of the true and the
 * predicted labels, sorted like LabelEncoder sorts them, and every 0/0 counts as 0: this is both
 * scikit-learn's default (`labels=None, zero_division=0`) and the kNN-Graph paper's
 * EvaluationMetrics.m (union of classes, `safe_divide`).
 */

export type Average = 'macro' | 'micro' | 'weighted';
export const AVERAGES: readonly Average[] = ['macro', 'micro', 'weighted'];

function labelKey(v: Label): string {
  return typeof v === 'number' ? 'n:' + v : 's:' + v;
}

function checkPair(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): void {
  if (yTrue == null || typeof yTrue.length !== 'number') throw new KnnkitError('yTrue', 'yTrue: expected an array of labels');
  if (yPred == null || typeof yPred.length !== 'number') throw new KnnkitError('yPred', 'yPred: expected an array of labels');
  if (yTrue.length !== yPred.length) {
    throw new KnnkitError('yPred', `yPred: ${yPred.length} predictions for ${yTrue.length} true labels; expected the same length`);
  }
  if (yTrue.length === 0) throw new KnnkitError('yTrue', 'yTrue: empty; expected at least one label');
}

/** Fraction of predictions equal to the truth. */
export function accuracy(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): number {
  checkPair(yTrue, yPred);
  let hit = 0;
  for (let i = 0; i < yTrue.length; i++) if (labelKey(yTrue[i]) === labelKey(yPred[i])) hit++;
  return hit / yTrue.length;
}

export interface ConfusionMatrix {
  /** Row/column order: `labels[i]` is row i (true) and column i (predicted). */
  labels: Label[];
  /** labels.length x labels.length row-major counts: matrix[t * c + p] = #(true = t, predicted = p). */
  matrix: Int32Array;
}

/**
 * Confusion matrix with rows = true class, columns = predicted class (scikit-learn's layout).
 * `labels` fixes the order (and may include classes absent from both vectors); pairs whose
 * labels are not listed are ignored, as scikit-learn does. Default: the sorted union.
 */
export function confusionMatrix(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>, opts: { labels?: readonly Label[] } = {}): ConfusionMatrix {
  checkPair(yTrue, yPred);
  const labels = opts.labels ? opts.labels.slice() : unionLabels(yTrue, yPred);
  const index = new Map<string, number>();
  labels.forEach((l, i) => {
    if (index.has(labelKey(l))) throw new KnnkitError('labels', `labels: ${JSON.stringify(l)} is listed twice; expected distinct labels`);
    index.set(labelKey(l), i);
  });
  if (labels.length === 0) throw new KnnkitError('labels', 'labels: empty; expected at least one label');
  const c = labels.length;
  const matrix = new Int32Array(c * c);
  for (let i = 0; i < yTrue.length; i++) {
    const t = index.get(labelKey(yTrue[i]));
    const p = index.get(labelKey(yPred[i]));
    if (t !== undefined && p !== undefined) matrix[t * c + p]++;
  }
  return { labels, matrix };
}

/** The sorted union of the labels of both vectors (the paper's `unique([true; predicted])`). */
export function unionLabels(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): Label[] {
  const seen = new Map<string, Label>();
  for (const y of [yTrue, yPred]) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i];
      if (typeof v !== 'number' && typeof v !== 'string') throw new KnnkitError('y', `y: label ${String(v)} at position ${i}; expected a string or a number`);
      const k = labelKey(v);
      if (!seen.has(k)) seen.set(k, v);
    }
  }
  return [...seen.values()].sort(compareLabels);
}

export interface PerClassScores {
  labels: Label[];
  precision: Float64Array;
  recall: Float64Array;
  f1: Float64Array;
  /** Number of true samples of each class. */
  support: Int32Array;
}

const safeDivide = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Precision, recall, F1 and support of every class of the union (0/0 = 0). */
export function perClassScores(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>, opts: { labels?: readonly Label[] } = {}): PerClassScores {
  const { labels, matrix } = confusionMatrix(yTrue, yPred, opts);
  const c = labels.length;
  const precision = new Float64Array(c), recall = new Float64Array(c), f1 = new Float64Array(c);
  const support = new Int32Array(c);
  for (let i = 0; i < c; i++) {
    const tp = matrix[i * c + i];
    let predicted = 0, actual = 0;
    for (let j = 0; j < c; j++) { predicted += matrix[j * c + i]; actual += matrix[i * c + j]; }
    precision[i] = safeDivide(tp, predicted);
    recall[i] = safeDivide(tp, actual);
    f1[i] = safeDivide(2 * precision[i] * recall[i], precision[i] + recall[i]);
    support[i] = actual;
  }
  return { labels, precision, recall, f1, support };
}

export interface PrecisionRecallF1 { precision: number; recall: number; f1: number }

/**
 * Averaged precision, recall and F1.
 * - macro: unweighted mean of the per-class scores over the union of classes (macro F1 is the
 *   mean of per-class F1, not the harmonic mean of macro precision and recall);
 * - micro: from the pooled counts (equals accuracy for single-label multi-class data);
 * - weighted: per-class scores weighted by true support.
 */
export function precisionRecallF1(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>, average: Average = 'macro'): PrecisionRecallF1 {
  if (!AVERAGES.includes(average)) {
    throw new KnnkitError('average', `average: got ${JSON.stringify(average)}; expected one of ${AVERAGES.join(', ')}`);
  }
  const s = perClassScores(yTrue, yPred);
  const c = s.labels.length;
  if (average === 'micro') {
    let tp = 0;
    for (let i = 0; i < yTrue.length; i++) if (labelKey(yTrue[i]) === labelKey(yPred[i])) tp++;
    // pooled TP + FP = pooled TP + FN = n for single-label data
    const p = safeDivide(tp, yTrue.length);
    return { precision: p, recall: p, f1: safeDivide(2 * p * p, p + p) };
  }
  let wp = 0, wr = 0, wf = 0, wsum = 0;
  for (let i = 0; i < c; i++) {
    const w = average === 'macro' ? 1 : s.support[i];
    wp += w * s.precision[i]; wr += w * s.recall[i]; wf += w * s.f1[i]; wsum += w;
  }
  return { precision: safeDivide(wp, wsum), recall: safeDivide(wr, wsum), f1: safeDivide(wf, wsum) };
}

/** Convenience: accuracy and the three macro scores in one pass (what `knnkit evaluate` reports). */
export function classificationScores(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): {
  accuracy: number; macroPrecision: number; macroRecall: number; macroF1: number;
} {
  const m = precisionRecallF1(yTrue, yPred, 'macro');
  return { accuracy: accuracy(yTrue, yPred), macroPrecision: m.precision, macroRecall: m.recall, macroF1: m.f1 };
}
