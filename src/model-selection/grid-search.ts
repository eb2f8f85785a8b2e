import { KnnkitError, invalidParam } from '../core/errors.js';
import { matrixTakeRows, toMatrix, type Matrix, type MatrixInput } from '../core/data.js';
import type { Label } from '../core/labels.js';
import { makeFolds, meanStd, prepareXY, takeLabels } from './cross-validate.js';
import { resolveScoring, type Scorer } from './scoring.js';
import { TASKS, type Estimator, type SplitOptions } from './types.js';

export type ParamGrid = Readonly<Record<string, readonly unknown[]>>;

/**
 * Every combination of a grid (scikit-learn's ParameterGrid order: keys sorted, the last key
 * varying fastest; a list of grids is concatenated).
 */
export function parameterGrid(grid: ParamGrid | readonly ParamGrid[]): Record<string, unknown>[] {
  const grids = Array.isArray(grid) ? (grid as readonly ParamGrid[]) : [grid as ParamGrid];
  const out: Record<string, unknown>[] = [];
  for (const [gi, g] of grids.entries()) {
    if (!g || typeof g !== 'object') throw invalidParam(`paramGrid[${gi}]`, g, 'an object name -> array of values');
    const keys = Object.keys(g).sort();
    for (const k of keys) {
      if (!Array.isArray(g[k]) || g[k].length === 0) throw invalidParam(`paramGrid.${k}`, g[k], 'a non-empty array of values');
    }
    const combo = (i: number, acc: Record<string, unknown>): void => {
      if (i === keys.length) { out.push({ ...acc }); return; }
      for (const v of g[keys[i]]) { acc[keys[i]] = v; combo(i + 1, acc); }
    };
    combo(0, {});
  }
  return out;
}

/**
 * Optional shortcut: predictions of several candidates on (Xtr, ytr) -> Xte at once, sharing
 * work between them (e.g. one neighbour search for a whole k grid); undefined when it does not
 * apply, and each candidate is then fitted on its own. Must return exactly what fitting each
 * candidate would predict.
 */
export type SharedPredict = (candidates: Record<string, unknown>[], Xtr: Matrix, ytr: ArrayLike<Label>, Xte: Matrix) => ArrayLike<Label>[] | undefined;

/** Split options (SplitOptions) apply to the inner folds. */
export interface GridSearchOptions extends SplitOptions {
  /** Builds a fresh unfitted estimator for a parameter combination. */
  estimator: (params: Record<string, unknown>) => Estimator;
  paramGrid: ParamGrid | readonly ParamGrid[];
  /** One scorer (name or {score, greaterIsBetter}); default accuracy, or r2 for regression. */
  scoring?: string | Scorer;
  /** Refit the best combination on all the data (default true). */
  refit?: boolean;
  /** Shared-work shortcut (see SharedPredict); knnClassifierGrid() for KNeighborsClassifier grids. */
  sharedPredict?: SharedPredict;
}

export interface CvResults {
  params: Record<string, unknown>[];
  meanTestScore: Float64Array;
  stdTestScore: Float64Array;
  /** 1 = best; equal means share the lowest rank (scipy rankdata 'min', as scikit-learn). */
  rankTestScore: Int32Array;
  /** splitTestScores[fold][candidate]. */
  splitTestScores: Float64Array[];
  meanFitSeconds: Float64Array;
  meanScoreSeconds: Float64Array;
}

/**
 * Exhaustive search over a parameter grid with cross-validation (scikit-learn's GridSearchCV);
 * every candidate is scored on the same folds, the best mean score wins (ties: the earlier
 * candidate in grid order) and is refitted on all the data. With a grid over k and weights
 * (and optionally metric and p) of a KNeighborsClassifier this is the paper's "CV-kNN" baseline.
 */
export class GridSearchCV implements Estimator {
  readonly options: Required<Pick<GridSearchOptions, 'folds' | 'seed' | 'shuffle' | 'task' | 'refit'>> & GridSearchOptions;
  readonly scorerName: string;
  private readonly scorer: Scorer;
  bestParams: Record<string, unknown> | undefined;
  bestScore = NaN;
  bestIndex = -1;
  bestEstimator: Estimator | undefined;
  cvResults: CvResults | undefined;
  /** Seconds the refit on all the data took. */
  refitSeconds = NaN;

  constructor(opts: GridSearchOptions) {
    if (!opts || typeof opts !== 'object') throw invalidParam('options', opts, 'an object {estimator, paramGrid, ...}');
    if (typeof opts.estimator !== 'function') throw invalidParam('estimator', opts.estimator, 'a function (params) => unfitted estimator');
    const task = opts.task ?? 'classification';
    if (!TASKS.includes(task)) throw invalidParam('task', task, TASKS.join(' or '));
    parameterGrid(opts.paramGrid); // validates
    const scoring = opts.scoring ?? (task === 'regression' ? 'r2' : 'accuracy');
    const scorers = resolveScoring(scoring as string | Scorer, task);
    [[this.scorerName, this.scorer]] = [...scorers.entries()];
    this.options = { folds: 5, seed: 0, shuffle: true, refit: true, ...opts, task };
  }

