import { KnnkitError } from './errors.js';

export type Label = string | number;

/**
 * Maps arbitrary labels (strings or numbers) to dense class ids 0..C-1 and back.
 * Classes are sorted as scikit-learn's LabelEncoder sorts them (numbers numerically, strings
 * lexicographically; numbers before strings when mixed), so class order, predictProba columns
 * and tie-breaking by "lowest class" agree with scikit-learn.
 */
export class LabelEncoder {
  readonly classes: Label[];
  private readonly index: Map<string, number>;

  private constructor(classes: Label[]) {
    this.classes = classes;
    this.index = new Map(classes.map((c, i) => [key(c), i]));
  }

  static fit(labels: ArrayLike<Label>, name = 'y'): LabelEncoder {
    const seen = new Map<string, Label>();
    for (let i = 0; i < labels.length; i++) {
      const v = labels[i];
      if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v)) || (typeof v !== 'number' && typeof v !== 'string')) {
        throw new KnnkitError(name, `${name}: label ${String(v)} at position ${i}; expected a string or a finite number`);
      }
      const k = key(v);
      if (!seen.has(k)) seen.set(k, v);
    }
    const classes = [...seen.values()].sort(compareLabels);
    return new LabelEncoder(classes);
  }

  static fromClasses(classes: Label[]): LabelEncoder {
    return new LabelEncoder(classes.slice());
  }

  get size(): number { return this.classes.length; }

  /** Dense ids for the labels; an unseen label is an error naming it. */
  encode(labels: ArrayLike<Label>, name = 'y'): Int32Array {
    const out = new Int32Array(labels.length);
    for (let i = 0; i < labels.length; i++) {
      const id = this.index.get(key(labels[i]));
      if (id === undefined) throw new KnnkitError(name, `${name}: label ${JSON.stringify(labels[i])} at position ${i} was not seen in fit; known classes: ${this.classes.slice(0, 20).map((c) => JSON.stringify(c)).join(', ')}${this.classes.length > 20 ? ', ...' : ''}`);
      out[i] = id;
    }
    return out;
  }

  decode(ids: ArrayLike<number>): Label[] {
    const out: Label[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = this.classes[ids[i]];
    return out;
  }

  has(label: Label): boolean { return this.index.has(key(label)); }
}

function key(v: Label): string {
  return typeof v === 'number' ? 'n:' + v : 's:' + v;
}

export function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Validates a label vector against a number of samples. */
export function checkLabels(y: unknown, n: number, name = 'y'): Label[] {
  if (y == null || typeof y !== 'object' || typeof (y as ArrayLike<unknown>).length !== 'number') {
    throw new KnnkitError(name, `${name}: labels missing; expected an array of ${n} labels (strings or numbers)`);
  }
  const arr = y as ArrayLike<Label>;
  if (arr.length !== n) throw new KnnkitError(name, `${name}: ${arr.length} labels for ${n} samples; expected one label per sample`);
  return Array.from(arr);
}
