import type { ModelConfig, ModelEntry } from './models.js';
import type { Estimator } from '../model-selection/types.js';
import { KnnkitError } from '../core/errors.js';
import { KnnGraphClassifier } from '../knn-graph/classifier.js';
import { AUTO_CANDIDATES, DEFAULT_NEIGHBOUR_RULE, DEFAULTS, EXHAUSTIVE_BUILD_MAX, FULL_SOLVE_MAX, type NeighbourRule } from '../knn-graph/options.js';

/** The `knnkit evaluate/predict --model knn-graph` entry (registered in src/cli/models.ts). */
function settings(c: ModelConfig): { neighbourRule: NeighbourRule; candidates: number | 'auto' | 'none'; maxIter: number; ef: number; efConstruction?: number; seed: number } {
  const rule = c.options['neighbour-rule'] ?? DEFAULT_NEIGHBOUR_RULE;
  if (rule !== 'support' && rule !== 'reference') {
    throw new KnnkitError('--neighbour-rule', `--neighbour-rule: got ${JSON.stringify(rule)}; expected support or reference`);
  }
  const int = (name: string, def: number | undefined): number | undefined => {
    const v = c.options[name];
    if (v === undefined) return def;
    if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) < 1) throw new KnnkitError('--' + name, `--${name}: got ${JSON.stringify(v)}; expected an integer >= 1`);
    return Number(v);
  };
  return {
    neighbourRule: rule, candidates: candidates(c.options.candidates),
    maxIter: int('max-iter', 5)!,
    ef: int('ef', DEFAULTS.ef)!, efConstruction: int('ef-construction', undefined), seed: c.seed,
  };
}

function candidates(v: unknown): number | 'auto' | 'none' {
  if (v === undefined || v === 'auto' || v === 'none') return v ?? 'auto';
  if (typeof v !== 'string' || !/^\d+$/.test(v) || Number(v) < 1) throw new KnnkitError('--candidates', `--candidates: got ${JSON.stringify(v)}; expected an integer >= 1, auto or none`);
  return Number(v);
}

export const knnGraphModel: ModelEntry = {
  summary: 'kNN-Graph (learned sparse neighbours + consensus labels, 1-NN lookup at query time)',
  tasks: ['classification'],
  options: {
    'neighbour-rule': { type: 'string', help: `knn-graph: support (paper's text) or reference (authors' code, 1-3 neighbours); default ${DEFAULT_NEIGHBOUR_RULE}` },
    candidates: { type: 'string', help: `knn-graph: each column's dictionary: its M nearest training points, none (full solve) or auto (default: full up to ${FULL_SOLVE_MAX} training rows, else ${AUTO_CANDIDATES})` },
    'max-iter': { type: 'string', help: 'knn-graph: FISTA iterations per column (default 5)' },
    ef: { type: 'string', help: `knn-graph: search beam of the 1-NN lookup (default ${DEFAULTS.ef})` },
    'ef-construction': { type: 'string', help: `knn-graph: construction beam of the inference index (default n up to ${EXHAUSTIVE_BUILD_MAX} training rows, as the authors' TrainSetSize = n; 200 above)` },
  },
  create: (c) => new KnnGraphClassifier(settings(c)) as unknown as Estimator,
  describe: (c) => ({ ...settings(c) }),
};
