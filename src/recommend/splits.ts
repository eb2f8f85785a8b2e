import { KnnkitError, checkInteger, checkNumber, invalidParam } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Ratings } from './ratings.js';

/** A train/test split as entry indices into a Ratings (ascending within each part). */
export interface RatingSplit { train: Int32Array; test: Int32Array }

function checkSeed(seed: unknown): number {
  return seed === undefined ? 0 : checkInteger('seed', seed, 0, 0xffffffff);
}

function sortedParts(n: number, isTest: (p: number) => boolean): RatingSplit {
  let nt = 0;
  for (let p = 0; p < n; p++) if (isTest(p)) nt++;
  const train = new Int32Array(n - nt), test = new Int32Array(nt);
  let a = 0, b = 0;
  for (let p = 0; p < n; p++) { if (isTest(p)) test[b++] = p; else train[a++] = p; }
  return { train, test };
}

/**
 * k-fold cross-validation over the ratings, as Surprise's KFold: the entries are shuffled
 * (seeded) and cut into `folds` contiguous parts, the first n % folds parts one larger; each part
 * is once the test set.
 */
export function ratingFolds(ratings: Ratings | number, opts: { folds?: number; seed?: number; shuffle?: boolean } = {}): RatingSplit[] {
  const n = typeof ratings === 'number' ? ratings : ratings.size;
  const folds = opts.folds === undefined ? 5 : checkInteger('folds', opts.folds, 2);
  if (folds > n) throw new KnnkitError('folds', `folds: got ${folds}; cannot exceed the number of ratings (${n})`);
  const order = opts.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : new Rng(checkSeed(opts.seed)).permutation(n);
  const fold = new Int32Array(n);
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const size = Math.floor(n / folds) + (f < n % folds ? 1 : 0);
    for (let t = start; t < start + size; t++) fold[order[t]] = f;
    start += size;
  }
  return Array.from({ length: folds }, (_, f) => sortedParts(n, (p) => fold[p] === f));
}

/** Random split: `testSize` (a fraction in (0, 1) or a count) of the ratings to test, seeded. */
export function randomSplit(ratings: Ratings, opts: { testSize?: number; seed?: number } = {}): RatingSplit {
  const n = ratings.size;
  const ts = opts.testSize ?? 0.2;
  const nTest = Number.isInteger(ts) && ts >= 1 ? ts : Math.ceil(checkNumber('testSize', ts, 0, 1, { minExclusive: true }) * n);
  if (nTest >= n || ts >= n) throw invalidParam('testSize', ts, `a fraction in (0, 1) or a count < ${n}`);
  const perm = new Rng(checkSeed(opts.seed)).permutation(n);
  const isTest = new Uint8Array(n);
  for (let t = 0; t < nTest; t++) isTest[perm[t]] = 1;
  return sortedParts(n, (p) => isTest[p] === 1);
}

/** Entry indices of each user, in file order. */
function byUser(r: Ratings): { ptr: Int32Array; idx: Int32Array } {
  const ptr = new Int32Array(r.nUsers + 1);
  for (let p = 0; p < r.size; p++) ptr[r.user[p] + 1]++;
  for (let u = 0; u < r.nUsers; u++) ptr[u + 1] += ptr[u];
  const fill = ptr.slice(0, r.nUsers), idx = new Int32Array(r.size);
  for (let p = 0; p < r.size; p++) idx[fill[r.user[p]]++] = p;
  return { ptr, idx };
}

/**
 * Per-user leave-k-out: k ratings of every user go to test (chosen at random, seeded, or the k
 * latest by timestamp with `latest: true`); users with `minRatings` or fewer ratings (default k)
 * stay wholly in train, so every test user keeps at least one training rating.
 */
export function leaveKOut(ratings: Ratings, opts: { k?: number; seed?: number; latest?: boolean; minRatings?: number } = {}): RatingSplit {
  const k = opts.k === undefined ? 1 : checkInteger('k', opts.k, 1);
  const minR = opts.minRatings === undefined ? k : checkInteger('minRatings', opts.minRatings, k);
  if (opts.latest && !ratings.timestamp) throw new KnnkitError('latest', 'latest: the ratings have no timestamp column');
  const rng = new Rng(checkSeed(opts.seed));
  const { ptr, idx } = byUser(ratings);
  const isTest = new Uint8Array(ratings.size);
  for (let u = 0; u < ratings.nUsers; u++) {
    const s = ptr[u], e = ptr[u + 1];
    if (e - s <= minR) continue;
    const mine = idx.slice(s, e);
    if (opts.latest) {
      const ts = ratings.timestamp!;
      Array.prototype.sort.call(mine, (a: number, b: number) => ts[b] - ts[a] || b - a);
    } else rng.shuffle(mine);
    for (let t = 0; t < k; t++) isTest[mine[t]] = 1;
  }
  return sortedParts(ratings.size, (p) => isTest[p] === 1);
}

/**
 * Temporal split: the latest `testSize` fraction of the ratings (by timestamp, ties by file
 * order) to test; `perUser: true` takes the latest fraction of each user's ratings instead.
 */
export function temporalSplit(ratings: Ratings, opts: { testSize?: number; perUser?: boolean } = {}): RatingSplit {
  const ts = ratings.timestamp;
  if (!ts) throw new KnnkitError('timestamp', 'timestamp: a temporal split needs a timestamp column (user,item,rating,timestamp)');
  const frac = checkNumber('testSize', opts.testSize ?? 0.2, 0, 1, { minExclusive: true });
  if (frac >= 1) throw invalidParam('testSize', frac, 'a fraction in (0, 1)');
  const isTest = new Uint8Array(ratings.size);
  const pick = (entries: number[] | Int32Array) => {
    const arr = Array.from(entries).sort((a, b) => ts[a] - ts[b] || a - b);
    const nTest = Math.round(frac * arr.length);
    for (let t = arr.length - nTest; t < arr.length; t++) isTest[arr[t]] = 1;
  };
  if (opts.perUser) {
    const { ptr, idx } = byUser(ratings);
    for (let u = 0; u < ratings.nUsers; u++) if (ptr[u + 1] - ptr[u] > 1) pick(idx.subarray(ptr[u], ptr[u + 1]));
  } else pick(Int32Array.from({ length: ratings.size }, (_, i) => i));
  return sortedParts(ratings.size, (p) => isTest[p] === 1);
}
