import type { MatrixInput } from '../core/data.js';
import type { MetricSpec } from '../metrics/types.js';
import { resolveMetric } from '../metrics/registry.js';
import { invalidParam } from '../core/errors.js';
import type { NeighborIndex } from './types.js';
import { BruteForce } from './brute-force/brute-force.js';
import { KDTree } from './kd-tree/kd-tree.js';
import { BallTree } from './ball-tree/ball-tree.js';
import { HnswIndex } from './hnsw/hnsw-index.js';
import { chooseAlgorithm } from './auto.js';
import { isCsr } from '../core/sparse.js';
import { toMatrix } from '../core/data.js';

export const ENGINE_KINDS = ['brute', 'kd-tree', 'ball-tree', 'hnsw'] as const;
export type EngineKind = typeof ENGINE_KINDS[number];

export interface EngineOptions {
  metric?: MetricSpec;
  /** KD-tree / ball-tree leaf size (default 40, as scikit-learn's 30-40). */
  leafSize?: number;
  /** HNSW: links per node, construction beam, default search beam, seed. */
  M?: number;
  efConstruction?: number;
  ef?: number;
  seed?: number;
  /** HNSW: 'f32' (default) or 'bits' (bit-packed 0/1 vectors, see docs/hnsw.md). */
  storage?: 'f32' | 'bits';
}

/**
 * Builds a search engine by name: the one switch over engine kinds. 'auto' picks an exact
 * engine by scikit-learn's rule (./auto.ts) from the data's size, dimension and metric.
 */
export function createIndex(kind: EngineKind | 'auto' | string, data: MatrixInput, opts: EngineOptions = {}): NeighborIndex {
  if (kind === 'auto') {
    const m = toMatrix(data, { name: 'data' });
    const metric = resolveMetric(opts.metric ?? 'euclidean', m.kind === 'dense' ? m : undefined);
    return createIndex(chooseAlgorithm({ n: m.rows, d: m.cols, metric, sparse: isCsr(m) }), m, { ...opts, metric });
  }
  switch (kind) {
    case 'brute': return new BruteForce(data, { metric: opts.metric });
    case 'kd-tree': return new KDTree(data, { metric: opts.metric, leafSize: opts.leafSize });
    case 'ball-tree': return new BallTree(data, { metric: opts.metric, leafSize: opts.leafSize });
    case 'hnsw': return HnswIndex.build(data, { metric: opts.metric, M: opts.M, efConstruction: opts.efConstruction, ef: opts.ef, seed: opts.seed, storage: opts.storage });
    default: throw invalidParam('index', kind, `one of ${ENGINE_KINDS.join(', ')}, auto`);
  }
}
