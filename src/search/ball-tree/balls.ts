import type { Metric } from '../../metrics/types.js';
import type { TreeLayout } from '../tree/layout.js';
import { nthElement } from '../tree/select.js';

/**
 * Centre and radius of every node's ball. Any centre gives a valid ball (R = the largest
 * distance from it to the node's points); a smaller R prunes more. scikit-learn uses the mean;
 * here the mean and the coordinate-wise (lower) median are both tried and the one with the
 * smaller radius kept: the mean suits L2, the median suits L1 and Hamming (on binary data it is
 * the per-coordinate majority, whereas the mean is no data value at all and every point sits at
 * Hamming distance ~1 from it). Cost: O(n d log n) over the whole tree.
 */
export function fitBalls(t: TreeLayout, d: number, metric: Metric): { centers: Float64Array; radii: Float64Array } {
  const centers = new Float64Array(t.nNodes * d);
  const radii = new Float64Array(t.nNodes);
  const mean = new Float64Array(d), median = new Float64Array(d);
  const keys = new Float64Array(t.perm.length), scratch = new Int32Array(t.perm.length);
  const pts = t.points;
  for (let node = 0; node < t.nNodes; node++) {
    const s = t.nodeStart[node], e = t.nodeEnd[node], n = e - s;
    mean.fill(0);
    for (let p = s; p < e; p++) for (let j = 0; j < d; j++) mean[j] += pts[p * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    const mid = s + ((n - 1) >> 1);
    for (let j = 0; j < d; j++) {
      for (let p = s; p < e; p++) keys[p] = pts[p * d + j];
      nthElement(keys, scratch, s, e - 1, mid);
      median[j] = keys[mid];
    }
    const rMean = radius(metric, mean, pts, s, e, d);
    const rMedian = radius(metric, median, pts, s, e, d);
    const useMedian = rMedian < rMean;
    centers.set(useMedian ? median : mean, node * d);
    radii[node] = useMedian ? rMedian : rMean;
  }
  return { centers, radii };
}

function radius(metric: Metric, c: Float64Array, pts: Float32Array, s: number, e: number, d: number): number {
  let r = 0;
  for (let p = s; p < e; p++) {
    const v = metric.distance(c, 0, pts, p * d, d);
    if (v > r) r = v;
  }
  return r;
}
