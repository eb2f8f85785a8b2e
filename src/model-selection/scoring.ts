import { KnnkitError } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import { accuracy, precisionRecallF1, type Average } from '../evaluation/classification.js';
import { meanSquaredError, meanAbsoluteError, r2Score } from '../evaluation/regression.js';
import type { Task } from './types.js';

/** A score of predictions against the truth, and which direction is better. */
export interface Scorer {
  score(yTrue: ArrayLike<Label>, yPred: ArrayLike<Label>): number;
  greaterIsBetter: boolean;
}

const prf = (average: Average, part: 'precision' | 'recall' | 'f1'): Scorer => ({
  score: (t, p) => precisionRecallF1(t, p, average)[part],
  greaterIsBetter: true,
});
const num = (f: (t: ArrayLike<number>, p: ArrayLike<number>) => number, greaterIsBetter: boolean): Scorer => ({
  score: (t, p) => f(toNumbers(t, 'yTrue'), toNumbers(p, 'yPred')),
  greaterIsBetter,
});

/** Built-in scorers by name (camelCase versions of scikit-learn's scoring strings). */
export const SCORERS: Readonly<Record<string, Scorer>> = {
  accuracy: { score: accuracy, greaterIsBetter: true },
  macroPrecision: prf('macro', 'precision'), macroRecall: prf('macro', 'recall'), macroF1: prf('macro', 'f1'),
  microPrecision: prf('micro', 'precision'), microRecall: prf('micro', 'recall'), microF1: prf('micro', 'f1'),
  weightedPrecision: prf('weighted', 'precision'), weightedRecall: prf('weighted', 'recall'), weightedF1: prf('weighted', 'f1'),
  mse: num(meanSquaredError, false), mae: num(meanAbsoluteError, false), r2: num(r2Score, true),
};

export const DEFAULT_SCORING: Readonly<Record<Task, readonly string[]>> = {
  classification: ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1'],
  regression: ['mse', 'mae', 'r2'],
};

export type ScoringSpec = string | Scorer | readonly string[] | Readonly<Record<string, string | Scorer>>;

/** Normalises a scoring spec to an ordered name -> scorer map. */
export function resolveScoring(spec: ScoringSpec | undefined, task: Task, param = 'scoring'): Map<string, Scorer> {
  const out = new Map<string, Scorer>();
  const one = (name: string, s: string | Scorer): void => {
    if (typeof s === 'string') {
      const sc = SCORERS[s];
      if (!sc) throw new KnnkitError(param, `${param}: got ${JSON.stringify(s)}; expected one of ${Object.keys(SCORERS).join(', ')} or a {score, greaterIsBetter} object`);
      out.set(name, sc);
    } else if (s && typeof s === 'object' && typeof s.score === 'function') {
      out.set(name, s);
    } else {
      throw new KnnkitError(param, `${param}: ${name} is not a scorer; expected a scorer name or a {score, greaterIsBetter} object`);
    }
  };
  if (spec === undefined) for (const n of DEFAULT_SCORING[task]) one(n, n);
  else if (typeof spec === 'string') one(spec, spec);
  else if (Array.isArray(spec)) for (const n of spec as readonly string[]) one(String(n), n);
  else if (typeof (spec as Scorer).score === 'function') one('score', spec as Scorer);
  else if (spec && typeof spec === 'object') for (const [n, s] of Object.entries(spec as Record<string, string | Scorer>)) one(n, s);
  else throw new KnnkitError(param, `${param}: expected a scorer name, a list of names or a name -> scorer map`);
  if (out.size === 0) throw new KnnkitError(param, `${param}: empty; expected at least one scorer`);
  return out;
}

export function toNumbers(y: ArrayLike<Label>, name: string): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = typeof y[i] === 'number' ? (y[i] as number) : typeof y[i] === 'string' && (y[i] as string).trim() !== '' ? Number(y[i]) : NaN;
    if (!Number.isFinite(v)) throw new KnnkitError(name, `${name}: value ${JSON.stringify(y[i])} at position ${i} is not a finite number; regression needs numeric targets`);
    out[i] = v;
  }
  return out;
}
