import type { OptionSpec } from './args.js';
import type { ParsedArgs } from './args.js';
import type { MetricSpec } from '../metrics/types.js';
import type { Estimator, Task } from '../model-selection/types.js';
import { GridSearchCV } from '../model-selection/grid-search.js';
import { knnClassifierGrid, knnRegressorGrid } from '../model-selection/knn-grid.js';
import { KNeighborsClassifier, KNeighborsRegressor } from '../learn/index.js';

/** Everything the shared model options of `evaluate` / `predict` resolve to. */
export interface ModelConfig {
  task: Task;
  k: number;
  weights: string;
  metric: MetricSpec;
  algorithm: string;
  seed: number;
  /** The raw parsed options, for a model's own extra options. */
  options: ParsedArgs['options'];
}

export interface ModelEntry {
  summary: string;
  tasks: readonly Task[];
  /** Extra CLI options the model reads from `config.options` (merged into the commands' option specs). */
  options?: Record<string, OptionSpec & { help: string }>;
  /** A fresh, unfitted estimator (called once per fold). */
  create(config: ModelConfig): Estimator;
  /** The parameters worth printing for this model. */
  describe(config: ModelConfig): Record<string, unknown>;
}

/** The grid of `cv-knn` (the kNN-Graph paper's CV-kNN baseline): tuned on every training fold. */
export const CV_KNN_GRID = { k: [1, 3, 5, 7, 9, 11, 15], weights: ['uniform', 'distance'] } as const;
export const CV_KNN_INNER_FOLDS = 5;

function knn(config: ModelConfig, k: number, weights: string): Estimator {
  const common = { k, metric: config.metric, algorithm: config.algorithm as never, seed: config.seed };
  return config.task === 'regression'
    ? new KNeighborsRegressor({ ...common, weights: weights as never }) as unknown as Estimator
    : new KNeighborsClassifier({ ...common, weights: weights as never }) as unknown as Estimator;
}

const metricText = (m: MetricSpec): unknown => (typeof m === 'string' ? m : { ...(m as object) });

/** CLI model name -> factory. One entry per model; commands never branch on model names. */
export const MODELS: Record<string, ModelEntry> = {
  knn: {
    summary: 'k-nearest neighbours (KNeighborsClassifier / KNeighborsRegressor)',
    tasks: ['classification', 'regression'],
    create: (c) => knn(c, c.k, c.weights),
    describe: (c) => ({ k: c.k, weights: c.weights, metric: metricText(c.metric), algorithm: c.algorithm }),
  },
  'cv-knn': {
    summary: `kNN with k in {${CV_KNN_GRID.k.join(', ')}} and weights in {uniform, distance} tuned by an inner ${CV_KNN_INNER_FOLDS}-fold grid search on each training fold`,
    tasks: ['classification', 'regression'],
    create: (c) => new GridSearchCV({
      estimator: (p) => knn(c, p.k as number, p.weights as string),
      paramGrid: { k: [...CV_KNN_GRID.k], weights: [...CV_KNN_GRID.weights] },
      folds: CV_KNN_INNER_FOLDS, seed: c.seed, task: c.task,
      scoring: c.task === 'regression' ? 'r2' : 'accuracy',
      // one neighbour search per inner fold for the whole grid (same predictions, ~14x less work)
      sharedPredict: (c.task === 'regression' ? knnRegressorGrid : knnClassifierGrid)({ metric: c.metric, algorithm: c.algorithm as never, seed: c.seed }),
    }),
    describe: (c) => ({ grid: { k: [...CV_KNN_GRID.k], weights: [...CV_KNN_GRID.weights] }, innerFolds: CV_KNN_INNER_FOLDS, metric: metricText(c.metric), algorithm: c.algorithm }),
  },
  // @models:extra
};
