import type { DenseMatrix } from '../../core/matrix.js';
import { KnnkitError } from '../../core/errors.js';
import { toDense } from '../../core/matrix.js';
import { Rng } from '../../core/rng.js';
import { NumpyRandomState } from '../../evaluation/numpy-random.js';
import { precisionAtN, rocAuc } from '../../evaluation/outliers.js';
import { KNNOutlierDetector, KNN_OUTLIER_METHODS, type KnnOutlierMethod } from '../../learn/knn-outlier.js';
import { LocalOutlierFactor } from '../../learn/outliers.js';
import { StandardScaler } from '../../preprocessing/standard-scaler.js';
import { choiceOption, intOption, numberOption, parseArgs } from '../args.js';
import { loadLabelled } from '../data.js';
import { output } from '../output.js';

export const summary = 'kNN / LOF anomaly detection: ROC-AUC and precision@n over random train/test trials';

const USAGE = `usage: knnkit outliers <data> [options]

PyOD's benchmark protocol on a labelled data file (column "label": 1 = outlier, 0 = inlier):
each trial splits the rows at random into train (--train-fraction) and test, optionally
standardises both with the training mean and standard deviation, fits the detector on the
training rows, scores the test rows (novelty scoring: distances to the training points) and
reports ROC-AUC and precision@n (n = outliers in the test rows). Means over --trials.

options:
  --method knn|lof          kNN distance (default) or Local Outlier Factor
  --k K                     neighbours (default 5 for knn, 20 for lof, as PyOD)
  --aggregate largest|mean|median   knn score: k-th distance (default), mean or median of the k
  --train-fraction F        fraction of rows to train on, in (0, 1) (default 0.6)
  --trials T                random splits (default 10)
  --seed S                  seed of the splits (default 0): trial t uses seed + t
  --splits numpy|knnkit     numpy (default): np.random.RandomState(seed + t).permutation, the
                            splits of scikit-learn's train_test_split in PyOD's benchmark
                            (seed 0 = its trials); knnkit: knnkit's seeded Rng
  --standardize             z-score the columns with the training rows' mean and std
  --label COL               label column (default "label", else the last column)
  --json                    print exactly one JSON object on stdout
`;

export interface OutlierTrial { rocAuc: number; precisionAtN: number; fitSeconds: number; scoreSeconds: number; trainSize: number; testSize: number }

export interface OutlierProtocol {
  method: 'knn' | 'lof';
  k: number;
  aggregate: KnnOutlierMethod;
  trainFraction: number;
  trials: number;
  seed: number;
  standardize: boolean;
  /** 'numpy' (default): trial t splits with np.random.RandomState(seed + t).permutation, as PyOD's benchmark (seed 0 = its trials); 'knnkit': knnkit's Rng(seed). */
  splits?: 'numpy' | 'knnkit';
}

function takeRows(X: DenseMatrix, rows: ArrayLike<number>): DenseMatrix {
  const d = X.cols, data = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) data.set(X.data.subarray(rows[i] * d, rows[i] * d + d), i * d);
  return { kind: 'dense', data, rows: rows.length, cols: d };
}

/**
 * The trials of PyOD's benchmark (notebooks/benchmark.py: trial i splits with
 * train_test_split(test_size=0.4, random_state=np.random.RandomState(i)), standardizer fitted
 * on the training part, detector fitted on train, decision_function on test, roc_auc_score and
 * precision_n_scores). With splits 'numpy' the permutations are numpy's own, so seed 0 gives
 * PyOD's very trials; fit and score times exclude the split, include the standardisation.
 */
export function outlierTrials(X: DenseMatrix, y: Uint8Array, p: OutlierProtocol): OutlierTrial[] {
  const n = X.rows;
  const nTest = Math.ceil(n * (1 - p.trainFraction));
  const nTrain = n - nTest;
  if (nTrain < 2 || nTest < 1) throw new KnnkitError('--train-fraction', `--train-fraction: got ${p.trainFraction}; leaves ${nTrain} training and ${nTest} test rows of ${n} (need >= 2 and >= 1)`);
  const rng = new Rng(p.seed);
  const trials: OutlierTrial[] = [];
  for (let t = 0; t < p.trials; t++) {
    const perm = (p.splits ?? 'numpy') === 'numpy' ? new NumpyRandomState(p.seed + t).permutation(n) : rng.permutation(n);
    const trainRows = perm.subarray(nTest), testRows = perm.subarray(0, nTest);
    let Xtr = takeRows(X, trainRows), Xte = takeRows(X, testRows);
    const yte = Uint8Array.from(testRows, (r) => y[r]);
    const t0 = performance.now();
    if (p.standardize) {
      const sc = new StandardScaler().fit(Xtr);
      Xtr = sc.transform(Xtr) as DenseMatrix; Xte = sc.transform(Xte) as DenseMatrix;
    }
    let scores: Float64Array;
    let t1: number;
    if (p.method === 'knn') {
      const det = new KNNOutlierDetector({ k: p.k, method: p.aggregate }).fit(Xtr);
      t1 = performance.now();
      scores = det.outlierScores(Xte);
    } else {
      const det = new LocalOutlierFactor({ k: p.k }).fit(Xtr);
      t1 = performance.now();
      scores = det.scoreSamples(Xte);
      for (let i = 0; i < scores.length; i++) scores[i] = -scores[i]; // LOF: larger = more abnormal
    }
    const t2 = performance.now();
    let pos = 0;
    for (let i = 0; i < yte.length; i++) pos += yte[i];
    trials.push({
      rocAuc: pos > 0 && pos < yte.length ? rocAuc(yte, scores) : NaN,
      precisionAtN: pos > 0 ? precisionAtN(yte, scores) : NaN,
      fitSeconds: (t1 - t0) / 1000, scoreSeconds: (t2 - t1) / 1000, trainSize: nTrain, testSize: nTest,
    });
  }
  return trials;
}

