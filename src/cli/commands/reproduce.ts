import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KnnkitError } from '../../core/errors.js';
import { parseArgs, intOption, choiceOption, type OptionSpec } from '../args.js';
import { EXHAUSTIVE_BUILD_MAX } from '../../knn-graph/options.js';
import { PUBLISHED } from '../../knn-graph/published.js';
import { METHODS, FOLD_SCHEMES, reproduce, checkMethods, type DatasetReport, type MethodResult } from '../../knn-graph/reproduce.js';

const SPEC: Record<string, OptionSpec> = {
  data: { type: 'string', multiple: true },
  folds: { type: 'string' },
  seed: { type: 'string' },
  'fold-scheme': { type: 'string' },
  methods: { type: 'string' },
  normalize: { type: 'string' },
  candidates: { type: 'string' },
  threads: { type: 'string' },
  'max-iter': { type: 'string' },
  ef: { type: 'string' },
  'ef-construction': { type: 'string' },
  lookup: { type: 'string' },
  json: { type: 'boolean' },
  markdown: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean' },
};

const USAGE = `usage: knnkit reproduce knn-graph [--data FILE ...] [--folds 10] [--seed 5] [--methods a,b,...] [--json] [--markdown]

Reproduces the kNN-Graph paper's Tables 1-4 (accuracy, macro precision, macro recall, macro F1,
inference seconds per test fold (first call after fit, and warm: Table 3b), training seconds
per fold; each cell the mean over the folds)
with stratified k-fold cross-validation, every method on the same folds.

  --data FILE        dataset (.csv with a label column, .svm LIBSVM, ...); repeat for several.
                     Default: binalpha.csv and news20_uni.svm from ../shared/data when present.
  --folds N          folds (default 10)          --seed S     fold seed (default 5)
  --fold-scheme S    cvpartition (default: MATLAB's cvpartition(Y,'KFold',N) after rng(S,'twister'),
                     the authors' folds) | knnkit (knnkit's seeded stratifiedKFold)
  --methods LIST     subset of: ${METHODS.join(', ')}
  --normalize MODE   auto (default: rows of sparse text data L2-normalised) | none | l2
  --candidates M     kNN-Graph dictionary of the M nearest points per column; auto (default:
                     full solve up to 2500 training rows, else 64) | none | an integer
  --threads N        worker threads of the kNN-Graph training (default: all cores, at most 8)
  --max-iter N       FISTA iterations of kNN-Graph (default 5, the authors' Demo run)
  --ef N             search beam of kNN-Graph's HNSW inference index (default 16): the
                     inference speed / recall trade-off
  --ef-construction N  construction beam of that index (default: n, the authors'
                     TrainSetSize = n, up to 2500 training rows; 200 above)
  --lookup MODE      how 0/1 queries find their node: auto (default, as the library: the exact
                     popcount scan for small training sets such as Binalpha's, the HNSW walk
                     above), graph (always the authors' HNSW walk), scan (always the exact scan)
  --json             one JSON object {datasets: {NAME: {METHOD: {accuracy, macroPrecision,
                     macroRecall, macroF1, trainSeconds, inferSeconds, inferWarmSeconds}}}, published: {NAME:
                     the paper's figures}, protocol, details}

For binalpha and news20_uni (by file name) every table also shows the paper's published
figure under knnkit's, as a "NAME (paper)" row.
  --markdown         the tables as Markdown
  --quiet            no per-fold progress on stderr`;

function sharedDataDir(): string {
  // <repo>/src/cli/commands -> <repo>/../shared/data (also from dist/src/cli/commands)
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of [['..', '..', '..', '..'], ['..', '..', '..', '..', '..']]) {
    const p = join(here, ...up, 'shared', 'data');
    if (existsSync(p)) return p;
  }
  return join(here, '..', '..', '..', '..', 'shared', 'data');
}

export const DEFAULT_DATASETS = ['binalpha.csv', 'news20_uni.svm'];

