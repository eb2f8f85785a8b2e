import { KnnkitError } from '../core/errors.js';

/** 0/1 outlier labels (1 = outlier; booleans or numbers), checked against the scores' length. */
function binaryLabels(yTrue: ArrayLike<number | boolean>, n: number): Uint8Array {
  if (yTrue.length !== n) throw new KnnkitError('scores', `scores: ${n} values for ${yTrue.length} labels; expected as many`);
  if (n === 0) throw new KnnkitError('yTrue', 'yTrue: no samples to score');
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = yTrue[i];
    if (v === 1 || v === true) y[i] = 1;
    else if (v !== 0 && v !== false) throw new KnnkitError('yTrue', `yTrue: got ${String(v)} at ${i}; expected 0 / 1 (1 = outlier) or booleans`);
  }
  return y;
}

function checkScores(scores: ArrayLike<number>): void {
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i])) throw new KnnkitError('scores', `scores: NaN at ${i}; expected numbers`);
  }
}

/**
 * Area under the ROC curve of outlier scores (larger = more abnormal) against 0/1 labels
 * (1 = outlier), as the Mann-Whitney statistic: AUC = (R_pos - n_pos (n_pos + 1) / 2) / (n_pos n_neg)
 * with R_pos the sum of the positives' ranks, tied scores sharing their average rank (a tie
 * between a positive and a negative counts 1/2), which equals scikit-learn's roc_auc_score.
 */
export function rocAuc(yTrue: ArrayLike<number | boolean>, scores: ArrayLike<number>): number {
  const n = scores.length;
  const y = binaryLabels(yTrue, n);
  checkScores(scores);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i];
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) {
    throw new KnnkitError('yTrue', `yTrue: ROC-AUC needs both classes; got ${nPos} outliers and ${nNeg} inliers`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSum = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avg = (i + j) / 2 + 1; // ranks i+1 .. j+1 averaged
    for (let t = i; t <= j; t++) if (y[order[t]]) rankSum += avg;
    i = j + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Precision at n (PyOD's precision_n_scores): n = the number of outliers in yTrue unless given;
 * the points scored strictly above the (1 - n / N) percentile of the scores (numpy linear
 * interpolation) are called outliers, and the result is the fraction of them that are.
 */
export function precisionAtN(yTrue: ArrayLike<number | boolean>, scores: ArrayLike<number>, n?: number): number {
  const N = scores.length;
  const y = binaryLabels(yTrue, N);
  checkScores(scores);
  let nPos = 0;
  for (let i = 0; i < N; i++) nPos += y[i];
  const m = n === undefined ? nPos : n;
  if (!Number.isInteger(m) || m < 1 || m > N) throw new KnnkitError('n', `n: got ${m}; expected an integer in [1, ${N}]${n === undefined ? ' (yTrue has no outlier)' : ''}`);
  const sorted = Float64Array.from(scores).sort();
  const pos = (1 - m / N) * (N - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  const threshold = sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  let called = 0, hit = 0;
  for (let i = 0; i < N; i++) if (scores[i] > threshold) { called++; hit += y[i]; }
  return called === 0 ? 0 : hit / called;
}
