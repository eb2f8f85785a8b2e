import type { Matrix, MatrixInput } from '../core/data.js';
import type { Label } from '../core/labels.js';
import { KnnkitError, invalidParam } from '../core/errors.js';
import { accuracy } from '../evaluation/classification.js';
import type { Estimator } from '../model-selection/types.js';
import type { SerializedTransformer, Transformer } from './types.js';
import { envelope, SERIAL_VERSION } from './types.js';
import { StandardScaler } from './standard-scaler.js';
import { MinMaxScaler } from './min-max-scaler.js';
import { Normalizer } from './normalizer.js';
import { PCA } from './pca.js';
import { KNNImputer } from './knn-imputer.js';
import { KNeighborsClassifier, KNeighborsRegressor, RadiusNeighborsClassifier, RadiusNeighborsRegressor } from '../learn/index.js';

type Step = Transformer | Estimator;
export type PipelineStep = Step | readonly [string, Step];

/** Saved format ("knnkit.<Class>") -> fromJSON, for Pipeline.fromJSON. */
export type Revivers = Record<string, (json: any) => Step>;

/** The transformers and estimators a saved Pipeline may contain without extra revivers. */
export const DEFAULT_REVIVERS: Revivers = {
  'knnkit.StandardScaler': (j) => StandardScaler.fromJSON(j),
  'knnkit.MinMaxScaler': (j) => MinMaxScaler.fromJSON(j),
  'knnkit.Normalizer': (j) => Normalizer.fromJSON(j),
  'knnkit.PCA': (j) => PCA.fromJSON(j),
  'knnkit.KNNImputer': (j) => KNNImputer.fromJSON(j),
  'knnkit.KNeighborsClassifier': (j) => KNeighborsClassifier.fromJSON(j) as unknown as Estimator,
  'knnkit.KNeighborsRegressor': (j) => KNeighborsRegressor.fromJSON(j) as unknown as Estimator,
  'knnkit.RadiusNeighborsClassifier': (j) => RadiusNeighborsClassifier.fromJSON(j) as unknown as Estimator,
  'knnkit.RadiusNeighborsRegressor': (j) => RadiusNeighborsRegressor.fromJSON(j) as unknown as Estimator,
};

function isTransformer(s: unknown): s is Transformer {
  return !!s && typeof (s as Transformer).fit === 'function' && typeof (s as Transformer).transform === 'function';
}

/**
 * Chains transformers before a final estimator (scikit-learn's Pipeline): fit runs
 * fitTransform through the transformers and fits the estimator on the result; predict runs
 * transform then predict. Used inside cross-validation, every step only ever sees the training
 * rows of a fold. Each step validates its own input, so NaN may enter a pipeline whose first
 * step is a KNNImputer and nowhere else.
 */
export class Pipeline implements Estimator {
  readonly steps: ReadonlyArray<readonly [string, Step]>;

  constructor(steps: readonly PipelineStep[]) {
    if (!Array.isArray(steps) || steps.length === 0) throw invalidParam('steps', steps, 'a non-empty array of steps (transformers, then optionally an estimator)');
    const named: [string, Step][] = steps.map((s, i) => {
      const pair = Array.isArray(s) ? (s as unknown as readonly [string, Step]) : ([defaultName(s as Step, i), s as Step] as const);
      if (typeof pair[0] !== 'string' || !pair[1] || typeof (pair[1] as Step).fit !== 'function') {
        throw invalidParam(`steps[${i}]`, s, 'a transformer/estimator with fit, or a [name, step] pair');
      }
      return [pair[0], pair[1]];
    });
    const names = new Set<string>();
    named.forEach(([name, step], i) => {
      if (names.has(name)) throw new KnnkitError(`steps[${i}]`, `steps[${i}]: duplicate step name ${JSON.stringify(name)}`);
      names.add(name);
      if (i < named.length - 1 && !isTransformer(step)) {
        throw new KnnkitError(`steps[${i}]`, `steps[${i}]: ${JSON.stringify(name)} has no transform; every step but the last must be a transformer`);
      }
    });
    this.steps = named;
  }

  /** A step by name. */
  step(name: string): Step | undefined {
    return this.steps.find(([n]) => n === name)?.[1];
  }

  private get last(): Step { return this.steps[this.steps.length - 1][1]; }

  private get estimator(): Estimator {
    const e = this.last as Estimator;
    if (typeof e.predict !== 'function') throw new KnnkitError('Pipeline', 'Pipeline: the last step has no predict (this pipeline only transforms)');
    return e;
  }

