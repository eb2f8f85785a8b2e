/**
 * Partial sort (C++ nth_element, the selection scikit-learn's trees use): reorders
 * keys[lo..hi] (inclusive) and the parallel `perm` so that position `kth` holds the element a
 * full sort would put there, everything before it is <= and everything after it is >=.
 * Hoare partition around a median-of-three pivot: O(n) expected, and elements equal to the
 * pivot are split between both sides, so data with many duplicates (integer features) still
 * partitions in balanced halves.
 */
export function nthElement(keys: Float64Array, perm: Int32Array, lo: number, hi: number, kth: number): void {
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < keys[lo]) swap(keys, perm, lo, mid);
    if (keys[hi] < keys[lo]) swap(keys, perm, lo, hi);
    if (keys[hi] < keys[mid]) swap(keys, perm, mid, hi);
    const pivot = keys[mid];
    let i = lo, j = hi;
    while (i <= j) {
      while (keys[i] < pivot) i++;
      while (keys[j] > pivot) j--;
      if (i <= j) { swap(keys, perm, i, j); i++; j--; }
    }
    // [lo..j] <= pivot <= [i..hi], and j < i; anything strictly between equals the pivot.
    if (kth <= j) hi = j;
    else if (kth >= i) lo = i;
    else return;
  }
}

function swap(keys: Float64Array, perm: Int32Array, a: number, b: number): void {
  const k = keys[a]; keys[a] = keys[b]; keys[b] = k;
  const p = perm[a]; perm[a] = perm[b]; perm[b] = p;
}
