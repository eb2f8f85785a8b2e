import { KnnkitError } from '../../core/errors.js';
import { checkInputFile, checkOutputFile, checkExtension, writing } from '../paths.js';
import { atomicWriteFile } from '../../io/atomic.js';
import type { Label } from '../../core/labels.js';
import { crossValidate, type FoldResult } from '../../model-selection/cross-validate.js';
import type { Estimator } from '../../model-selection/types.js';
import { parseArgs, intOption } from '../args.js';
import { loadLabelled } from '../data.js';
import { asOptionError, buildModel, describeSettings, modelHelp, modelOptionSpec, parseModelSettings } from '../model-options.js';
import { Progress } from '../progress.js';
import { output } from '../output.js';

export const summary = 'cross-validate a kNN model on a data file';

const USAGE = `usage: knnkit evaluate <data> [options]

Stratified k-fold cross-validation (plain k-fold for --task regression) of a model on a data
file (.csv, .tsv, .svm/.libsvm, .npy, .fvecs with --labels FILE). Scalers are fitted on each
training fold only (with --model cv-knn, on each inner training part of the grid search).
Reports accuracy and macro precision/recall/F1 (classes = union of true and predicted labels
per fold, 0/0 = 0), or MSE/MAE/R^2, as mean +- std over the folds (population std), with
per-fold fit and predict seconds.

options:
  --folds F           number of folds, integer >= 2 (default 10)
  --json              print exactly one JSON object on stdout
  --quiet             no progress on stderr (a bar on a terminal, a line every 5 s otherwise)
  --html FILE.html    also write a report: settings, the scores (mean, std, per fold) and a
                      per-fold chart (Apache ECharts), in one file
`;

const CLASSIFICATION_METRICS = ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1'] as const;
const REGRESSION_METRICS = ['mse', 'mae', 'r2'] as const;
const PRETTY: Record<string, string> = {
  accuracy: 'accuracy', macroPrecision: 'macro precision', macroRecall: 'macro recall', macroF1: 'macro F1',
  mse: 'MSE', mae: 'MAE', r2: 'R^2', fitSeconds: 'fit seconds', predictSeconds: 'predict seconds',
};

