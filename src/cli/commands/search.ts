// knnkit search: the ANN-benchmarks flow on one base/query pair. Builds an index, searches every
// query (batch, on worker threads where the engine has them) and reports recall@k, queries/s,
// single-query latency percentiles, build time and index memory, per ef for HNSW.
import { availableParallelism } from 'node:os';
import { KnnkitError } from '../../core/errors.js';
import type { Matrix } from '../../core/data.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { readDataset, readIvecs, formatOf, atomicWriteFile } from '../../io/index.js';
import type { Metric, MetricSpec } from '../../metrics/types.js';
import { METRIC_NAMES, resolveMetric } from '../../metrics/registry.js';
import { BruteForce } from '../../search/brute-force/brute-force.js';
import { createIndex } from '../../search/factory.js';
import { chooseAlgorithm } from '../../search/auto.js';
import type { NeighborIndex, SearchParams } from '../../search/types.js';
import type { SearchResult } from '../../search/results.js';
import { parseArgs, intOption, intListOption, numberOption, choiceOption, type OptionSpec, type ParsedArgs } from '../args.js';
import { output } from '../output.js';
import { recallAtK, percentile, recallQpsSvg, formatBytes, type GroundTruth } from '../bench-report.js';

export const summary = 'k-NN search benchmark: recall@k, queries/s, latency, build time, memory';

const INDEXES = ['auto', 'brute', 'kd-tree', 'ball-tree', 'hnsw'] as const;
const TREES = ['kd-tree', 'ball-tree'];

import { firstNonBinary } from '../../search/hnsw/bits.js';

const SPEC: Record<string, OptionSpec> = {
  k: { type: 'string' }, index: { type: 'string' }, metric: { type: 'string' }, p: { type: 'string' },
  groundtruth: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' },
  'leaf-size': { type: 'string' }, m: { type: 'string' }, 'ef-construction': { type: 'string' }, ef: { type: 'string' },
  seed: { type: 'string' }, plot: { type: 'string' }, label: { type: 'string' }, help: { type: 'boolean' },
  storage: { type: 'string' },
};

const USAGE = `usage: knnkit search <base> <queries> [options]

  <base>, <queries>     .fvecs, .npy or .csv (a CSV's label column, "label" or else the last, is ignored)
  --k N                 neighbours per query (default 10)
  --index KIND          auto | brute | kd-tree | ball-tree | hnsw (default auto: scikit-learn's rule)
  --metric NAME         ${METRIC_NAMES.slice(0, 9).join(', ')} (default euclidean)
  --p P                 Minkowski exponent (with --metric minkowski)
  --groundtruth FILE    .ivecs of true neighbour ids per query (the first k of each row count);
                        default: computed by exact brute force
  --threads N           worker threads for the batch search (default: all cores)
  --leaf-size N         kd-tree / ball-tree leaf size (default 40)
  --m N                 HNSW links per node (default 16)
  --ef-construction N   HNSW build beam (default 200)
  --ef LIST             HNSW search beams, comma-separated (default 10,20,40,80,160)
  --seed N              HNSW level seed (default 100)
  --storage f32|bits     HNSW vector storage (default f32; bits: bit-packed 0/1 vectors, euclidean only)
  --plot FILE.svg       write a recall vs queries/s plot
  --label COL|none      CSV label column to drop (default auto)
  --json                print one JSON object: {index, k, buildSeconds, memoryBytes, runs}
`;

/** Single-query latency: every query, but stop after this long once enough samples exist. */
const LATENCY_BUDGET_MS = 5000;
const LATENCY_MIN_SAMPLES = 200;

interface Run { ef?: number; recall: number; qps: number; p50Ms: number; p99Ms: number; latencySamples: number }

