import { KnnkitError } from '../core/errors.js';
import { METRIC_NAMES } from '../metrics/registry.js';
import type { MetricSpec } from '../metrics/types.js';
import type { Estimator, Task } from '../model-selection/types.js';
import { TASKS } from '../model-selection/types.js';
import { Pipeline } from '../preprocessing/pipeline.js';
import { StandardScaler } from '../preprocessing/standard-scaler.js';
import { MinMaxScaler } from '../preprocessing/min-max-scaler.js';
import type { Transformer } from '../preprocessing/types.js';
import { choiceOption, intOption, numberOption, type OptionSpec, type ParsedArgs } from './args.js';
import { MODELS, type ModelConfig } from './models.js';
import '../index/families.js';
import { familyNames } from '../index/registry.js';

/** Options shared by `evaluate` and `predict` (plus every registered model's own options). */
export function modelOptionSpec(): Record<string, OptionSpec> {
  const spec: Record<string, OptionSpec> = {
    model: { type: 'string' }, k: { type: 'string' }, weights: { type: 'string' }, metric: { type: 'string' },
    p: { type: 'string' }, algorithm: { type: 'string' }, scale: { type: 'string' }, seed: { type: 'string' },
    label: { type: 'string' }, labels: { type: 'string' }, task: { type: 'string' }, help: { type: 'boolean' },
    'no-header': { type: 'boolean' },
  };
  for (const m of Object.values(MODELS)) for (const [name, o] of Object.entries(m.options ?? {})) spec[name] = { type: o.type, multiple: o.multiple };
  return spec;
}

export const CLASSIFIER_WEIGHTS = ['uniform', 'distance', 'gaussian', 'epanechnikov', 'tricube'] as const;
export const REGRESSOR_WEIGHTS = ['uniform', 'distance', 'shepard', 'gaussian', 'epanechnikov', 'tricube'] as const;
/** The estimators' `algorithm` choices: auto and every registered index family (the registry's names). */
export function algorithms(): string[] {
  return ['auto', ...familyNames()];
}
export const SCALES = ['none', 'standard', 'minmax'] as const;
export type Scale = typeof SCALES[number];

export interface ModelSettings {
  model: string;
  config: ModelConfig;
  scale: Scale;
}

/** Validates every model option (before any data is read), naming the option on error. */
export function parseModelSettings(opts: ParsedArgs['options']): ModelSettings {
  const modelNames = Object.keys(MODELS);
  const model = choiceOption(opts, 'model', 'knn', modelNames);
  const task = choiceOption<Task>(opts, 'task', 'classification', TASKS);
  if (!MODELS[model].tasks.includes(task)) {
    throw new KnnkitError('--task', `--task: model ${model} does not do ${task}; it does ${MODELS[model].tasks.join(', ')}`);
  }
  const k = intOption(opts, 'k', 5, 1);
  const weights = choiceOption<string>(opts, 'weights', 'uniform', task === 'regression' ? REGRESSOR_WEIGHTS : CLASSIFIER_WEIGHTS);
  const algorithm = choiceOption<string>(opts, 'algorithm', 'auto', algorithms());
  const scale = choiceOption<Scale>(opts, 'scale', 'none', SCALES);
  const seed = intOption(opts, 'seed', 0, 0, 0xffffffff);
  let metric: MetricSpec = 'euclidean';
  const m = opts.metric;
  if (m !== undefined) {
    const name = String(m).toLowerCase();
    if (typeof m !== 'string' || !METRIC_NAMES.includes(name)) {
      throw new KnnkitError('--metric', `--metric: got ${JSON.stringify(m)}; expected one of ${METRIC_NAMES.join(', ')}`);
    }
    metric = name;
  }
  if (opts.p !== undefined) {
    const p = numberOption(opts, 'p', 2, 1);
    if (m !== undefined && metric !== 'minkowski') {
      throw new KnnkitError('--p', `--p: only applies to --metric minkowski (got --metric ${metric})`);
    }
    metric = { name: 'minkowski', p };
  }
  return { model, scale, config: { task, k, weights, metric, algorithm, seed, options: opts } };
}

/**
 * A fresh unfitted model for one fold: the registry's estimator behind the chosen scaler (or
 * with the scaler handed to it, for models that place it themselves).
 */
export function buildModel(s: ModelSettings, sparse: boolean): Estimator {
  const entry = MODELS[s.model];
  if (s.scale === 'none') return entry.create({ ...s.config, scaler: undefined });
  if (s.scale === 'minmax' && sparse) {
    throw new KnnkitError('--scale', '--scale: minmax would make sparse (LIBSVM) data dense; use --scale standard (scales without centering) or none');
  }
  // sparse data is scaled without centering (centering would densify it), as scikit-learn requires
  const scaler = (): Transformer => (s.scale === 'standard' ? new StandardScaler({ withMean: !sparse }) : new MinMaxScaler());
  if (entry.scalesItself) return entry.create({ ...s.config, scaler });
  return new Pipeline([['scale', scaler()], ['model', entry.create({ ...s.config, scaler: undefined })]]);
}

export function describeSettings(s: ModelSettings): Record<string, unknown> {
  return { ...MODELS[s.model].describe(s.config), scale: s.scale };
}

export function modelHelp(): string {
  const lines = [
    'model options:',
    `  --model NAME        ${Object.entries(MODELS).map(([n, m]) => `${n}: ${m.summary}`).join('\n                      ')}`,
    '  --task T            classification (default) or regression',
    '  --k K               neighbours, integer >= 1 (default 5)',
    `  --weights W         ${CLASSIFIER_WEIGHTS.join(', ')} (regression also: shepard); default uniform`,
    `  --metric M          ${METRIC_NAMES.join(', ')} (default euclidean)`,
    '  --p P               Minkowski exponent >= 1 (implies --metric minkowski)',
    `  --algorithm A       ${algorithms().join(', ')} (default auto; knnkit indexes lists them)`,
    `  --scale S           ${SCALES.join(', ')}: scaler fitted on the training data only (default none)`,
    '  --seed S            seed of the fold shuffle and of randomised engines (default 0)',
    '  --label COL         CSV label column: name or 0-based index (default: "label", else the last column)',
    '  --labels FILE       labels, one per line, for .npy/.fvecs data',
    '  --no-header         CSV files have no header row: the first row is data (columns f0, f1, ...;',
    '                      a test file is then matched by position, not by column name)',
  ];
  for (const m of Object.values(MODELS)) for (const [name, o] of Object.entries(m.options ?? {})) lines.push(`  --${name.padEnd(18)}${o.help}`);
  return lines.join('\n');
}

const MODEL_PARAMS = new Set(['k', 'weights', 'metric', 'p', 'algorithm', 'bandwidth', 'leafSize']);

/**
 * Runs model work, reporting an estimator's complaint about one of its parameters (e.g. a
 * tree engine with a metric it cannot prune with) under the CLI option that set it.
 */
export function asOptionError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KnnkitError && MODEL_PARAMS.has(e.param) && e.message.startsWith(e.param + ':')) {
      throw new KnnkitError('--' + e.param, '--' + e.message);
    }
    throw e;
  }
}
