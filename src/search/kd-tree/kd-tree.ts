// Placeholder: replaced by the KD-tree implementation.
import type { MatrixInput } from '../../core/data.js';
import type { MetricSpec } from '../../metrics/types.js';
import { BruteForce } from '../brute-force/brute-force.js';
export interface KDTreeOptions { metric?: MetricSpec; leafSize?: number }
export class KDTree extends BruteForce {
  override readonly kind = 'kd-tree' as 'brute';
  constructor(data: MatrixInput, opts: KDTreeOptions = {}) { super(data, opts); }
}