/** 0/1 outlier labels from a data file's label column (1 = outlier). */
export function outlierLabels(y: ArrayLike<unknown>, path: string): Uint8Array {
  const out = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === 1 || v === '1') out[i] = 1;
    else if (!(v === 0 || v === '0')) throw new KnnkitError(path, `${path}: label ${JSON.stringify(v)} in row ${i + 1}; expected 1 (outlier) or 0 (inlier)`);
  }
  return out;
}

const mean = (v: number[]) => { const f = v.filter((x) => !Number.isNaN(x)); return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN; };
const std = (v: number[]) => { const f = v.filter((x) => !Number.isNaN(x)); const m = mean(f); return f.length ? Math.sqrt(f.reduce((a, b) => a + (b - m) ** 2, 0) / f.length) : NaN; };

export async function run(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv, {
    method: { type: 'string' }, k: { type: 'string' }, aggregate: { type: 'string' }, 'train-fraction': { type: 'string' },
    trials: { type: 'string' }, seed: { type: 'string' }, splits: { type: 'string' }, standardize: { type: 'boolean' }, label: { type: 'string' },
    json: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (options.help) { output.write(USAGE); return 0; }
  if (positionals.length !== 1) {
    throw new KnnkitError('<data>', `<data>: expected exactly one data file; got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')} (knnkit outliers --help)`);
  }
  const method = choiceOption(options, 'method', 'knn', ['knn', 'lof'] as const);
  const k = intOption(options, 'k', method === 'knn' ? 5 : 20, 1);
  const aggregate = choiceOption(options, 'aggregate', 'largest', KNN_OUTLIER_METHODS);
  if (method === 'lof' && options.aggregate !== undefined) throw new KnnkitError('--aggregate', '--aggregate: applies to --method knn only');
  const trainFraction = numberOption(options, 'train-fraction', 0.6, 0, 1);
  if (!(trainFraction > 0 && trainFraction < 1)) throw new KnnkitError('--train-fraction', `--train-fraction: got ${JSON.stringify(options['train-fraction'])}; expected a number in (0, 1)`);
  const trials = intOption(options, 'trials', 10, 1);
  const seed = intOption(options, 'seed', 0, 0, 0xffffffff - 1000);
  const splits = choiceOption(options, 'splits', 'numpy', ['numpy', 'knnkit'] as const);
  const path = positionals[0];
  const data = await loadLabelled(path, options, 'classification');
  if (data.X.kind !== 'dense') throw new KnnkitError(path, `${path}: sparse data; knnkit outliers reads dense files (.csv, .npy, ...)`);
  const X = toDense(data.X);
  const y = outlierLabels(data.y, path);
  let nOut = 0;
  for (let i = 0; i < y.length; i++) nOut += y[i];
  if (nOut === 0 || nOut === y.length) throw new KnnkitError(path, `${path}: ${nOut} outliers among ${y.length} rows; ROC-AUC needs both labels`);
  const protocol: OutlierProtocol = { method, k, aggregate, trainFraction, trials, seed, standardize: options.standardize === true, splits };
  const t0 = performance.now();
  const res = outlierTrials(X, y, protocol);
  const totalSeconds = (performance.now() - t0) / 1000;
  const pick = (key: keyof OutlierTrial) => res.map((r) => r[key]);
  const report = {
    data: path, n: X.rows, d: X.cols, outliers: nOut,
    method, k, ...(method === 'knn' ? { aggregate } : {}), trainFraction, trials, seed, splits, standardize: protocol.standardize,
    rocAuc: mean(pick('rocAuc')), rocAucStd: std(pick('rocAuc')),
    precisionAtN: mean(pick('precisionAtN')), precisionAtNStd: std(pick('precisionAtN')),
    fitSeconds: mean(pick('fitSeconds')), scoreSeconds: mean(pick('scoreSeconds')), totalSeconds,
    perTrial: res,
  };
  if (options.json) { output.write(JSON.stringify(report) + '\n'); return 0; }
  output.write([
    `${path}: n=${X.rows} d=${X.cols} outliers=${nOut} (${((100 * nOut) / X.rows).toFixed(1)} %)`,
    `detector: ${method === 'knn' ? `KNNOutlierDetector k=${k} method=${aggregate}` : `LocalOutlierFactor k=${k}`}${protocol.standardize ? ', standardised' : ''}`,
    `${trials} trial${trials === 1 ? '' : 's'}, train fraction ${trainFraction}, seed ${seed} (${splits} splits), ${totalSeconds.toFixed(2)} s in all`,
    '',
    `${'metric'.padEnd(16)}${'mean'.padStart(10)}${'std'.padStart(10)}`,
    `${'ROC-AUC'.padEnd(16)}${report.rocAuc.toFixed(4).padStart(10)}${report.rocAucStd.toFixed(4).padStart(10)}`,
    `${'precision@n'.padEnd(16)}${report.precisionAtN.toFixed(4).padStart(10)}${report.precisionAtNStd.toFixed(4).padStart(10)}`,
    `${'fit seconds'.padEnd(16)}${report.fitSeconds.toFixed(4).padStart(10)}`,
    `${'score seconds'.padEnd(16)}${report.scoreSeconds.toFixed(4).padStart(10)}`,
  ].join('\n') + '\n');
  return 0;
}
