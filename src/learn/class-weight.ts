import { KnnkitError, invalidParam, describeValue } from '../core/errors.js';
import type { Label } from '../core/labels.js';

/** 'balanced' or a map label -> weight (labels as their String() spelling); unlisted classes weigh 1. */
export type ClassWeight = 'balanced' | Record<string, number>;

export function checkClassWeight(cw: unknown): ClassWeight | undefined {
  if (cw === undefined) return undefined;
  if (cw === 'balanced') return cw;
  if (cw && typeof cw === 'object' && !Array.isArray(cw)) {
    for (const [k, v] of Object.entries(cw)) {
      // > 0: a zero weight could leave a query with no vote at all (every neighbour weightless)
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalidParam(`classWeight[${JSON.stringify(k)}]`, v, 'a finite number > 0');
    }
    return cw as Record<string, number>;
  }
  throw invalidParam('classWeight', cw, '"balanced" or an object mapping labels to weights');
}

/**
 * Per-class vote multipliers. 'balanced' is scikit-learn's n / (C * count_c): every class then
 * carries the same total weight, so a majority class cannot outvote a minority one by numbers
 * alone (the imbalance remedy of the seeds' course chapter). A map must only name known classes.
 */
export function classWeightVector(cw: ClassWeight | undefined, classes: Label[], yIds: Int32Array): Float64Array | undefined {
  if (cw === undefined) return undefined;
  const C = classes.length;
  const out = new Float64Array(C).fill(1);
  if (cw === 'balanced') {
    const counts = new Float64Array(C);
    for (let i = 0; i < yIds.length; i++) counts[yIds[i]]++;
    for (let c = 0; c < C; c++) out[c] = yIds.length / (C * counts[c]);
    return out;
  }
  const byName = new Map(classes.map((c, i) => [String(c), i]));
  for (const [k, v] of Object.entries(cw)) {
    const id = byName.get(k);
    if (id === undefined) throw new KnnkitError('classWeight', `classWeight: label ${JSON.stringify(k)} is not a class of the training labels; classes: ${classes.slice(0, 20).map((c) => describeValue(c)).join(', ')}`);
    out[id] = v;
  }
  return out;
}
