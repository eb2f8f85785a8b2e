import { basename } from 'node:path';
import type { Matrix } from '../core/data.js';
import { matrixTakeRows } from '../core/data.js';
import { KnnkitError } from '../core/errors.js';
import type { Label } from '../core/labels.js';
import { csrNormalizeRows } from '../core/sparse.js';
import { accuracy, precisionRecallF1 } from '../evaluation/index.js';
import { readDataset } from '../io/index.js';
import { stratifiedKFold } from '../model-selection/index.js';
import { BASELINES } from './baselines.js';
import { cvpartitionStratifiedKFold } from './matlab-folds.js';
import { KnnGraphClassifier } from './classifier.js';
import { AUTO_CANDIDATES, dictionarySize, FULL_SOLVE_MAX, type KnnGraphOptions, type NeighbourRule } from './options.js';

/**
 * The paper's protocol (Section 2.3) for every method on the same folds: stratified k-fold CV
 * (by default the very folds of MATLAB's cvpartition for the seed, as in the authors' Demo.m),
 * accuracy and macro precision / recall / F1 per fold (classes = union of true and predicted,
 * 0/0 = 0), training seconds (everything fit does) and inference seconds (predicting the whole
 * test fold: the first call after fit, and the median of 11 more, warm), each averaged over the folds.
 */
export const METHODS = ['knn-graph-reference', 'knn-graph-support', 'cv-knn', 'enn', 'kd-tree', 'hnsw-knn', '1nn', 'weighted-knn'] as const;
export type MethodKey = typeof METHODS[number];

export interface MethodResult {
  accuracy: number; macroPrecision: number; macroRecall: number; macroF1: number;
  trainSeconds: number; inferSeconds: number;
  /** The same prediction repeated (median of WARM_REPEATS calls): inference once code and data are warm. */
  inferWarmSeconds: number;
}

/** Repeated predictions per fold for the warm inference time (answers are not used). */
const WARM_REPEATS = 11;

/** Median seconds of `WARM_REPEATS` more calls of `predict` (the first call pays JIT and cold caches). */
function warmSeconds(predict: () => unknown): number {
  const t: number[] = [];
  for (let r = 0; r < WARM_REPEATS; r++) { const a = performance.now(); predict(); t.push((performance.now() - a) / 1000); }
  return t.sort((x, y) => x - y)[WARM_REPEATS >> 1];
}

export interface DatasetReport {
  name: string; path: string; rows: number; cols: number; classes: number; sparse: boolean;
  /** How the folds were drawn (see ReproduceOptions.foldScheme). */
  foldScheme: FoldScheme;
  /** Preprocessing applied before the folds (e.g. L2 row normalisation of text). */
  preprocessing: string;
  /** kNN-Graph training mode used on this dataset (full solve or candidates m). */
  knnGraphMode: string;
  methods: Record<string, MethodResult>;
  /** Per-fold values (same keys), for spread and checks. */
  folds: Record<string, MethodResult[]>;
  notes: string[];
}

/**
 * 'cvpartition' (default): the authors' folds exactly, MATLAB's `rng(seed, 'twister');
 * cvpartition(Y, 'KFold', folds)` (src/knn-graph/matlab-folds.ts); 'knnkit': knnkit's own
 * stratifiedKFold with the same seed (equivalent in distribution, different sets).
 */
export type FoldScheme = 'cvpartition' | 'knnkit';
export const FOLD_SCHEMES: readonly FoldScheme[] = ['cvpartition', 'knnkit'];

export interface ReproduceOptions {
  files: string[];
  folds?: number;
  seed?: number;
  foldScheme?: FoldScheme;
  methods?: string[];
  /** 'auto': rows of sparse (text) data L2-normalised, dense data untouched. */
  normalize?: 'auto' | 'none' | 'l2';
  /** kNN-Graph dictionary restriction: 'auto' = full solve up to FULL_SOLVE_MAX rows, else 64. */
  candidates?: number | 'auto' | 'none';
  threads?: number;
  knnGraph?: KnnGraphOptions;
  /** Called after every fold of every method (progress output). */
  onProgress?: (msg: string) => void;
}

export { FULL_SOLVE_MAX, AUTO_CANDIDATES };

export function checkMethods(methods: string[]): MethodKey[] {
  for (const m of methods) {
    if (!(METHODS as readonly string[]).includes(m)) throw new KnnkitError('--methods', `--methods: got ${JSON.stringify(m)}; expected a comma-separated subset of ${METHODS.join(', ')}`);
  }
  return methods as MethodKey[];
}

