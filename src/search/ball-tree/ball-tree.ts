// Placeholder: replaced by the ball-tree implementation.
import type { MatrixInput } from '../../core/data.js';
import type { MetricSpec } from '../../metrics/types.js';
import { BruteForce } from '../brute-force/brute-force.js';
export interface BallTreeOptions { metric?: MetricSpec; leafSize?: number }
export class BallTree extends BruteForce {
  override readonly kind = 'ball-tree' as 'brute';
  constructor(data: MatrixInput, opts: BallTreeOptions = {}) { super(data, opts); }
}
