// Placeholder: replaced by knnkit's HNSW implementation.
import type { MatrixInput } from '../../core/data.js';
import type { MetricSpec } from '../../metrics/types.js';
import { BruteForce } from '../brute-force/brute-force.js';
export interface HnswOptions { metric?: MetricSpec; M?: number; efConstruction?: number; ef?: number; seed?: number }
export class HnswIndex extends BruteForce {
  static build(data: MatrixInput, opts: HnswOptions = {}): HnswIndex { return new HnswIndex(data, opts); }
  constructor(data: MatrixInput, opts: HnswOptions = {}) { super(data, opts); }
}