/** Parameters a model chose on its own in a fold (cv-knn: the grid search's best k and weights). */
function foldInfo(model: Estimator): Record<string, unknown> | undefined {
  const inner = (model as { step?: (n: string) => unknown }).step?.('model') ?? model;
  const best = (inner as { bestParams?: Record<string, unknown> }).bestParams;
  return best ? { bestParams: best } : undefined;
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv, { ...modelOptionSpec(), folds: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean' }, html: { type: 'string' } });
  if (options.help) {
    output.write(USAGE + '\n' + modelHelp() + '\n');
    return 0;
  }
  if (positionals.length !== 1) {
    throw new KnnkitError('<data>', `<data>: expected exactly one data file; got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')} (knnkit evaluate --help)`);
  }
  const settings = parseModelSettings(options);
  const folds = intOption(options, 'folds', 10, 2);
  const task = settings.config.task;
  const path = positionals[0];
  await checkInputFile(path);
  if (options.labels !== undefined) await checkInputFile(String(options.labels), '--labels');
  const htmlPath = options.html === undefined ? undefined : String(options.html);
  if (htmlPath !== undefined) {
    checkExtension(htmlPath, '--html', ['.html', '.htm']);
    await checkOutputFile(htmlPath, '--html');
  }
  const data = await loadLabelled(path, options, task);
  const n = data.X.rows, d = data.X.cols;
  if (folds > n) throw new KnnkitError('--folds', `--folds: got ${folds}; cannot exceed the number of samples (${n}) in ${path}`);
  const sparse = data.X.kind === 'csr';
  let classes: number | undefined;
  if (task === 'classification') {
    const counts = new Map<string, number>();
    for (const v of data.y as Label[]) counts.set(typeof v + ':' + v, (counts.get(typeof v + ':' + v) ?? 0) + 1);
    classes = counts.size;
    if (classes === 1) throw new KnnkitError(path, `${path}: every sample has the same label; classification needs at least 2 classes`);
    const least = Math.min(...counts.values()), most = Math.max(...counts.values());
    if (folds > most) throw new KnnkitError('--folds', `--folds: got ${folds}; cannot be greater than the number of members in each class (largest class has ${most})`);
    // as scikit-learn's StratifiedKFold warns: some test folds will miss that class
    if (least < folds) console.error(`knnkit evaluate: warning: the least populated class in ${path} has ${least} member${least === 1 ? '' : 's'}, fewer than --folds ${folds}`);
  }

  const progress = new Progress(`knnkit evaluate ${path}`, folds, { quiet: options.quiet === true });
  const infos: (Record<string, unknown> | undefined)[] = [];
  const t0 = performance.now();
  let result;
  try {
    result = asOptionError(() => crossValidate((_f) => buildModel(settings, sparse), data.X, data.y as ArrayLike<Label>, {
      folds, seed: settings.config.seed, shuffle: true, task,
      scoring: task === 'regression' ? [...REGRESSION_METRICS] : [...CLASSIFICATION_METRICS],
      returnModels: true,
      onProgress: progress.report,
    }));
  } catch (e) {
    // stratification needs some class with at least --folds members
    if (e instanceof KnnkitError && e.param === 'folds') throw new KnnkitError('--folds', '--' + e.message);
    throw e;
  } finally {
    progress.done();
  }
  for (const f of result.folds) { infos.push(f.model ? foldInfo(f.model) : undefined); delete f.model; }
  const totalSeconds = (performance.now() - t0) / 1000;
  const metricNames: readonly string[] = task === 'regression' ? REGRESSION_METRICS : CLASSIFICATION_METRICS;

  const perFold = result.folds.map((f: FoldResult, i) => ({
    fold: f.fold, trainSize: f.trainSize, testSize: f.testSize, ...f.scores,
    fitSeconds: f.fitSeconds, predictSeconds: f.predictSeconds, ...(infos[i] ?? {}),
  }));
  const report: Record<string, unknown> = {
    model: settings.model,
    params: describeSettings(settings),
    task,
    data: path,
    n, d,
    ...(classes !== undefined ? { classes } : {}),
    folds,
    seed: settings.config.seed,
  };
  for (const m of metricNames) report[m] = result.scores[m];
  report.fitSeconds = result.fitSeconds;
  report.predictSeconds = result.predictSeconds;
  report.totalSeconds = totalSeconds;
  report.perFold = perFold;

  if (htmlPath !== undefined) await writeHtml(htmlPath, report, result.scores, perFold, metricNames);
  if (options.json) {
    output.write(JSON.stringify(report) + '\n');
    return 0;
  }
  const params = Object.entries(describeSettings(settings)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const lines = [
    `${path}: n=${n} d=${d}${classes !== undefined ? ` classes=${classes}` : ''}${sparse ? ' (sparse)' : ''}`,
    `model: ${settings.model} ${params}`,
    `${folds}-fold ${task === 'classification' ? 'stratified ' : ''}cross-validation, seed ${settings.config.seed}, ${totalSeconds.toFixed(2)} s in all`,
    '',
    `${'metric'.padEnd(18)}${'mean'.padStart(12)}${'std'.padStart(12)}`,
  ];
  const row = (name: string, ms: { mean: number; std: number }, digits: number) =>
    `${(PRETTY[name] ?? name).padEnd(18)}${ms.mean.toFixed(digits).padStart(12)}${ms.std.toFixed(digits).padStart(12)}`;
  for (const m of metricNames) lines.push(row(m, result.scores[m], 4));
  lines.push(row('fitSeconds', result.fitSeconds, 4), row('predictSeconds', result.predictSeconds, 4));
  const best = infos.filter(Boolean).map((x) => JSON.stringify((x as { bestParams: unknown }).bestParams));
  if (best.length) lines.push('', `chosen per fold: ${best.join(' ')}`);
  if (htmlPath !== undefined) lines.push('', `report: ${htmlPath}`);
  output.write(lines.join('\n') + '\n');
  return 0;
}

/** The --html report; the plotting library is loaded here only. */
async function writeHtml(path: string, report: Record<string, unknown>, scores: Record<string, { mean: number; std: number }>,
  perFold: Record<string, unknown>[], metricNames: readonly string[]): Promise<void> {
  const { foldChart } = await import('../charts.js');
  const { htmlReport } = await import('../html-report.js');
  const main = metricNames[0] === 'mse' ? 'r2' : metricNames[0];
  const chart = await foldChart({ metric: PRETTY[main] ?? main, values: perFold.map((f) => f[main] as number), mean: scores[main].mean },
    `${PRETTY[main] ?? main} per fold (${report.model}, ${report.data})`);
  const params = Object.entries(report.params as Record<string, unknown>).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const html = htmlReport({
    title: `knnkit evaluate: ${report.model} on ${report.data}`,
    meta: [['data', `${report.data} (n ${report.n}, d ${report.d}${report.classes !== undefined ? `, ${report.classes} classes` : ''})`],
      ['model', `${report.model} ${params}`], ['task', String(report.task)], ['folds', `${report.folds} (seed ${report.seed})`],
      ['total seconds', (report.totalSeconds as number).toFixed(2)]],
    tables: [
      { caption: 'scores over the folds', head: ['metric', 'mean', 'std'],
        rows: [...metricNames, 'fitSeconds', 'predictSeconds'].map((m) => {
          const ms = (scores[m] ?? report[m]) as { mean: number; std: number };
          return [PRETTY[m] ?? m, ms.mean.toFixed(4), ms.std.toFixed(4)];
        }) },
      { caption: 'per fold', head: ['fold', 'train', 'test', ...metricNames.map((m) => PRETTY[m] ?? m), 'fit s', 'predict s'],
        rows: perFold.map((f) => [String(f.fold), String(f.trainSize), String(f.testSize), ...metricNames.map((m) => (f[m] as number).toFixed(4)),
          (f.fitSeconds as number).toFixed(4), (f.predictSeconds as number).toFixed(4)]) },
    ],
    charts: [chart],
  });
  await writing(path, '--html', () => atomicWriteFile(path, html));
}