export async function run(argv: string[]): Promise<number> {
  const { positionals, options: o } = parseArgs(argv, SPEC);
  if (o.help) { output.write(USAGE); return 0; }
  if (positionals.length !== 2) {
    throw new KnnkitError('<base> <queries>', `<base> <queries>: got ${positionals.length} file argument(s); expected exactly two (base vectors, query vectors). See knnkit search --help`);
  }
  const [basePath, queryPath] = positionals;

  // ---- every option is validated before any file is read
  const k = intOption(o, 'k', 10, 1);
  const kind = choiceOption<typeof INDEXES[number]>(o, 'index', 'auto', INDEXES);
  const metricSpec = metricOption(o);
  const threads = intOption(o, 'threads', availableParallelism(), 1, 1024);
  const json = o.json === true;
  const isHnsw = kind === 'hnsw';
  onlyFor(o, 'leaf-size', TREES.includes(kind) || kind === 'auto', '--index kd-tree, ball-tree or auto');
  for (const name of ['m', 'ef-construction', 'ef', 'seed', 'storage']) onlyFor(o, name, isHnsw, '--index hnsw');
  const leafSize = intOption(o, 'leaf-size', 40, 1);
  const M = intOption(o, 'm', 16, 2, 1024);
  const efConstruction = intOption(o, 'ef-construction', 200, 1);
  const efs = intListOption(o, 'ef', [10, 20, 40, 80, 160], 1);
  const seed = intOption(o, 'seed', 100, 0, 0xffffffff);
  const storage = choiceOption<'f32' | 'bits'>(o, 'storage', 'f32', ['f32', 'bits']);
  const plotPath = o.plot === undefined ? undefined : String(o.plot);
  if (plotPath !== undefined && !/\.svg$/i.test(plotPath)) throw new KnnkitError('--plot', `--plot: got ${JSON.stringify(plotPath)}; expected a file name ending in .svg`);
  const label = labelOption(o);
  const gtPath = o.groundtruth === undefined ? undefined : String(o.groundtruth);
  if (gtPath !== undefined && formatOf(gtPath) !== 'ivecs') throw new KnnkitError('--groundtruth', `--groundtruth: got ${JSON.stringify(gtPath)}; expected an .ivecs file`);

  // ---- data
  const base = await readVectors(basePath, label);
  const queries = await readVectors(queryPath, label);
  if (queries.cols !== base.cols) {
    throw new KnnkitError(queryPath, `${queryPath}: dimension mismatch: the queries have ${queries.cols} columns but the base ${basePath} has ${base.cols}`);
  }
  if (storage === 'bits') {
    for (const [path, m] of [[basePath, base], [queryPath, queries]] as const) {
      const bad = m.kind === 'dense' ? firstNonBinary(m.data, m.rows, m.cols) : 0;
      if (bad >= 0) {
        const where = m.kind === 'dense' ? `row ${Math.floor(bad / m.cols)}, column ${bad % m.cols} holds ${m.data[bad]}` : 'the data are sparse';
        throw new KnnkitError('--storage', `--storage: got "bits" but ${path}: ${where}; bit-packed storage holds dense 0/1 vectors only (use --storage f32)`);
      }
    }
  }
  const metric = withOption('--metric', () => resolveMetric(metricSpec, base.kind === 'dense' ? (base as DenseMatrix) : undefined, '--metric'));
  const kEff = Math.min(k, base.rows);
  const log = (s: string) => { if (!json) output.write(s + '\n'); };

  // ---- build
  const resolved = kind === 'auto'
    ? chooseAlgorithm({ n: base.rows, d: base.cols, k: kEff, metric, sparse: base.kind === 'csr' })
    : kind;
  const t0 = performance.now();
  const index = withOption('--metric', () => createIndex(resolved, base, { metric, leafSize, M, efConstruction, seed, storage }));
  const buildSeconds = (performance.now() - t0) / 1000;
  const memoryBytes = index.memoryUsage();
  log(`knnkit search: base ${basePath} (${base.rows} x ${base.cols}), queries ${queryPath} (${queries.rows}), metric ${describeMetric(metric)}, k ${kEff}${kEff < k ? ` (clamped from ${k}: the base has ${base.rows} points)` : ''}`);
  const params = resolved === 'hnsw' ? `M ${M}, efConstruction ${efConstruction}, seed ${seed}${storage === 'bits' ? ', bit-packed 0/1 vectors' : ''}` : TREES.includes(resolved) ? `leaf size ${leafSize}` : '';
  log(`index: ${resolved}${kind === 'auto' ? ' (auto)' : ''}${params ? ` (${params})` : ''}, built in ${buildSeconds.toFixed(3)} s, memory ${formatBytes(memoryBytes)}`);
  const parallel = threads > 1 && typeof index.searchAsync === 'function';
  log(parallel
    ? `batch search: ${threads} worker threads`
    : threads > 1 ? `batch search: ${resolved} has no worker-thread search; ran in the calling thread (--threads ${threads} ignored)` : 'batch search: calling thread (--threads 1)');

  // ---- ground truth
  let gt: GroundTruth;
  if (gtPath !== undefined) {
    const g = await readIvecs(gtPath);
    if (g.rows !== queries.rows) throw new KnnkitError('--groundtruth', `--groundtruth: ${gtPath} has ${g.rows} rows for ${queries.rows} queries; expected one row per query`);
    if (g.cols < kEff) throw new KnnkitError('--groundtruth', `--groundtruth: ${gtPath} lists ${g.cols} neighbours per query; --k ${kEff} needs at least ${kEff}`);
    gt = g;
    log(`ground truth: ${gtPath} (first ${kEff} of ${g.cols} per query)`);
  } else {
    const t0 = performance.now();
    const bf = new BruteForce(base, { metric });
    const r = await bf.searchAsync(queries, kEff, { threads });
    gt = { data: r.indices, rows: r.nQueries, cols: r.k };
    log(`ground truth: exact brute force (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  }

  // ---- runs
  const runs: Run[] = [];
  for (const ef of resolved === 'hnsw' ? efs : [undefined]) {
    runs.push(await measure(index, queries, kEff, gt, ef, parallel ? threads : 1));
  }
  if (json) {
    const out = {
      index: resolved, k: kEff, buildSeconds, memoryBytes,
      runs: runs.map((r) => ({ ...(r.ef !== undefined ? { ef: r.ef } : {}), recall: r.recall, qps: r.qps, p50Ms: r.p50Ms, p99Ms: r.p99Ms })),
    };
    output.write(JSON.stringify(out) + '\n');
  } else {
    const head = `${resolved === 'hnsw' ? 'ef'.padStart(6) + '  ' : ''}${`recall@${kEff}`.padStart(10)}  ${'queries/s'.padStart(11)}  ${'p50 ms'.padStart(9)}  ${'p99 ms'.padStart(9)}`;
    log(head);
    for (const r of runs) {
      log(`${r.ef !== undefined ? String(r.ef).padStart(6) + '  ' : ''}${r.recall.toFixed(4).padStart(10)}  ${r.qps.toFixed(0).padStart(11)}  ${r.p50Ms.toFixed(4).padStart(9)}  ${r.p99Ms.toFixed(4).padStart(9)}`);
    }
    log(`latency: single-query searches (${runs.map((r) => r.latencySamples).join(', ')} queries timed one by one)`);
  }
  if (plotPath !== undefined) {
    const svg = recallQpsSvg(runs.map((r) => ({ recall: r.recall, qps: r.qps, label: r.ef !== undefined ? `ef ${r.ef}` : resolved })),
      `${resolved}: recall@${kEff} vs queries/s (${base.rows} x ${base.cols}, ${queries.rows} queries)`);
    await atomicWriteFile(plotPath, svg);
    log(`plot: ${plotPath}`);
  }
  return 0;
}

/** One search setting: batch throughput (and recall), then single-query latencies. */
async function measure(index: NeighborIndex, queries: Matrix, k: number, gt: GroundTruth, ef: number | undefined, threads: number): Promise<Run> {
  const params: SearchParams = ef !== undefined ? { ef } : {};
  // warm-up: the first calls compile the hot loops (and start a worker pool where one is kept)
  index.search(sliceRows(queries, 0, Math.min(queries.rows, 64)), k, params);
  // enough queries that every worker gets a chunk (engines run tiny batches in the calling thread)
  if (threads > 1 && index.searchAsync) await index.searchAsync(sliceRows(queries, 0, Math.min(queries.rows, 128 * threads)), k, { ...params, threads });
  const t0 = performance.now();
  const res: SearchResult = threads > 1 && index.searchAsync
    ? await index.searchAsync(queries, k, { ...params, threads })
    : index.search(queries, k, params);
  const seconds = (performance.now() - t0) / 1000;
  const lat: number[] = [];
  const start = performance.now();
  for (let i = 0; i < queries.rows; i++) {
    const one = sliceRows(queries, i, i + 1);
    const s = performance.now();
    index.search(one, k, params);
    lat.push(performance.now() - s);
    if (lat.length >= LATENCY_MIN_SAMPLES && performance.now() - start > LATENCY_BUDGET_MS) break;
  }
  return {
    ...(ef !== undefined ? { ef } : {}),
    recall: recallAtK(res, gt, k),
    qps: queries.rows / Math.max(seconds, 1e-9),
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    latencySamples: lat.length,
  };
}

function sliceRows(m: Matrix, a: number, b: number): Matrix {
  if (m.kind === 'dense') return { kind: 'dense', data: m.data.subarray(a * m.cols, b * m.cols), rows: b - a, cols: m.cols };
  const indptr = m.indptr.slice(a, b + 1).map((v) => v - m.indptr[a]);
  return { kind: 'csr', indptr, indices: m.indices.subarray(m.indptr[a], m.indptr[b]), values: m.values.subarray(m.indptr[a], m.indptr[b]), rows: b - a, cols: m.cols };
}

async function readVectors(path: string, label: 'auto' | 'none' | string | number): Promise<Matrix> {
  const format = formatOf(path);
  if (format === 'ivecs') throw new KnnkitError(path, `${path}: an .ivecs file holds neighbour ids, not vectors; expected .fvecs, .npy or .csv (pass ground truth with --groundtruth)`);
  const ds = await readDataset(path, format === 'csv' || format === 'tsv' ? { label } : {});
  return ds.X;
}

function labelOption(o: ParsedArgs['options']): 'auto' | 'none' | string | number {
  const v = o.label;
  if (v === undefined) return 'auto';
  if (typeof v !== 'string' || v.trim() === '') throw new KnnkitError('--label', `--label: got ${JSON.stringify(v)}; expected auto, none, a column name or a 0-based column index`);
  return /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
}

function metricOption(o: ParsedArgs['options']): MetricSpec {
  const m = o.metric;
  let name = 'euclidean';
  if (m !== undefined) {
    name = String(m).toLowerCase();
    if (!METRIC_NAMES.includes(name)) throw new KnnkitError('--metric', `--metric: got ${JSON.stringify(m)}; expected one of ${METRIC_NAMES.join(', ')}`);
  }
  if (o.p !== undefined) {
    if (name !== 'minkowski') throw new KnnkitError('--p', `--p: only applies to --metric minkowski (got --metric ${name})`);
    return { name, p: numberOption(o, 'p', 2, 1) };
  }
  return name;
}

function onlyFor(o: ParsedArgs['options'], name: string, ok: boolean, where: string): void {
  if (o[name] !== undefined && !ok) throw new KnnkitError('--' + name, `--${name}: only applies to ${where}`);
}

/** Re-labels an engine's metric error with the CLI option it came from. */
function withOption<T>(option: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KnnkitError && e.param === 'metric') throw new KnnkitError(option, `${option}: ${e.message.replace(/^metric: /, '')}`);
    throw e;
  }
}

function describeMetric(m: Metric): string {
  const p = (m.params as { p?: number }).p;
  return p !== undefined ? `${m.name} (p = ${p})` : m.name;
}
