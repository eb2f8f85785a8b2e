import type { ColumnSolution } from './columns.js';

/** The uniform [0, 1) draws of the reference rule: MATLAB's `rand` (MersenneTwister) or any seeded Rng. */
export interface UniformSource { random(): number }

/** A node's learned neighbours: indices into the training set and their coefficients w. */
export interface NodeNeighbours { idx: Int32Array; w: Float64Array }

/** `support`: every non-zero of the L1 solution (the paper's text), by |w| descending. */
export function supportRule(sol: ColumnSolution): NodeNeighbours {
  return sortByMagnitude(sol.idx, sol.val, sol.idx.length);
}

/**
 * `reference`: the authors' code's post-processing (not in the paper). Keeps k_target in
 * {1, 2, 3} largest |w|: k_target from the spread of |w| (std vs mean) and the deterministic
 * per-column factor mod(7 j + 13, 10) / 10 with j 1-based as in MATLAB; when `rand() > 0.7`
 * (probability 0.3) a step of randi([-1, 1]) is added: -1, 0 or +1, exactly as
 * lasso_self_rep_kernel.m writes it (so one time in three the "perturbation" is 0), with
 * randi([-1, 1]) = ceil(3 rand) - 2 as MATLAB computes it from the next uniform. Draws are
 * taken in column order, so the result does not depend on how columns were spread over threads. An all-zero w falls back to the 1-2
 * most similar same-class samples (by A, i.e. the nearest ones), or the most similar sample
 * of any class when j has no other same-class sample; those neighbours get w = 1.
 */
export function referenceRule(
  j: number, sol: ColumnSolution, rng: UniformSource,
  nearestSame: Int32Array, nearestAny: () => number,
): NodeNeighbours {
  const j1 = j + 1;
  const colFactor = ((j1 * 7 + 13) % 10) / 10;
  const nnz = sol.idx.length;
  if (nnz > 0) {
    let mean = 0;
    for (let t = 0; t < nnz; t++) mean += Math.abs(sol.val[t]);
    mean /= nnz;
    let ss = 0;
    for (let t = 0; t < nnz; t++) { const d = Math.abs(sol.val[t]) - mean; ss += d * d; }
    const std = nnz > 1 ? Math.sqrt(ss / (nnz - 1)) : 0; // MATLAB std: N - 1 normalisation
    let k: number;
    if (std > 0.5 * mean) k = clamp13(matlabRound(2 + colFactor));
    else if (std < 0.1 * mean) k = clamp13(matlabRound(1 + colFactor));
    else k = clamp13(matlabRound(1 + 2 * colFactor));
    if (rng.random() > 0.7) k = clamp13(k + (Math.ceil(3 * rng.random()) - 2));
    k = Math.min(k, nnz);
    return sortByMagnitude(sol.idx, sol.val, k);
  }
  const k = Math.max(1, Math.min(2, matlabRound(1 + colFactor)));
  const picks: number[] = [];
  for (let t = 0; t < 2 && picks.length < k; t++) if (nearestSame[2 * j + t] >= 0) picks.push(nearestSame[2 * j + t]);
  if (picks.length === 0) {
    const a = nearestAny();
    if (a >= 0) picks.push(a);
  }
  return { idx: Int32Array.from(picks), w: new Float64Array(picks.length).fill(1) };
}

function clamp13(k: number): number { return Math.max(1, Math.min(3, k)); }

/** MATLAB round: halves away from zero (operands here are positive). */
function matlabRound(x: number): number { return Math.floor(x + 0.5 + 1e-12); }

/** The k largest |w|, descending; ties keep the lower index first (MATLAB's stable sort). */
function sortByMagnitude(idx: Int32Array, val: Float64Array, k: number): NodeNeighbours {
  const outI = new Int32Array(k), outW = new Float64Array(k);
  const before = (a: number, b: number) => {
    const d = Math.abs(val[a]) - Math.abs(val[b]);
    return d > 0 || (d === 0 && idx[a] < idx[b]);
  };
  if (k <= 8) {
    // partial selection (the reference rule keeps at most 3): k passes over the support
    const taken = new Uint8Array(idx.length);
    for (let t = 0; t < k; t++) {
      let best = -1;
      for (let u = 0; u < idx.length; u++) if (!taken[u] && (best < 0 || before(u, best))) best = u;
      taken[best] = 1; outI[t] = idx[best]; outW[t] = val[best];
    }
    return { idx: outI, w: outW };
  }
  const order = new Int32Array(idx.length);
  for (let t = 0; t < order.length; t++) order[t] = t;
  order.sort((a, b) => (Math.abs(val[b]) - Math.abs(val[a])) || (idx[a] - idx[b]));
  for (let t = 0; t < k; t++) { outI[t] = idx[order[t]]; outW[t] = val[order[t]]; }
  return { idx: outI, w: outW };
}

/**
 * Paper's Eq. 4 as build_hnsw_index.m computes it: weights v_i = 1 / (d_i + 1e-6) from the
 * Euclidean distances to the neighbours (not the learned w), self weight 2 max_i v_i on the
 * node's own class, label = argmax of the class scores (first maximum = lowest class id).
 * With no neighbours the score is the own class alone, so the label is the own label.
 * Writes the unnormalised scores into `scores` (nClasses) and returns the label id.
 */
export function consensus(ownLabel: number, nbrLabels: ArrayLike<number>, nbrDist: ArrayLike<number>, scores: Float64Array, selfFactor = 2): number {
  scores.fill(0);
  let vmax = 0;
  for (let t = 0; t < nbrLabels.length; t++) {
    const v = 1 / (nbrDist[t] + 1e-6);
    scores[nbrLabels[t]] += v;
    if (v > vmax) vmax = v;
  }
  scores[ownLabel] += nbrLabels.length > 0 ? selfFactor * vmax : 1;
  let best = 0;
  for (let c = 1; c < scores.length; c++) if (scores[c] > scores[best]) best = c;
  return best;
}
