import { checkInteger, checkNumber, invalidParam, KnnkitError } from '../core/errors.js';

/**
 * The kNN-LM distributions of Khandelwal et al. (2020), section 2:
 *
 *   p_kNN(y | x) ∝ Σ_{(k_i, v_i) ∈ N, v_i = y} exp(-d(k_i, f(x)) / T)
 *   p(y | x)     = λ p_kNN(y | x) + (1 - λ) p_LM(y | x)
 *
 * N = the k retrieved (key, value) pairs, d = squared L2 (the paper's choice), T = temperature.
 * Neighbour lists are rows of a fixed width kMax (value -1 = no neighbour, as knnkit pads search
 * results), so one retrieval at the largest k serves every smaller k (the nearest k of a sorted
 * list of kMax are its first k).
 */

/** Softmax weights exp(-d_i / T) of the first k neighbours of row `row`, normalised; shifted by the minimum distance for stability. */
function weights(values: Int32Array, dists: ArrayLike<number>, row: number, kMax: number, k: number, T: number, out: Float64Array): number {
  const base = row * kMax;
  let dMin = Infinity, used = 0;
  for (let j = 0; j < k; j++) {
    if (values[base + j] < 0) break;
    used++;
    if (dists[base + j] < dMin) dMin = dists[base + j];
  }
  let z = 0;
  for (let j = 0; j < used; j++) z += out[j] = Math.exp(-(dists[base + j] - dMin) / T);
  for (let j = 0; j < used; j++) out[j] /= z;
  return used;
}

function checkShape(values: Int32Array, dists: ArrayLike<number>, kMax: number): number {
  checkInteger('kMax', kMax, 1);
  if (values.length !== dists.length) throw new KnnkitError('dists', `dists: length ${dists.length} differs from values' ${values.length}`);
  if (values.length % kMax !== 0) throw new KnnkitError('values', `values: length ${values.length} is not a multiple of kMax = ${kMax}`);
  return values.length / kMax;
}

/** The full p_kNN(. | x) over a vocabulary of `vocabSize` words, from row `row` (all zero when the row has no neighbour). */
export function knnDistribution(values: Int32Array, dists: ArrayLike<number>, kMax: number, row: number, k: number, temperature: number, vocabSize: number): Float64Array {
  const rows = checkShape(values, dists, kMax);
  checkInteger('row', row, 0, rows - 1);
  k = checkInteger('k', k, 1, kMax);
  const T = checkNumber('temperature', temperature, 0, Infinity, { minExclusive: true });
  const p = new Float64Array(checkInteger('vocabSize', vocabSize, 1));
  const w = new Float64Array(k);
  const used = weights(values, dists, row, kMax, k, T, w);
  for (let j = 0; j < used; j++) {
    const v = values[row * kMax + j];
    if (v >= vocabSize) throw invalidParam('values', v, `ids below vocabSize ${vocabSize}`);
    p[v] += w[j];
  }
  return p;
}

/** p_kNN(target_i | x_i) for every row i (the only entry a perplexity needs). */
export function knnTargetProbs(values: Int32Array, dists: ArrayLike<number>, kMax: number, targets: Int32Array, k: number, temperature: number): Float64Array {
  const rows = checkShape(values, dists, kMax);
  if (targets.length !== rows) throw new KnnkitError('targets', `targets: ${targets.length} given for ${rows} neighbour rows`);
  k = checkInteger('k', k, 1, kMax);
  const T = checkNumber('temperature', temperature, 0, Infinity, { minExclusive: true });
  const out = new Float64Array(rows);
  const w = new Float64Array(k);
  for (let i = 0; i < rows; i++) {
    const used = weights(values, dists, i, kMax, k, T, w);
    let p = 0;
    for (let j = 0; j < used; j++) if (values[i * kMax + j] === targets[i]) p += w[j];
    out[i] = p;
  }
  return out;
}

/** λ p_kNN + (1 - λ) p_LM, elementwise (full distributions or per-target probabilities). */
export function interpolate(pLM: ArrayLike<number>, pKNN: ArrayLike<number>, lambda: number): Float64Array {
  const l = checkNumber('lambda', lambda, 0, 1);
  if (pLM.length !== pKNN.length) throw new KnnkitError('pKNN', `pKNN: length ${pKNN.length} differs from pLM's ${pLM.length}`);
  const out = new Float64Array(pLM.length);
  // λ = 0 and λ = 1 return the operand itself (no 0 * x rounding), so λ = 0 is p_LM exactly.
  for (let i = 0; i < out.length; i++) out[i] = l === 0 ? pLM[i] : l === 1 ? pKNN[i] : l * pKNN[i] + (1 - l) * pLM[i];
  return out;
}

/** exp of the mean negative log-probability (natural logs). */
export function perplexityFromLogProbs(logProbs: ArrayLike<number>): number {
  if (logProbs.length === 0) throw new KnnkitError('logProbs', 'logProbs: empty; a perplexity needs at least one token');
  let s = 0;
  for (let i = 0; i < logProbs.length; i++) s += logProbs[i];
  return Math.exp(-s / logProbs.length);
}

/** Perplexity of the interpolated model from per-token log p_LM(target) and p_kNN(target). */
export function interpolatedPerplexity(logProbsLM: ArrayLike<number>, pKNN: ArrayLike<number>, lambda: number): number {
  const l = checkNumber('lambda', lambda, 0, 1);
  if (logProbsLM.length !== pKNN.length) throw new KnnkitError('pKNN', `pKNN: length ${pKNN.length} differs from logProbsLM's ${logProbsLM.length}`);
  if (l === 0) return perplexityFromLogProbs(logProbsLM);
  let s = 0;
  for (let i = 0; i < pKNN.length; i++) s += Math.log(l * pKNN[i] + (1 - l) * Math.exp(logProbsLM[i]));
  return Math.exp(-s / pKNN.length);
}
