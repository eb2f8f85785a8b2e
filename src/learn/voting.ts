import type { Neighborhoods } from './base.js';
import { validCount } from './base.js';
import type { WeightFunction } from './params.js';
import type { WeightKind, WeightOptions } from './weights.js';
import { neighborWeights, numpyPairwiseSum } from './weights.js';

export interface VoteSpec extends WeightOptions {
  weights: WeightKind | WeightFunction;
  nClasses: number;
  /** Per-class vote multipliers (class weights), or undefined for all 1. */
  classWeight?: Float64Array;
}

export interface VoteResult {
  /** nQueries x nClasses row-major, rows sum to 1 (all-zero rows for empty neighbourhoods). */
  proba: Float64Array;
  /** Predicted class id per query (-1 for an empty neighbourhood). */
  pred: Int32Array;
}

/**
 * Weighted class votes over each query's neighbours.
 *
 * Probabilities follow scikit-learn's predict_proba: votes accumulate neighbour by neighbour
 * (nearest first), then each row is divided by its numpy-summed total.
 *
 * Predictions take the class with the largest vote; ties go to the lowest class in sorted class
 * order (scikit-learn's argmax / scipy mode / weighted_mode all do this). For 'distance' weights
 * without class weights the class totals are summed as scikit-learn's weighted_mode sums them
 * (numpy pairwise sum over the k slots), so that exact ties between floating-point totals break
 * identically.
 */
export function classVotes(nb: Neighborhoods, y: Int32Array, spec: VoteSpec): VoteResult {
  const C = spec.nClasses, nq = nb.nQueries;
  const proba = new Float64Array(nq * C);
  const pred = new Int32Array(nq);
  let maxRow = 0;
  for (let q = 0; q < nq; q++) maxRow = Math.max(maxRow, nb.offsets[q + 1] - nb.offsets[q]);
  const w = new Float64Array(Math.max(1, maxRow));
  const dist = new Float64Array(Math.max(1, maxRow));
  const tmpl = new Float64Array(Math.max(1, maxRow));
  const votes = new Float64Array(C);
  const mirrorWeightedMode = spec.weights === 'distance' && !spec.classWeight;
  for (let q = 0; q < nq; q++) {
    const s = nb.offsets[q], n = validCount(nb, q);
    if (n === 0) { pred[q] = -1; continue; }
    for (let i = 0; i < n; i++) dist[i] = nb.distances[s + i];
    neighborWeights(spec.weights, dist, n, w, spec, q);
    votes.fill(0);
    for (let i = 0; i < n; i++) {
      const c = y[nb.indices[s + i]];
      votes[c] += spec.classWeight ? w[i] * spec.classWeight[c] : w[i];
    }
    const total = numpyPairwiseSum(votes, 0, C);
    const row = q * C;
    if (total > 0) for (let c = 0; c < C; c++) proba[row + c] = votes[c] / total;
    if (mirrorWeightedMode) {
      // weighted_mode: for each present class (ascending), total = pairwise sum of a k-slot
      // template holding w_i where y_i == c and 0 elsewhere; strictly larger wins.
      let best = -1, bestCount = 0;
      for (let c = 0; c < C; c++) {
        if (votes[c] === 0 && !hasClass(nb, y, s, n, c)) continue;
        for (let i = 0; i < n; i++) tmpl[i] = y[nb.indices[s + i]] === c ? w[i] : 0;
        const cnt = numpyPairwiseSum(tmpl, 0, n);
        if (best < 0 || cnt > bestCount) { best = c; bestCount = cnt; }
      }
      pred[q] = best;
    } else {
      let best = 0;
      for (let c = 1; c < C; c++) if (votes[c] > votes[best]) best = c;
      pred[q] = best;
    }
  }
  return { proba, pred };
}

function hasClass(nb: Neighborhoods, y: Int32Array, s: number, n: number, c: number): boolean {
  for (let i = 0; i < n; i++) if (y[nb.indices[s + i]] === c) return true;
  return false;
}
