import type { MatrixInput } from '../core/data.js';
import type { MetricSpec } from '../metrics/types.js';
import { invalidParam } from '../core/errors.js';
import type { NeighborIndex } from './types.js';
import { BruteForce } from './brute-force/brute-force.js';
import { KDTree } from './kd-tree/kd-tree.js';
import { BallTree } from './ball-tree/ball-tree.js';
import { HnswIndex } from './hnsw/hnsw-index.js';

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
}

/** Builds a search engine by name: the one switch over engine kinds. */
export function createIndex(kind: EngineKind | string, data: MatrixInput, opts: EngineOptions = {}): NeighborIndex {
  switch (kind) {
    case 'brute': return new BruteForce(data, { metric: opts.metric });
    case 'kd-tree': return new KDTree(data, { metric: opts.metric, leafSize: opts.leafSize });
    case 'ball-tree': return new BallTree(data, { metric: opts.metric, leafSize: opts.leafSize });
    case 'hnsw': return HnswIndex.build(data, { metric: opts.metric, M: opts.M, efConstruction: opts.efConstruction, ef: opts.ef, seed: opts.seed });
    default: throw invalidParam('index', kind, `one of ${ENGINE_KINDS.join(', ')}`);
  }
}
