import type { Matrix } from '../core/data.js';
import { matrixTakeRows } from '../core/data.js';
import type { Label } from '../core/labels.js';
import { editedNearestNeighbors, KNeighborsClassifier } from '../learn/index.js';
import { GridSearchCV } from '../model-selection/index.js';
import type { Estimator } from '../model-selection/types.js';

/**
 * The baselines of the reproduction, all on the same folds as kNN-Graph:
 * - cv-knn: the paper's CV-kNN: k and weights tuned by an inner stratified CV on each training fold;
 * - enn: Wilson's edited nearest neighbours (drop training points misclassified by their
 *   `ENN_K` nearest other points), then kNN with the same k on the kept points;
 * - kd-tree: kNN (k = 5) answered by the KD-tree engine (exact);
 * - hnsw-knn: kNN voting (k = 5) over HNSW neighbours, the paper's ablation of kNN-Graph
 *   (same index, neighbours voting at query time instead of the learned consensus labels);
 *   knnkit's HNSW is dense-only, so sparse data uses the exact engine (noted in the report);
 * - 1nn: the nearest neighbour's label;
 * - weighted-knn: distance-weighted kNN with k tuned by inner CV (the honest tuned baseline).
 */
export const CV_GRID_K = [1, 3, 5, 7, 9, 11, 15];
export const INNER_FOLDS = 5;
export const ENN_K = 3;
export const PLAIN_K = 5;

export interface BaselineContext { seed: number; sparse: boolean }

export interface Baseline {
  summary: string;
  /** A fitted model (fit time measured by the caller around this call). */
  fit(X: Matrix, y: Label[], ctx: BaselineContext): Estimator;
}

function knn(k: number, weights: 'uniform' | 'distance', algorithm: 'brute' | 'kd-tree' | 'hnsw', seed: number): KNeighborsClassifier {
  return new KNeighborsClassifier({ k, weights, algorithm, seed });
}

export const BASELINES: Record<string, Baseline> = {
  'cv-knn': {
    summary: `kNN, k in {${CV_GRID_K.join(', ')}} x weights in {uniform, distance} by inner ${INNER_FOLDS}-fold CV`,
    fit: (X, y, c) => new GridSearchCV({
      estimator: (p) => knn(p.k as number, p.weights as 'uniform' | 'distance', 'brute', c.seed) as unknown as Estimator,
      paramGrid: { k: CV_GRID_K, weights: ['uniform', 'distance'] }, folds: INNER_FOLDS, seed: c.seed, scoring: 'accuracy',
    }).fit(X, y),
  },
  enn: {
    summary: `Wilson editing (k = ${ENN_K}), then ${ENN_K}-NN on the kept points`,
    fit: (X, y) => {
      const keep = wilsonEditing(X, y, ENN_K);
      const Xk = matrixTakeRows(X, keep);
      const yk = Array.from(keep, (i) => y[i]);
      return knn(ENN_K, 'uniform', 'brute', 0).fit(Xk, yk) as unknown as Estimator;
    },
  },
  'kd-tree': {
    summary: `${PLAIN_K}-NN with the KD-tree engine (brute force for sparse data)`,
    fit: (X, y, c) => knn(PLAIN_K, 'uniform', c.sparse ? 'brute' : 'kd-tree', c.seed).fit(X, y) as unknown as Estimator,
  },
  'hnsw-knn': {
    summary: `${PLAIN_K}-NN voting over HNSW neighbours (the paper's ablation; brute force for sparse data)`,
    fit: (X, y, c) => knn(PLAIN_K, 'uniform', c.sparse ? 'brute' : 'hnsw', c.seed).fit(X, y) as unknown as Estimator,
  },
  '1nn': {
    summary: '1-NN (exact)',
    fit: (X, y, c) => knn(1, 'uniform', 'brute', c.seed).fit(X, y) as unknown as Estimator,
  },
  'weighted-knn': {
    summary: `inverse-distance-weighted kNN, k in {${CV_GRID_K.join(', ')}} by inner ${INNER_FOLDS}-fold CV`,
    fit: (X, y, c) => new GridSearchCV({
      estimator: (p) => knn(p.k as number, 'distance', 'brute', c.seed) as unknown as Estimator,
      paramGrid: { k: CV_GRID_K }, folds: INNER_FOLDS, seed: c.seed, scoring: 'accuracy',
    }).fit(X, y),
  },
};

/**
 * Wilson's ENN (k = ENN_K, majority vote of the k nearest other points, lowest class on ties):
 * learn's editedNearestNeighbors; a training set it would edit away entirely is kept whole.
 */
export function wilsonEditing(X: Matrix, y: Label[], k: number): Int32Array {
  const keep = editedNearestNeighbors(X, y, { k, kind: 'mode', algorithm: 'brute' });
  return keep.length > 0 ? keep : Int32Array.from({ length: X.rows }, (_, i) => i);
}