export async function reproduce(o: ReproduceOptions): Promise<DatasetReport[]> {
  const folds = o.folds ?? 10, seed = o.seed ?? 5;
  const methods = checkMethods(o.methods ?? [...METHODS]);
  const foldScheme = o.foldScheme ?? 'cvpartition';
  if (!FOLD_SCHEMES.includes(foldScheme)) throw new KnnkitError('foldScheme', `foldScheme: got ${JSON.stringify(foldScheme)}; expected one of ${FOLD_SCHEMES.join(', ')}`);
  const out: DatasetReport[] = [];
  for (const file of o.files) {
    const ds = await readDataset(file);
    if (!ds.y) throw new KnnkitError(file, `${file}: no labels; the reproduction needs labelled data`);
    let X: Matrix = ds.X;
    const y = ds.y;
    const normalize = o.normalize ?? 'auto';
    let preprocessing = 'none';
    if (normalize === 'l2' || (normalize === 'auto' && X.kind === 'csr')) {
      X = X.kind === 'csr' ? csrNormalizeRows(X) : l2RowsDense(X);
      preprocessing = 'rows L2-normalised (the reference repository\'s NormalizeFea; Euclidean then ranks like cosine)';
    }
    const name = basename(file).replace(/\.[^.]+$/, '');
    const split = foldScheme === 'cvpartition' ? cvpartitionStratifiedKFold(y, folds, seed) : stratifiedKFold(y, { folds, seed, shuffle: true });
    const report: DatasetReport = {
      name, path: file, rows: X.rows, cols: X.cols, classes: new Set(y.map((v) => `${typeof v}:${v}`)).size,
      sparse: X.kind === 'csr', foldScheme, preprocessing, knnGraphMode: '', methods: {}, folds: {}, notes: [],
    };
    const nTrain = X.rows - Math.ceil(X.rows / folds);
    // one mode for every fold (fold sizes differ by a row): decided on the typical training fold
    const cand = dictionarySize(nTrain, o.candidates ?? 'auto');
    report.knnGraphMode = cand === undefined ? 'full solve (n x n dictionary)' : `candidates m = ${cand} (local dictionaries)`;
    if (X.kind === 'csr' && methods.includes('kd-tree')) report.notes.push('kd-tree: KD-trees need dense data; on sparse data the kd-tree column uses the exact brute-force engine (same neighbours)');
    if (X.kind === 'csr' && methods.includes('hnsw-knn')) report.notes.push('hnsw-knn: knnkit\'s HNSW is dense-only; on sparse data the column uses the exact brute-force engine');
    if (X.kind === 'csr' && methods.some((m) => m.startsWith('knn-graph'))) report.notes.push('knn-graph: the inference index over sparse training points is the exact brute-force engine (HNSW is dense-only)');
    for (const m of methods) {
      const per: MethodResult[] = [];
      for (let f = 0; f < split.length; f++) {
        const { train, test } = split[f];
        const Xtr = matrixTakeRows(X, train), Xte = matrixTakeRows(X, test);
        const ytr = Array.from(train, (i) => y[i]), yte = Array.from(test, (i) => y[i]);
        const r = await runMethod(m, Xtr, ytr, Xte, { seed, candidates: cand, threads: o.threads, knnGraph: o.knnGraph });
        if (r.index && r.index !== 'brute-force' && f === 0) {
          const note = `knn-graph: inference index ${INDEX_NAMES[r.index]}`;
          if (!report.notes.includes(note)) report.notes.push(note);
        }
        const prf = precisionRecallF1(yte, r.pred, 'macro');
        per.push({ accuracy: accuracy(yte, r.pred), macroPrecision: prf.precision, macroRecall: prf.recall, macroF1: prf.f1, trainSeconds: r.trainSeconds, inferSeconds: r.inferSeconds, inferWarmSeconds: r.inferWarmSeconds });
        o.onProgress?.(`${name} ${m} fold ${f + 1}/${split.length}: accuracy ${(per[f].accuracy * 100).toFixed(2)} %, train ${per[f].trainSeconds.toFixed(3)} s, infer ${(per[f].inferSeconds * 1000).toFixed(2)} ms`);
      }
      report.folds[m] = per;
      report.methods[m] = mean(per);
    }
    out.push(report);
  }
  return out;
}

interface RunContext { seed: number; candidates?: number; threads?: number; knnGraph?: KnnGraphOptions }

const INDEX_NAMES = {
  'hnsw-bits': 'HNSW over bit-packed 0/1 points (the data are binary: squared Euclidean = differing bits, same graph and answers as float32)',
  'hnsw-f32': 'HNSW over float32 points',
  'brute-force': 'exact brute force',
} as const;

async function runMethod(m: MethodKey, Xtr: Matrix, ytr: Label[], Xte: Matrix, c: RunContext): Promise<{ pred: Label[]; trainSeconds: number; inferSeconds: number; inferWarmSeconds: number; index?: keyof typeof INDEX_NAMES }> {
  if (m === 'knn-graph-reference' || m === 'knn-graph-support') {
    const rule: NeighbourRule = m === 'knn-graph-reference' ? 'reference' : 'support';
    const model = new KnnGraphClassifier({ ...c.knnGraph, neighbourRule: rule, candidates: c.candidates ?? 'none', threads: c.threads });
    const t0 = performance.now();
    await model.fitAsync(Xtr, ytr);
    const t1 = performance.now();
    const pred = model.predict(Xte);
    const t2 = performance.now();
    return { pred, trainSeconds: (t1 - t0) / 1000, inferSeconds: (t2 - t1) / 1000, inferWarmSeconds: warmSeconds(() => model.predict(Xte)), index: model.fitInfo.index };
  }
  const b = BASELINES[m];
  const t0 = performance.now();
  const model = b.fit(Xtr, ytr, { seed: c.seed, sparse: Xtr.kind === 'csr' });
  const t1 = performance.now();
  const pred = Array.from(model.predict(Xte));
  const t2 = performance.now();
  return { pred, trainSeconds: (t1 - t0) / 1000, inferSeconds: (t2 - t1) / 1000, inferWarmSeconds: warmSeconds(() => model.predict(Xte)) };
}

function mean(rs: MethodResult[]): MethodResult {
  const keys = ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1', 'trainSeconds', 'inferSeconds', 'inferWarmSeconds'] as const;
  const out = {} as MethodResult;
  for (const k of keys) out[k] = rs.reduce((a, r) => a + r[k], 0) / rs.length;
  return out;
}

function l2RowsDense(X: Matrix): Matrix {
  if (X.kind !== 'dense') return X;
  const data = X.data.slice();
  for (let i = 0; i < X.rows; i++) {
    let s = 0;
    for (let t = i * X.cols; t < (i + 1) * X.cols; t++) s += data[t] * data[t];
    if (s > 0) { const inv = 1 / Math.sqrt(s); for (let t = i * X.cols; t < (i + 1) * X.cols; t++) data[t] *= inv; }
  }
  return { ...X, data };
}
