import type { OptionSpec } from './args.js';
import type { ParsedArgs } from './args.js';
import type { MetricSpec } from '../metrics/types.js';
import type { Estimator, Task } from '../model-selection/types.js';
import { GridSearchCV, type SharedPredict } from '../model-selection/grid-search.js';
import { Pipeline } from '../preprocessing/pipeline.js';
import type { Transformer } from '../preprocessing/types.js';
import { knnClassifierGrid, knnRegressorGrid } from '../model-selection/knn-grid.js';
import { KNeighborsClassifier, KNeighborsRegressor } from '../learn/index.js';
import { knnGraphModel } from './knn-graph-model.js';

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
  /**
   * A fresh unfitted scaler per call, or undefined for --scale none. Only given to entries with
   * `scalesItself` (they put it where it belongs, e.g. inside an inner cross-validation); every
   * other model is wrapped in Pipeline([scaler, model]) by the command.
   */
  scaler?: () => Transformer;
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
  /** The model applies `config.scaler` itself (default false: the command wraps it). */
  scalesItself?: boolean;
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

/** The model behind the configured scaler (a fresh one), or the model alone. */
function scaled(config: ModelConfig, model: Estimator): Estimator {
  return config.scaler ? new Pipeline([['scale', config.scaler()], ['model', model]]) : model;
}

/** A grid shortcut that first fits the configured scaler on the inner training part, as scaled() does. */
function scaledShared(config: ModelConfig, shared: SharedPredict): SharedPredict {
  const make = config.scaler;
  if (!make) return shared;
  return (cands, Xtr, ytr, Xte) => {
    const s = make().fit(Xtr);
    return shared(cands, s.transform(Xtr), ytr, s.transform(Xte));
  };
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
    // the scaler goes inside the grid's candidates, so the inner folds never see statistics of
    // their own validation part (nested cross-validation done properly)
    scalesItself: true,
    create: (c) => new GridSearchCV({
      estimator: (p) => scaled(c, knn(c, p.k as number, p.weights as string)),
      paramGrid: { k: [...CV_KNN_GRID.k], weights: [...CV_KNN_GRID.weights] },
      folds: CV_KNN_INNER_FOLDS, seed: c.seed, task: c.task,
      scoring: c.task === 'regression' ? 'r2' : 'accuracy',
      // one neighbour search per inner fold for the whole grid (same predictions, ~14x less work)
      sharedPredict: scaledShared(c, (c.task === 'regression' ? knnRegressorGrid : knnClassifierGrid)({ metric: c.metric, algorithm: c.algorithm as never, seed: c.seed })),
    }),
    describe: (c) => ({ grid: { k: [...CV_KNN_GRID.k], weights: [...CV_KNN_GRID.weights] }, innerFolds: CV_KNN_INNER_FOLDS, metric: metricText(c.metric), algorithm: c.algorithm }),
  },
  'knn-graph': knnGraphModel,
  // @models:extra
};
