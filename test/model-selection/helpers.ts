import type { Matrix } from '../../src/core/data.js';
import type { Label } from '../../src/core/labels.js';
import { toDense } from '../../src/core/matrix.js';

/**
 * A tiny exact k-NN stand-in (uniform vote, ties to the smallest label, Euclidean), so that the
 * model-selection machinery is tested independently of src/learn.
 */
export class TinyKnn {
  X: Matrix | undefined;
  y: Label[] = [];
  fits = 0;
  constructor(readonly k = 1, readonly weights: 'uniform' | 'distance' = 'uniform') {}
  get classes(): Label[] { return [...new Set(this.y)].sort(); }
  fit(X: Matrix, y: ArrayLike<Label>): this { this.X = toDense(X); this.y = Array.from(y); this.fits++; return this; }
  predict(Q: Matrix): Label[] {
    const X = toDense(this.X), q = toDense(Q);
    const out: Label[] = [];
    for (let i = 0; i < q.rows; i++) {
      const d: [number, number][] = [];
      for (let r = 0; r < X.rows; r++) {
        let s = 0;
        for (let j = 0; j < X.cols; j++) { const t = q.data[i * q.cols + j] - X.data[r * X.cols + j]; s += t * t; }
        d.push([Math.sqrt(s), r]);
      }
      d.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      const votes = new Map<Label, number>();
      for (const [dist, r] of d.slice(0, this.k)) votes.set(this.y[r], (votes.get(this.y[r]) ?? 0) + (this.weights === 'distance' ? 1 / Math.max(dist, 1e-12) : 1));
      let best: Label = this.y[d[0][1]], bv = -1;
      for (const [l, v] of [...votes].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (v > bv) { best = l; bv = v; }
      out.push(best);
    }
    return out;
  }
}

/** Tiny mean regressor stand-in. */
export class MeanRegressor {
  mean = 0;
  fit(_X: Matrix, y: ArrayLike<Label>): this { let s = 0; for (let i = 0; i < y.length; i++) s += y[i] as number; this.mean = s / y.length; return this; }
  predict(X: Matrix): Float64Array { return new Float64Array(X.rows).fill(this.mean); }
}