export async function run(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv, SPEC);
  if (options.help) { console.log(USAGE); return 0; }
  const target = positionals[0];
  if (target !== 'knn-graph') {
    throw new KnnkitError('target', `reproduce: got ${target === undefined ? 'no target' : JSON.stringify(target)}; expected "knn-graph" (knnkit reproduce knn-graph --help)`);
  }
  if (positionals.length > 1) throw new KnnkitError('target', `reproduce: unexpected argument ${JSON.stringify(positionals[1])}; datasets are given with --data FILE`);
  const folds = intOption(options, 'folds', 10, 2);
  const seed = intOption(options, 'seed', 5, 0, 0xffffffff);
  const foldScheme = choiceOption(options, 'fold-scheme', 'cvpartition', FOLD_SCHEMES);
  const methods = typeof options.methods === 'string' ? checkMethods(options.methods.split(',').map((s) => s.trim()).filter(Boolean)) : [...METHODS];
  const normalize = choiceOption(options, 'normalize', 'auto', ['auto', 'none', 'l2'] as const);
  let candidates: number | 'auto' | 'none' = 'auto';
  if (typeof options.candidates === 'string' && options.candidates !== 'auto') {
    candidates = options.candidates === 'none' ? 'none' : intOption(options, 'candidates', 64, 1);
  }
  const threads = options.threads === undefined ? undefined : intOption(options, 'threads', 1, 1, 256);
  const maxIter = intOption(options, 'max-iter', 5, 1);
  const ef = intOption(options, 'ef', 16, 1);
  const efConstruction = options['ef-construction'] === undefined ? undefined : intOption(options, 'ef-construction', 200, 1);
  // the library's lookup by default: on Binalpha the exact bit scan (1-NN's answer, lowest index
  // among equidistant nodes) instead of the authors' walk, ~3x faster per fold (docs/knn-graph.md)
  const lookup = choiceOption(options, 'lookup', 'auto', ['auto', 'scan', 'graph'] as const);
  let files = (options.data as string[] | undefined) ?? [];
  if (files.length === 0) {
    const dir = sharedDataDir();
    files = DEFAULT_DATASETS.map((f) => join(dir, f)).filter((p) => existsSync(p));
    if (files.length === 0) {
      console.error(`knnkit reproduce: no data given and the shared datasets (${DEFAULT_DATASETS.join(', ')}) are not in ${dir}; pass --data FILE (e.g. binalpha.csv from the kNN-Graph authors' repository)`);
      return 2;
    }
  }
  for (const f of files) if (!existsSync(f)) throw new KnnkitError('--data', `--data: ${f}: no such file`);
  const quiet = options.quiet === true || options.json === true;
  const reports = await reproduce({
    files, folds, seed, foldScheme, methods, normalize, candidates, threads, knnGraph: { maxIter, ef, efConstruction, lookup },
    onProgress: quiet ? undefined : (m) => process.stderr.write(m + '\n'),
  });
  if (options.json) {
    const datasets: Record<string, Record<string, MethodResult>> = {};
    for (const r of reports) datasets[r.name] = r.methods;
    const published = Object.fromEntries(reports.filter((r) => PUBLISHED[r.name]).map((r) => [r.name, PUBLISHED[r.name]]));
    console.log(JSON.stringify({
      datasets,
      protocol: { folds, seed, foldScheme, stratified: true, methods, knnGraph: { maxIter, ef, lookup, efConstruction: efConstruction ?? `n up to ${EXHAUSTIVE_BUILD_MAX} training rows, else 200` } },
      published,
      details: Object.fromEntries(reports.map((r) => [r.name, { rows: r.rows, cols: r.cols, classes: r.classes, sparse: r.sparse, preprocessing: r.preprocessing, knnGraphMode: r.knnGraphMode, notes: r.notes }])),
    }, null, 2));
    return 0;
  }
  console.log(renderTables(reports, methods, folds, seed, options.markdown === true));
  return 0;
}

const TABLES: Array<{ title: string; key: keyof MethodResult; fmt: (v: number) => string }> = [
  { title: 'Table 1. Accuracy (%)', key: 'accuracy', fmt: (v) => (v * 100).toFixed(2) },
  { title: 'Table 2a. Macro precision (%)', key: 'macroPrecision', fmt: (v) => (v * 100).toFixed(2) },
  { title: 'Table 2b. Macro recall (%)', key: 'macroRecall', fmt: (v) => (v * 100).toFixed(2) },
  { title: 'Table 2c. Macro F1 (%)', key: 'macroF1', fmt: (v) => (v * 100).toFixed(2) },
  { title: 'Table 3. Inference seconds per test fold', key: 'inferSeconds', fmt: (v) => v.toPrecision(3) },
  { title: 'Table 3b. Inference seconds per test fold, warm (median of 11 more calls of the same prediction)', key: 'inferWarmSeconds', fmt: (v) => v.toPrecision(3) },
  { title: 'Table 4. Training seconds per fold', key: 'trainSeconds', fmt: (v) => v.toPrecision(3) },
];

export function renderTables(reports: DatasetReport[], methods: string[], folds: number, seed: number, markdown: boolean): string {
  const lines: string[] = [`kNN-Graph reproduction: stratified ${folds}-fold CV (seed ${seed}), each cell the mean over the folds`];
  if (reports.some((r) => PUBLISHED[r.name])) {
    lines.push('  "(paper)" rows: the paper\'s Tables 1-4 (MATLAB R2024b, 12-core Ryzen 9 3900X); Binalpha recall / F1 from the authors\' saved run; its kNN-Graph is the reference rule');
  }
  for (const r of reports) {
    lines.push(`  ${r.name}: ${r.rows} x ${r.cols}${r.sparse ? ' sparse' : ''}, ${r.classes} classes; preprocessing: ${r.preprocessing}; kNN-Graph: ${r.knnGraphMode}`);
    for (const n of r.notes) lines.push(`  note: ${n}`);
  }
  for (const t of TABLES) {
    lines.push('', t.title);
    const header = ['dataset', ...methods];
    const rows: string[][] = [];
    for (const r of reports) {
      rows.push([r.name, ...methods.map((m) => (r.methods[m] ? t.fmt(r.methods[m][t.key]) : '-'))]);
      // the paper's figure for the same data set and method, where it published one
      const pub = PUBLISHED[r.name];
      const cells = pub ? methods.map((m) => pub.methods[m as keyof typeof pub.methods]?.[t.key]) : [];
      if (pub && cells.some((v) => v !== undefined)) rows.push([`${r.name} (paper)`, ...cells.map((v) => (v === undefined ? '-' : t.fmt(v)))]);
    }
    if (markdown) {
      lines.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
      for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    } else {
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
      lines.push(header.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : h.padStart(widths[i]))).join('  '));
      for (const row of rows) lines.push(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    }
  }
  return lines.join('\n');
}
