import type { OnProgress } from '../core/progress.js';
import { KnnkitError, invalidParam } from '../core/errors.js';
import { toMatrix, matrixTakeRows, type Matrix, type MatrixInput } from '../core/data.js';
import { handOver } from '../core/matrix.js';
import { checkLabels, type Label } from '../core/labels.js';
import { kFold, stratifiedKFold, type Fold } from './folds.js';
import { resolveScoring, toNumbers, type ScoringSpec } from './scoring.js';
import { TASKS, type Estimator, type SplitOptions, type Task } from './types.js';

export interface MeanStd { mean: number; std: number }

/** Mean and population standard deviation (numpy's default ddof = 0, as scikit-learn reports). */
export function meanStd(values: ArrayLike<number>): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i] - m) * (values[i] - m);
  return { mean: m, std: Math.sqrt(v / n) };
}

/** Split options (SplitOptions); the task also picks the default scorers (labels or MSE/MAE/R^2). */
export interface CrossValidateOptions extends SplitOptions {
  /** Scorer name(s) or {name: scorer}; default accuracy + macro P/R/F1, or mse/mae/r2. */
  scoring?: ScoringSpec;
  /** Keep every fold's fitted model in the result (default false). */
  returnModels?: boolean;
  /** Called after each fold (progress reporting). */
  onFold?: (done: number, total: number) => void;
  /** Progress (phase "cross-validation": folds done of the folds), after each fold. */
  onProgress?: OnProgress;
}

export interface FoldResult {
  fold: number;
  trainSize: number;
  testSize: number;
  /** Seconds to fit on the training part (everything the model does in fit). */
  fitSeconds: number;
  /** Seconds to predict the whole test part. */
  predictSeconds: number;
  scores: Record<string, number>;
  model?: Estimator;
}

export interface CrossValidateResult {
  folds: FoldResult[];
  /** Mean and std over folds of every scorer. */
  scores: Record<string, MeanStd>;
  fitSeconds: MeanStd;
  predictSeconds: MeanStd;
  /** Out-of-fold predictions, in data order. */
  predictions: Label[];
}

/**
 * A model that predicts something that is not a label (undefined, NaN) has a bug: that is a
 * plain Error (exit code 1 in the CLI), not a KnnkitError about the user's input.
 */
function checkPredictions(pred: ArrayLike<Label>, task: Task, fold: number): void {
  for (let i = 0; i < pred.length; i++) {
    const v = pred[i];
    const ok = task === 'regression' ? typeof v === 'number' && !Number.isNaN(v) : (typeof v === 'number' && !Number.isNaN(v)) || typeof v === 'string';
    if (!ok) throw new Error(`crossValidate: fold ${fold}: the model predicted ${String(v)} for test row ${i}; expected ${task === 'regression' ? 'a number' : 'a class label'} (a bug in the model, not in the data)`);
  }
}

/** Validates (X, y) for model selection and returns them normalised. */
export function prepareXY(X: MatrixInput, y: ArrayLike<Label>, task: Task): { X: Matrix; y: Label[] | Float64Array } {
  const M = toMatrix(X);
  const labels = checkLabels(y, M.rows);
  return { X: M, y: task === 'regression' ? toNumbers(labels, 'y') : labels };
}

export function takeLabels(y: Label[] | Float64Array, idx: Int32Array): Label[] | Float64Array {
  if (y instanceof Float64Array) {
    const out = new Float64Array(idx.length);
    for (let i = 0; i < idx.length; i++) out[i] = y[idx[i]];
    return out;
  }
  const out: Label[] = new Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = y[idx[i]];
  return out;
}