  get classes(): Label[] | undefined { return (this.last as Estimator).classes; }

  private through(X: MatrixInput, count: number): MatrixInput {
    let Xt = X;
    for (let i = 0; i < count; i++) Xt = (this.steps[i][1] as Transformer).transform(Xt);
    return Xt;
  }

  fit(X: MatrixInput, y?: ArrayLike<Label>): this {
    let Xt = X;
    for (let i = 0; i < this.steps.length - 1; i++) Xt = (this.steps[i][1] as Transformer).fitTransform(Xt, y);
    const last = this.last;
    if (typeof (last as Estimator).predict === 'function') {
      if (y === undefined) throw new KnnkitError('y', 'y: labels missing; the pipeline ends in an estimator that needs them');
      (last as Estimator).fit(Xt as Matrix, y);
    } else (last as Transformer).fit(Xt, y);
    return this;
  }

  /** Output of the transformers (all steps when the last one is a transformer too). */
  transform(X: MatrixInput): Matrix {
    const n = isTransformer(this.last) && typeof (this.last as unknown as Estimator).predict !== 'function' ? this.steps.length : this.steps.length - 1;
    return this.through(X, n) as Matrix;
  }

  fitTransform(X: MatrixInput, y?: ArrayLike<Label>): Matrix {
    return this.fit(X, y).transform(X);
  }

  predict(X: MatrixInput): ArrayLike<Label> {
    const est = this.estimator;
    return est.predict(this.through(X, this.steps.length - 1) as Matrix);
  }

  predictProba(X: MatrixInput): Float64Array {
    const est = this.estimator;
    if (typeof est.predictProba !== 'function') throw new KnnkitError('Pipeline', 'Pipeline: the final estimator has no predictProba');
    return est.predictProba(this.through(X, this.steps.length - 1) as Matrix);
  }

  /** The final estimator's score (accuracy for classifiers, R^2 for regressors) on transformed X. */
  score(X: MatrixInput, y: ArrayLike<Label>): number {
    const est = this.estimator;
    const Xt = this.through(X, this.steps.length - 1) as Matrix;
    return typeof est.score === 'function' ? est.score(Xt, y) : accuracy(y, est.predict(Xt));
  }

  toJSON(): SerializedTransformer {
    return {
      ...envelope('Pipeline'),
      steps: this.steps.map(([name, s]) => {
        if (typeof s.toJSON !== 'function') throw new KnnkitError('Pipeline', `Pipeline: step ${JSON.stringify(name)} cannot be serialised (no toJSON)`);
        return { name, step: s.toJSON() };
      }),
    };
  }

  /**
   * Rebuilds a pipeline. Steps are revived by their saved `format` (preprocessing and the k-NN
   * estimators are known); pass revivers for others, e.g. `{ 'knnkit.MyModel': (j) => MyModel.fromJSON(j) }`.
   */
  static fromJSON(json: unknown, revivers: Revivers = {}): Pipeline {
    const j = json as { format?: unknown; version?: unknown; steps?: unknown };
    if (!j || typeof j !== 'object' || j.format !== 'knnkit.Pipeline') throw new KnnkitError('json', 'json: expected a serialised Pipeline ({format: "knnkit.Pipeline", ...})');
    if (j.version !== SERIAL_VERSION) throw new KnnkitError('json', `json: Pipeline version ${JSON.stringify(j.version)} is not supported; expected ${SERIAL_VERSION}`);
    if (!Array.isArray(j.steps)) throw new KnnkitError('json', 'json: Pipeline.steps must be an array');
    const all: Revivers = { ...DEFAULT_REVIVERS, ...revivers };
    return new Pipeline(j.steps.map((s: { name?: unknown; step?: { format?: unknown } }, i: number) => {
      const format = s?.step?.format;
      const revive = typeof format === 'string' ? all[format] : undefined;
      if (!revive || typeof s.name !== 'string') {
        throw new KnnkitError('json', `json: Pipeline step ${i} has format ${JSON.stringify(format)}; known: ${Object.keys(all).join(', ')} (pass a reviver for other formats)`);
      }
      return [s.name, revive(s.step)] as const;
    }));
  }
}

function defaultName(s: Step, i: number): string {
  const n = (s as object)?.constructor?.name;
  return `${n && n !== 'Object' ? n.charAt(0).toLowerCase() + n.slice(1) : 'step'}${i}`;
}
