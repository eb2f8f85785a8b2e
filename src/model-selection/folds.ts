import { KnnkitError, checkInteger, invalidParam } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import { Rng } from '../core/rng.js';

/** One split: row indices (ascending) of the training and the test part. */
export interface Fold { train: Int32Array; test: Int32Array }

export interface FoldOptions {
  /** Number of folds (scikit-learn's n_splits), >= 2. Default 5. */
  folds?: number;
  /** Seed of the shuffle (Rng from src/core/rng.ts). Default 0. */
  seed?: number;
  /**
   * Shuffle before assigning folds. Default true (the papers' protocol partitions at random);
   * false reproduces scikit-learn's deterministic KFold / StratifiedKFold(shuffle=False) folds exactly.
   */
  shuffle?: boolean;
}

function resolve(opts: FoldOptions, n: number): { folds: number; rng: Rng | null } {
  if (opts == null || typeof opts !== 'object') throw invalidParam('options', opts, 'an object {folds, seed, shuffle}');
  const folds = checkInteger('folds', opts.folds ?? 5, 2);
  const seed = checkInteger('seed', opts.seed ?? 0, 0, 0xffffffff);
  const shuffle = opts.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw invalidParam('shuffle', shuffle, 'true or false');
  if (folds > n) throw new KnnkitError('folds', `folds: got ${folds}; cannot be greater than the number of samples (${n})`);
  return { folds, rng: shuffle ? new Rng(seed) : null };
}

/** Builds the folds from a test-fold id per sample. */
function fromAssignment(assign: Int32Array, folds: number): Fold[] {
  const n = assign.length;
  const sizes = new Int32Array(folds);
  for (let i = 0; i < n; i++) sizes[assign[i]]++;
  const out: Fold[] = [];
  for (let f = 0; f < folds; f++) {
    const test = new Int32Array(sizes[f]);
    const train = new Int32Array(n - sizes[f]);
    let a = 0, b = 0;
    for (let i = 0; i < n; i++) {
      if (assign[i] === f) test[a++] = i; else train[b++] = i;
    }
    out.push({ train, test });
  }
  return out;
}

/**
 * K-fold split of n samples (scikit-learn's KFold): the first n mod k folds get one extra
 * sample; with shuffle the samples are permuted first.
 */
export function kFold(n: number, opts: FoldOptions = {}): Fold[] {
  checkInteger('n', n, 1);
  const { folds, rng } = resolve(opts, n);
  const order = rng ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const assign = new Int32Array(n);
  const base = Math.floor(n / folds), extra = n % folds;
  let pos = 0;
  for (let f = 0; f < folds; f++) {
    const size = base + (f < extra ? 1 : 0);
    for (let j = 0; j < size; j++) assign[order[pos++]] = f;
  }
  return fromAssignment(assign, folds);
}

/**
 * Stratified k-fold split (scikit-learn's StratifiedKFold algorithm): the labels, sorted by
 * class, are dealt round-robin to the folds to fix how many members of each class every fold
 * gets (so each class is spread as evenly as possible and fold sizes differ by at most one);
 * then, per class, the members are given those fold ids in data order, or in a seeded random
 * order with shuffle. Classes are numbered by first appearance, as scikit-learn does, so with
 * shuffle=false the folds equal scikit-learn's exactly.
 */
export function stratifiedKFold(y: ArrayLike<Label>, opts: FoldOptions = {}): Fold[] {
  if (y == null || typeof y.length !== 'number') throw new KnnkitError('y', 'y: labels missing; stratified folds need one label per sample');
  const n = y.length;
  if (n === 0) throw new KnnkitError('y', 'y: empty; expected at least one label');
  const { folds, rng } = resolve(opts, n);
  // encode by first appearance
  const ids = new Map<string, number>();
  const enc = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (typeof v !== 'number' && typeof v !== 'string') throw new KnnkitError('y', `y: label ${String(v)} at position ${i}; expected a string or a number`);
    const k = typeof v === 'number' ? 'n:' + v : 's:' + v;
    let id = ids.get(k);
    if (id === undefined) { id = ids.size; ids.set(k, id); }
    enc[i] = id;
  }
  const c = ids.size;
  const counts = new Int32Array(c);
  for (let i = 0; i < n; i++) counts[enc[i]]++;
  let maxCount = 0;
  for (let k = 0; k < c; k++) maxCount = Math.max(maxCount, counts[k]);
  if (folds > maxCount) {
    throw new KnnkitError('folds', `folds: got ${folds}; cannot be greater than the number of members in each class (largest class has ${maxCount})`);
  }
  // allocation[f][k] = #class k among sorted labels at positions f, f + folds, ...
  const allocation = new Int32Array(folds * c);
  let pos = 0;
  for (let k = 0; k < c; k++) {
    for (let j = 0; j < counts[k]; j++, pos++) allocation[(pos % folds) * c + k]++;
  }
  const assign = new Int32Array(n);
  const members: number[][] = Array.from({ length: c }, () => []);
  for (let i = 0; i < n; i++) members[enc[i]].push(i);
  for (let k = 0; k < c; k++) {
    const foldIds = new Int32Array(counts[k]);
    let q = 0;
    for (let f = 0; f < folds; f++) for (let j = 0; j < allocation[f * c + k]; j++) foldIds[q++] = f;
    if (rng) rng.shuffle(foldIds);
    const m = members[k];
    for (let j = 0; j < m.length; j++) assign[m[j]] = foldIds[j];
  }
  return fromAssignment(assign, folds);
}
