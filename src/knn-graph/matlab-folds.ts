import { checkInteger, KnnkitError } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import type { Fold } from '../model-selection/index.js';

/**
 * The authors' folds, bit for bit. Demo.m runs `rng(5, 'twister'); cv = cvpartition(Y, 'KFold', 10)`.
 * MATLAB's 'twister' generator is MT19937 (init_genrand) and `rand` is its 53-bit double
 * (genrand_res53, the same numbers as numpy's RandomState(seed).random_sample()); the
 * stratified k-fold of cvpartition (stra_kfoldcv) is
 *
 *   g = grp2idx(Y); cvid = 1 + mod((1:N)', K); [~, idx] = sort(g + rand(N, 1)); cvid(idx) = cvid;
 *
 * i.e. the samples are ordered by class, shuffled within each class by the uniform draws, and
 * dealt round-robin over the folds in that order (the deal runs on across class boundaries).
 * Reproducing this lets knnkit evaluate on exactly the training / test sets of the saved
 * reference runs instead of merely equivalent ones; see docs/knn-graph.md for what it changes.
 */
export class MersenneTwister {
  private mt = new Uint32Array(624);
  private mti = 625;

  constructor(seed: number) {
    checkInteger('seed', seed, 0, 0xffffffff);
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const s = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * s + i in 32-bit arithmetic (split to stay exact in doubles)
      mt[i] = (((((s & 0xffff0000) >>> 16) * 1812433253) << 16) + (s & 0x0000ffff) * 1812433253 + i) >>> 0;
    }
    this.mti = 624;
  }

  /** genrand_int32: uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= 624) {
      let kk = 0;
      for (; kk < 624 - 397; kk++) {
        const y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + 397] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      for (; kk < 623; kk++) {
        const y = (mt[kk] & 0x80000000) | (mt[kk + 1] & 0x7fffffff);
        mt[kk] = mt[kk + 397 - 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      const y = (mt[623] & 0x80000000) | (mt[0] & 0x7fffffff);
      mt[623] = mt[396] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** genrand_res53: MATLAB's `rand` under rng(seed, 'twister'). */
  random(): number {
    const a = this.nextUint32() >>> 5, b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
}

/**
 * MATLAB's grp2idx group numbers (1-based): numeric labels by ascending value, string labels in
 * order of first appearance (as grp2idx does for cell arrays of character vectors).
 */
function groupIndex(y: ArrayLike<Label>): Int32Array {
  const n = y.length;
  const allNumbers = Array.from(y).every((v) => typeof v === 'number');
  const keys: (string | number)[] = [];
  const seen = new Set<string | number>();
  for (let i = 0; i < n; i++) { const v = y[i]; if (!seen.has(v)) { seen.add(v); keys.push(v); } }
  if (allNumbers) (keys as number[]).sort((a, b) => a - b);
  const id = new Map(keys.map((k, i) => [k, i + 1]));
  return Int32Array.from({ length: n }, (_, i) => id.get(y[i])!);
}

/** Test-fold id (1..folds) per sample, exactly as `rng(seed, 'twister'); cvpartition(y, 'KFold', folds)`. */
export function cvpartitionKFoldIds(y: ArrayLike<Label>, folds: number, seed: number): Int32Array {
  checkInteger('folds', folds, 2);
  const n = y.length;
  if (n === 0) throw new KnnkitError('y', 'y: empty; expected at least one label');
  if (folds > n) throw new KnnkitError('folds', `folds: got ${folds}; cannot be greater than the number of samples (${n})`);
  const g = groupIndex(y);
  const rng = new MersenneTwister(seed);
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) key[i] = g[i] + rng.random();
  // MATLAB's sort is stable: ties (practically impossible) keep the original order
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => key[a] - key[b] || a - b);
  const ids = new Int32Array(n);
  for (let p = 0; p < n; p++) ids[order[p]] = 1 + ((p + 1) % folds);
  return ids;
}

/** The folds of cvpartition as knnkit Fold objects (fold f = test set cv.test(f + 1); indices ascending). */
export function cvpartitionStratifiedKFold(y: ArrayLike<Label>, folds: number, seed: number): Fold[] {
  const ids = cvpartitionKFoldIds(y, folds, seed);
  const out: Fold[] = [];
  for (let f = 1; f <= folds; f++) {
    const test: number[] = [], train: number[] = [];
    for (let i = 0; i < ids.length; i++) (ids[i] === f ? test : train).push(i);
    out.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return out;
}
