import type { CsrMatrix } from '../core/sparse.js';
import { KnnkitError } from '../core/errors.js';
import type { Ratings } from './ratings.js';

/**
 * The training ratings as a sparse user x item matrix held both ways: by user (CSR: the items a
 * user rated, ascending) and by item (CSC: the users who rated an item, ascending). Users and
 * items keep the ids of the Ratings they came from, so a user with no rating in this matrix is
 * simply an empty row (Surprise's "unknown user").
 */
export interface RatingMatrix {
  readonly nUsers: number;
  readonly nItems: number;
  readonly nnz: number;
  readonly userPtr: Int32Array;
  readonly userItems: Int32Array;
  readonly userValues: Float64Array;
  readonly itemPtr: Int32Array;
  readonly itemUsers: Int32Array;
  readonly itemValues: Float64Array;
  /** Mean of every rating in the matrix (Surprise's trainset.global_mean). */
  readonly globalMean: number;
  readonly scale: readonly [number, number];
  readonly implicit: boolean;
  /** The raw ids, shared with the Ratings. */
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  readonly userIndex: ReadonlyMap<string, number>;
  readonly itemIndex: ReadonlyMap<string, number>;
}

/**
 * Builds the matrix from all ratings, or from the entries `rows` (a training fold). Two
 * counting-sort passes; entries of one user (item) end up ordered by item (user), and repeated
 * (user, item) pairs are kept as Surprise keeps them.
 */
export function ratingMatrix(r: Ratings, rows?: ArrayLike<number>): RatingMatrix {
  const n = rows ? rows.length : r.size;
  if (n === 0) throw new KnnkitError('train', 'train: no ratings to fit on');
  const { nUsers, nItems } = r;
  const at = (p: number) => (rows ? rows[p] : p);
  // by item first (counting sort on item over entries sorted by user gives users ascending per item)
  const userPtr = new Int32Array(nUsers + 1), itemPtr = new Int32Array(nItems + 1);
  let sum = 0;
  for (let p = 0; p < n; p++) { const e = at(p); userPtr[r.user[e] + 1]++; itemPtr[r.item[e] + 1]++; sum += r.rating[e]; }
  for (let u = 0; u < nUsers; u++) userPtr[u + 1] += userPtr[u];
  for (let i = 0; i < nItems; i++) itemPtr[i + 1] += itemPtr[i];
  // pass 1: entries bucketed by item (file order within an item)
  const fillI = itemPtr.slice(0, nItems);
  const byItem = new Int32Array(n);
  for (let p = 0; p < n; p++) { const e = at(p); byItem[fillI[r.item[e]]++] = e; }
  // pass 2: by user, visiting entries item-ascending -> items ascending within each user (stable)
  const fillU = userPtr.slice(0, nUsers);
  const userItems = new Int32Array(n), userValues = new Float64Array(n);
  const byUser = new Int32Array(n);
  for (let q = 0; q < n; q++) { const e = byItem[q]; const t = fillU[r.user[e]]++; userItems[t] = r.item[e]; userValues[t] = r.rating[e]; byUser[t] = e; }
  // pass 3: by item again from the user-sorted order -> users ascending within each item
  fillI.set(itemPtr.subarray(0, nItems));
  const itemUsers = new Int32Array(n), itemValues = new Float64Array(n);
  for (let q = 0; q < n; q++) { const e = byUser[q]; const t = fillI[r.item[e]]++; itemUsers[t] = r.user[e]; itemValues[t] = r.rating[e]; }
  return {
    nUsers, nItems, nnz: n, userPtr, userItems, userValues, itemPtr, itemUsers, itemValues,
    globalMean: sum / n, scale: r.scale, implicit: r.implicit,
    userIds: r.userIds, itemIds: r.itemIds, userIndex: r.userIndex, itemIndex: r.itemIndex,
  };
}

/** The user x item matrix as a knnkit CsrMatrix (float32 values), for the search engines and sparse kernels. */
export function toCsr(m: RatingMatrix): CsrMatrix {
  return { kind: 'csr', indptr: m.userPtr, indices: m.userItems, values: Float32Array.from(m.userValues), rows: m.nUsers, cols: m.nItems };
}

/**
 * One side of the matrix seen as "x" (the entities compared: users for user-based kNN) and "y"
 * (the other side): xr(x) = the (y, r) pairs of x, yr(y) = the (x, r) pairs of y, as Surprise's
 * xr / yr.
 */
export interface Sides {
  nX: number; nY: number;
  xPtr: Int32Array; xIdx: Int32Array; xVal: Float64Array;
  yPtr: Int32Array; yIdx: Int32Array; yVal: Float64Array;
}

export function sides(m: RatingMatrix, userBased: boolean): Sides {
  return userBased
    ? { nX: m.nUsers, nY: m.nItems, xPtr: m.userPtr, xIdx: m.userItems, xVal: m.userValues, yPtr: m.itemPtr, yIdx: m.itemUsers, yVal: m.itemValues }
    : { nX: m.nItems, nY: m.nUsers, xPtr: m.itemPtr, xIdx: m.itemUsers, xVal: m.itemValues, yPtr: m.userPtr, yIdx: m.userItems, yVal: m.userValues };
}

/** Mean and population standard deviation (numpy's std) of every row of one side; 0 for empty rows. */
export function rowMeans(ptr: Int32Array, val: Float64Array, n: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(n), std = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    const s = ptr[x], e = ptr[x + 1];
    if (e === s) continue;
    let t = 0;
    for (let p = s; p < e; p++) t += val[p];
    const mu = t / (e - s);
    let v = 0;
    for (let p = s; p < e; p++) v += (val[p] - mu) * (val[p] - mu);
    mean[x] = mu; std[x] = Math.sqrt(v / (e - s));
  }
  return { mean, std };
}