  get classes(): Label[] | undefined { return this.bestEstimator?.classes; }

  fit(X: MatrixInput, y: ArrayLike<Label>): this {
    const { task } = this.options;
    const data = prepareXY(X, y, task);
    const candidates = parameterGrid(this.options.paramGrid);
    const folds = makeFolds(data.y, task, this.options.folds, this.options.seed, this.options.shuffle);
    const nc = candidates.length;
    const split = folds.map(() => new Float64Array(nc));
    const fitT = new Float64Array(nc), scoreT = new Float64Array(nc);
    for (let f = 0; f < folds.length; f++) {
      const { train, test } = folds[f];
      const Xtr = matrixTakeRows(data.X, train), Xte = matrixTakeRows(data.X, test);
      const ytr = takeLabels(data.y, train) as ArrayLike<Label>, yte = takeLabels(data.y, test) as ArrayLike<Label>;
      if (this.options.sharedPredict) {
        const t0 = performance.now();
        const preds = this.options.sharedPredict(candidates.map((c) => ({ ...c })), Xtr, ytr, Xte);
        if (preds) {
          const each = (performance.now() - t0) / 1000 / nc;
          for (let c = 0; c < nc; c++) { split[f][c] = this.scorer.score(yte, preds[c]); scoreT[c] += each; }
          continue;
        }
      }
      for (let c = 0; c < nc; c++) {
        const model = this.options.estimator({ ...candidates[c] });
        let t0 = performance.now();
        model.fit(Xtr, ytr);
        fitT[c] += (performance.now() - t0) / 1000;
        t0 = performance.now();
        split[f][c] = this.scorer.score(yte, model.predict(Xte));
        scoreT[c] += (performance.now() - t0) / 1000;
      }
    }
    const mean = new Float64Array(nc), std = new Float64Array(nc);
    for (let c = 0; c < nc; c++) {
      const ms = meanStd(split.map((s) => s[c]));
      mean[c] = ms.mean; std[c] = ms.std;
      fitT[c] /= folds.length; scoreT[c] /= folds.length;
    }
    const sign = this.scorer.greaterIsBetter ? 1 : -1;
    const rank = new Int32Array(nc);
    for (let c = 0; c < nc; c++) {
      let better = 0;
      for (let o = 0; o < nc; o++) if (sign * mean[o] > sign * mean[c]) better++;
      rank[c] = better + 1;
    }
    let best = 0;
    for (let c = 1; c < nc; c++) if (sign * mean[c] > sign * mean[best]) best = c;
    this.cvResults = { params: candidates, meanTestScore: mean, stdTestScore: std, rankTestScore: rank, splitTestScores: split, meanFitSeconds: fitT, meanScoreSeconds: scoreT };
    this.bestIndex = best;
    this.bestParams = { ...candidates[best] };
    this.bestScore = mean[best];
    if (this.options.refit) {
      const t0 = performance.now();
      const model = this.options.estimator({ ...candidates[best] });
      model.fit(data.X, data.y as ArrayLike<Label>);
      this.refitSeconds = (performance.now() - t0) / 1000;
      this.bestEstimator = model;
    }
    return this;
  }

  private fitted(verb: string): Estimator {
    if (!this.bestEstimator) {
      throw new KnnkitError('GridSearchCV', `GridSearchCV: ${verb} needs a fitted search with refit (call fit first${this.options.refit ? '' : '; refit is false'})`);
    }
    return this.bestEstimator;
  }

  predict(X: MatrixInput): Label[] {
    return Array.from(this.fitted('predict').predict(toMatrix(X)) as ArrayLike<Label>);
  }

  predictProba(X: MatrixInput): Float64Array {
    const est = this.fitted('predictProba');
    if (typeof est.predictProba !== 'function') throw new KnnkitError('GridSearchCV', 'GridSearchCV: the best estimator has no predictProba');
    return est.predictProba(toMatrix(X));
  }

  /** The search's scorer on (X, y) with the refitted best estimator. */
  score(X: MatrixInput, y: ArrayLike<Label>): number {
    const M: Matrix = toMatrix(X);
    return this.scorer.score(y, this.fitted('score').predict(M));
  }

  toJSON(): object {
    const est = this.fitted('toJSON');
    return {
      format: 'knnkit.GridSearchCV', version: 1,
      scoring: this.scorerName, bestParams: this.bestParams, bestScore: this.bestScore,
      bestEstimator: typeof est.toJSON === 'function' ? est.toJSON() : null,
    };
  }
}