export function makeFolds(y: Label[] | Float64Array, task: Task, folds: number | readonly Fold[] | undefined, seed: number | undefined, shuffle: boolean | undefined): readonly Fold[] {
  if (Array.isArray(folds)) {
    const n = y.length;
    for (const [i, f] of (folds as readonly Fold[]).entries()) {
      if (!f || !(f.train instanceof Int32Array) || !(f.test instanceof Int32Array)) throw invalidParam(`folds[${i}]`, f, '{train: Int32Array, test: Int32Array}');
      for (const a of [f.train, f.test]) for (let j = 0; j < a.length; j++) {
        if (a[j] < 0 || a[j] >= n) throw new KnnkitError(`folds[${i}]`, `folds[${i}]: row index ${a[j]} out of range [0, ${n})`);
      }
    }
    if ((folds as readonly Fold[]).length === 0) throw new KnnkitError('folds', 'folds: empty list; expected at least one fold');
    return folds as readonly Fold[];
  }
  const opts = { folds: (folds as number | undefined) ?? 5, seed, shuffle };
  return task === 'regression' ? kFold(y.length, opts) : stratifiedKFold(y as Label[], opts);
}

/**
 * Cross-validation (scikit-learn's cross_validate): for every fold a fresh model from
 * `makeModel` is fitted on the training rows and scored on the test rows; the fit and predict
 * wall times are measured per fold. Anything that must learn from data (scalers, PCA, inner
 * grid searches) belongs inside the model (a Pipeline), so it only ever sees training rows.
 */
export function crossValidate(makeModel: (fold: number) => Estimator, X: MatrixInput, y: ArrayLike<Label>, opts: CrossValidateOptions = {}): CrossValidateResult {
  if (typeof makeModel !== 'function') throw invalidParam('makeModel', makeModel, 'a function returning a fresh, unfitted estimator');
  const task = opts.task ?? 'classification';
  if (!TASKS.includes(task)) throw invalidParam('task', task, TASKS.join(' or '));
  const data = prepareXY(X, y, task);
  const scorers = resolveScoring(opts.scoring, task);
  const folds = makeFolds(data.y, task, opts.folds, opts.seed, opts.shuffle);
  const results: FoldResult[] = [];
  const predictions: Label[] = new Array(data.y.length);
  for (let f = 0; f < folds.length; f++) {
    const { train, test } = folds[f];
    if (train.length === 0 || test.length === 0) throw new KnnkitError('folds', `folds: fold ${f} has an empty ${train.length === 0 ? 'training' : 'test'} part`);
    const Xtr = matrixTakeRows(data.X, train), Xte = matrixTakeRows(data.X, test);
    // the fold's rows are a copy only this model sees: its fit keeps them instead of copying again
    if (Xtr.kind === 'dense') handOver(Xtr);
    const ytr = takeLabels(data.y, train), yte = takeLabels(data.y, test);
    const model = makeModel(f);
    let t0 = performance.now();
    model.fit(Xtr, ytr as ArrayLike<Label>);
    const fitSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const pred = model.predict(Xte);
    const predictSeconds = (performance.now() - t0) / 1000;
    if (pred == null || pred.length !== test.length) {
      throw new KnnkitError('model', `model: predict returned ${pred == null ? 'nothing' : pred.length + ' values'} for ${test.length} test rows`);
    }
    checkPredictions(pred, task, f);
    const scores: Record<string, number> = {};
    for (const [name, s] of scorers) scores[name] = s.score(yte as ArrayLike<Label>, pred);
    for (let i = 0; i < test.length; i++) predictions[test[i]] = pred[i];
    results.push({ fold: f, trainSize: train.length, testSize: test.length, fitSeconds, predictSeconds, scores, ...(opts.returnModels ? { model } : {}) });
    opts.onFold?.(f + 1, folds.length);
    opts.onProgress?.({ phase: 'cross-validation', done: f + 1, total: folds.length });
  }
  const scores: Record<string, MeanStd> = {};
  for (const name of scorers.keys()) scores[name] = meanStd(results.map((r) => r.scores[name]));
  return {
    folds: results,
    scores,
    fitSeconds: meanStd(results.map((r) => r.fitSeconds)),
    predictSeconds: meanStd(results.map((r) => r.predictSeconds)),
    predictions,
  };
}
