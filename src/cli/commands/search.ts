// knnkit search: the ANN-benchmarks flow on one base/query pair. Builds an index of any
// registered family (or loads a saved one), searches every query (batch, on worker threads where
// the family has them) and reports recall@k, queries/s, single-query latency percentiles, build
// time and index memory, one run per value of the family's sweep parameter (HNSW's ef, ...).
import { availableParallelism } from 'node:os';
import { KnnkitError } from '../../core/errors.js';
import type { Matrix } from '../../core/data.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { formatOf } from '../../io/index.js';
import { resolveMetric } from '../../metrics/registry.js';
import type { MetricSpec } from '../../metrics/types.js';
import { BruteForce } from '../../search/brute-force/brute-force.js';
import type { SearchResult } from '../../search/results.js';
import { createIndex } from '../../index/api.js';
import { chooseFamily } from '../../index/auto.js';
import { getFamily, type FamilyDescriptor } from '../../index/registry.js';
import { loadIndex, saveIndex } from '../../index/persist.js';
import { ManagedIndex } from '../../index/managed-index.js';
import type { VectorIndex } from '../../index/types.js';
import { atomicWriteFile } from '../../io/atomic.js';
import { parseArgs, intOption, type OptionSpec, type ParsedArgs } from '../args.js';
import { output } from '../output.js';
import { recallAtK, percentile, formatBytes, type GroundTruth } from '../bench-report.js';
import { familyArgSpec, familyHelp, familyOption, buildOptionsFromFlags, searchPlanFromFlags, refuseBuildFlags, codecOption, describeOptions, commandThreads, type SearchPlan, type SweepValue } from '../family-flags.js';
import { metricOption, withMetricOption, describeMetric, checkMetricEarly } from '../metric-option.js';
import { readVectors, labelOption, checkBitsCodec, checkSameDim } from '../vectors.js';
import { checkInputFile, checkOutputFile, checkExtension, writing } from '../paths.js';
import { isIndexFile } from '../index-file.js';
import { Progress } from '../progress.js';
import { readGroundTruth } from '../groundtruth.js';

export const summary = 'k-NN search benchmark: recall@k, queries/s, latency, build time, memory';

/** The command's own flags (family flags must not reuse these names). */
export const COMMON: Record<string, OptionSpec> = {
  k: { type: 'string' }, index: { type: 'string' }, metric: { type: 'string' }, p: { type: 'string' },
  codec: { type: 'string' }, storage: { type: 'string' },
  groundtruth: { type: 'string' }, threads: { type: 'string' }, json: { type: 'boolean' },
  plot: { type: 'string' }, save: { type: 'string' }, label: { type: 'string' }, help: { type: 'boolean' },
  quiet: { type: 'boolean' }, html: { type: 'string' },
};

function usage(): string {
  return `usage: knnkit search <base> <queries> [options] [index options]

  <base>                .fvecs, .npy or .csv vectors (a CSV's label column, "label" or else the last, is
                        ignored), or an index saved by knnkit build / --save (recognised by its magic)
  <queries>             .fvecs, .npy or .csv
  --k N                 neighbours per query (default 10)
  --index NAME          a family below, or auto (default: scikit-learn's exact rule, knnkit indexes)
  --metric NAME         euclidean, sqeuclidean, manhattan, cosine, ip, ... (default euclidean)
  --p P                 Minkowski exponent (with --metric minkowski)
  --codec NAME          vector storage, one of the family's codecs (--storage is the same flag)
  --groundtruth FILE    .ivecs of true neighbour ids per query (the first k of each row count);
                        default: computed by exact brute force
  --threads N           worker threads for the batch search, and for the build of a family that
                        builds in parallel (HNSW) (default: all cores)
  --save FILE           also save the built index (knnkit query / info read it)
  --plot FILE.svg       write a recall vs queries/s plot (Apache ECharts, labels inside the frame)
  --html FILE.html      write a report: settings, the table of runs and the plot, in one file
  --label COL|none      CSV label column to drop (default auto)
  --quiet               no progress on stderr (a bar on a terminal, a line every 5 s otherwise)
  --json                print one JSON object: {index, k, buildSeconds (loadSeconds for a saved
                        index), memoryBytes, runs: [{<sweep>, recall, qps, p50Ms, p99Ms}]}

A family's sweep parameter takes a comma list and runs once per value (default: its default
D as D/4, D/2, D, 2D, 4D).

${familyHelp(['build', 'search'])}
`;
}

/** Single-query latency: every query, but stop after this long once enough samples exist. */
const LATENCY_BUDGET_MS = 5000;
const LATENCY_MIN_SAMPLES = 200;

interface Run { sweep?: SweepValue; recall: number; qps: number; p50Ms: number; p99Ms: number; latencySamples: number }

export async function run(argv: string[]): Promise<number> {
  const SPEC = { ...COMMON, ...familyArgSpec(['build', 'search'], COMMON) };
  const { positionals, options: o } = parseArgs(argv, SPEC);
  if (o.help) { output.write(usage()); return 0; }
  if (positionals.length !== 2) {
    throw new KnnkitError('<base> <queries>', `<base> <queries>: got ${positionals.length} file argument(s); expected exactly two (base vectors or a saved index, query vectors). See knnkit search --help`);
  }
  const [basePath, queryPath] = positionals;

  // ---- every option and path is validated before any file is read
  const k = intOption(o, 'k', 10, 1);
  const threads = intOption(o, 'threads', availableParallelism(), 1, 1024);
  const json = o.json === true;
  const metricSpec = metricOption(o);
  const label = labelOption(o);
  const plotPath = o.plot === undefined ? undefined : String(o.plot);
  if (plotPath !== undefined) checkExtension(plotPath, '--plot', ['.svg']);
  const htmlPath = o.html === undefined ? undefined : String(o.html);
  if (htmlPath !== undefined) checkExtension(htmlPath, '--html', ['.html', '.htm']);
  const savePath = o.save === undefined ? undefined : String(o.save);
  const gtPath = o.groundtruth === undefined ? undefined : String(o.groundtruth);
  if (gtPath !== undefined && formatOf(gtPath) !== 'ivecs') throw new KnnkitError('--groundtruth', `--groundtruth: got ${JSON.stringify(gtPath)}; expected an .ivecs file`);
  const chosen = familyOption(o, true);
  await checkInputFile(basePath);
  await checkInputFile(queryPath);
  if (gtPath !== undefined) await checkInputFile(gtPath, '--groundtruth');
  if (plotPath !== undefined) await checkOutputFile(plotPath, '--plot');
  if (htmlPath !== undefined) await checkOutputFile(htmlPath, '--html');
  if (savePath !== undefined) await checkOutputFile(savePath, '--save');
  const log = (s: string) => { if (!json) output.write(s + '\n'); };
  const progress = new Progress('knnkit search', 0, { quiet: o.quiet === true });
  const inputs: Inputs = { o, basePath, queryPath, gtPath, k, label, chosen, log, progress };
  const { index, family, plan, base, queries, gt, k: kEff, seconds, notes } = (await isIndexFile(basePath)) ? await openSaved(inputs) : await buildFresh(inputs, metricSpec);
  const saved = base === null;
  for (const n of notes) log(`note: ${n}`);
  const memoryBytes = index.memoryUsage();

  if (savePath !== undefined) {
    await writing(savePath, '--save', () => saveIndex(index, savePath));
    log(`saved: ${savePath}`);
  }

  const workers = index instanceof ManagedIndex ? typeof index.core.searchAsync === 'function' : true;
  const parallel = threads > 1 && workers;
  log(parallel
    ? `batch search: ${threads} worker threads`
    : threads > 1 ? `batch search: ${family.name} has no worker-thread search; ran in the calling thread (--threads ${threads} ignored)` : 'batch search: calling thread (--threads 1)');

  // ---- ground truth
  let truth: GroundTruth;
  if (gt !== undefined) {
    truth = gt;
    log(`ground truth: ${gtPath} (first ${kEff} of ${gt.cols} per query)`);
  } else {
    const t0 = performance.now();
    truth = await exactTruth(index, base, queries, kEff, threads, basePath);
    log(`ground truth: ${base ? 'exact brute force' : index.exact ? `the exact ${family.name} index itself` : 'exact brute force over the index\'s stored vectors'} (${((performance.now() - t0) / 1000).toFixed(2)} s)`);
  }

  // ---- runs
  const runs: Run[] = [];
  const sweep = plan.sweep;
  for (const value of sweep ? sweep.values : [undefined]) {
    const params: Record<string, unknown> = { ...plan.fixed };
    if (sweep && value !== undefined) params[sweep.name] = value;
    runs.push({ ...(await measure(index, queries, kEff, truth, params, parallel ? threads : 1)), ...(sweep && value !== undefined ? { sweep: value } : {}) });
  }
  const sweepName = sweep?.name;
  if (json) {
    const out = {
      index: family.name, k: kEff, [saved ? 'loadSeconds' : 'buildSeconds']: seconds, memoryBytes,
      runs: runs.map((r) => ({ ...(r.sweep !== undefined ? { [sweepName!]: r.sweep } : {}), recall: r.recall, qps: r.qps, p50Ms: r.p50Ms, p99Ms: r.p99Ms })),
    };
    output.write(JSON.stringify(out) + '\n');
  } else {
    const swept = runs.some((r) => r.sweep !== undefined);
    const w = Math.max(6, (sweepName ?? '').length);
    log(`${swept ? sweepName!.padStart(w) + '  ' : ''}${`recall@${kEff}`.padStart(10)}  ${'queries/s'.padStart(11)}  ${'p50 ms'.padStart(9)}  ${'p99 ms'.padStart(9)}`);
    for (const r of runs) {
      log(`${swept ? String(r.sweep ?? '').padStart(w) + '  ' : ''}${r.recall.toFixed(4).padStart(10)}  ${r.qps.toFixed(0).padStart(11)}  ${r.p50Ms.toFixed(4).padStart(9)}  ${r.p99Ms.toFixed(4).padStart(9)}`);
    }
    log(`latency: single-query searches (${runs.map((r) => r.latencySamples).join(', ')} queries timed one by one)`);
  }
  if (plotPath !== undefined || htmlPath !== undefined) {
    // the plotting library is loaded here only, by the runs that draw
    const { recallQpsChart } = await import('../charts.js');
    const n = base ? base.rows : index.size;
    const svg = await recallQpsChart(runs.map((r) => ({ recall: r.recall, qps: r.qps, label: r.sweep !== undefined ? `${sweepName} ${r.sweep}` : family.name })),
      `${family.name}: recall@${kEff} vs queries/s (${n} x ${index.dim}, ${queries.rows} queries)`);
    if (plotPath !== undefined) {
      await writing(plotPath, '--plot', () => atomicWriteFile(plotPath, svg));
      log(`plot: ${plotPath}`);
    }
    if (htmlPath !== undefined) {
      const { htmlReport } = await import('../html-report.js');
      const html = htmlReport({
        title: `knnkit search: ${family.name} on ${basePath}`,
        meta: [['index', `${family.name}${describeOptions(index.options) ? ` (${describeOptions(index.options)})` : ''}`], ['base', `${basePath} (${n} x ${index.dim})`],
          ['queries', `${queryPath} (${queries.rows})`], ['metric', describeMetric(index.metric)], ['k', kEff],
          [saved ? 'load seconds' : 'build seconds', seconds.toFixed(3)], ['memory', formatBytes(memoryBytes)], ['threads', parallel ? threads : 1]],
        tables: [{
          caption: `recall@${kEff}, batch queries/s and single-query latency per run`,
          head: [...(sweepName ? [sweepName] : []), `recall@${kEff}`, 'queries/s', 'p50 ms', 'p99 ms'],
          rows: runs.map((r) => [...(sweepName ? [String(r.sweep ?? '')] : []), r.recall.toFixed(4), r.qps.toFixed(0), r.p50Ms.toFixed(4), r.p99Ms.toFixed(4)]),
        }],
        charts: [svg],
      });
      await writing(htmlPath, '--html', () => atomicWriteFile(htmlPath, html));
      log(`report: ${htmlPath}`);
    }
  }
  return 0;
}

interface Inputs {
  o: ParsedArgs['options'];
  basePath: string; queryPath: string; gtPath: string | undefined;
  k: number; label: ReturnType<typeof labelOption>; chosen: FamilyDescriptor | 'auto';
  log: (s: string) => void;
  /** stderr progress of reads and builds (never stdout, never inside --json). */
  progress: Progress;
}

/** An index ready to measure, with its queries and (when given) ground truth. */
interface Prepared {
  index: VectorIndex; family: FamilyDescriptor; plan: SearchPlan;
  /** The base vectors (null for a saved index). */
  base: Matrix | null;
  queries: Matrix; gt: GroundTruth | undefined;
  /** k clamped to the index size. */
  k: number;
  /** Build (or load) seconds. */
  seconds: number;
  notes: string[];
}

/** A saved index: its family, metric, codec and options come from the file. */
async function openSaved({ o, basePath, queryPath, gtPath, k, label, chosen, log }: Inputs): Promise<Prepared> {
  refuseBuildFlags(o, basePath);
  for (const flag of ['metric', 'p', 'codec', 'storage']) {
    if (o[flag] !== undefined) throw new KnnkitError('--' + flag, `--${flag}: does not apply: ${basePath} is a saved index (its ${flag === 'p' ? 'metric' : flag === 'storage' ? 'codec' : flag} is in the file)`);
  }
  const t0 = performance.now();
  const index = await loadIndex(basePath);
  const seconds = (performance.now() - t0) / 1000;
  const family = getFamily(index.kind);
  if (chosen !== 'auto' && chosen.name !== family.name) {
    throw new KnnkitError('--index', `--index: got ${JSON.stringify(o.index)} but ${basePath} is a saved "${family.name}" index`);
  }
  const plan = searchPlanFromFlags(family, o, 'scan');
  const queries = await readVectors(queryPath, label);
  checkSameDim(basePath, { cols: index.dim }, queryPath, queries);
  const kEff = Math.min(k, index.size);
  const gt = gtPath === undefined ? undefined
    : await readGroundTruth(gtPath, queries.rows, kEff, { test: (id) => index.has(id), describe: `an id of the ${index.size} points of ${basePath}` });
  log(`knnkit search: index ${basePath} (${index.size} x ${index.dim}), queries ${queryPath} (${queries.rows}), metric ${describeMetric(index.metric)}, k ${kEff}${kEff < k ? ` (clamped from ${k}: the index has ${index.size} points)` : ''}`);
  log(`index: ${family.name} loaded (${describeOptions(index.options) || 'no options'}) in ${seconds.toFixed(3)} s, memory ${formatBytes(index.memoryUsage())}`);
  return { index, family, plan, base: null, queries, gt, k: kEff, seconds, notes: [] };
}

/** Vectors: an index of the chosen family (or of the auto rule's) built over them. */
async function buildFresh({ o, basePath, queryPath, gtPath, k, label, chosen, log, progress }: Inputs, metricSpec: MetricSpec): Promise<Prepared> {
  const notes: string[] = [];
  // a named family's flags are checked before the data is read; auto's once it has chosen
  const settings = (family: FamilyDescriptor, lenient: boolean) => {
    const b = buildOptionsFromFlags(family, o, lenient);
    const plan = searchPlanFromFlags(family, o, 'scan', lenient);
    const ignored = [...b.ignored, ...plan.ignored];
    // the user could not know the family auto picks: other families' flags are ignored, and said so
    if (ignored.length) notes.push(`${ignored.join(', ')} ignored: auto chose ${family.name}, which has no such option`);
    return { family, options: b.options, codec: codecOption(family, o), plan };
  };
  const named = chosen === 'auto' ? null : settings(chosen, false);
  if (named) checkMetricEarly(named.family, metricSpec);
  const base = await readVectors(basePath, label, progress.report);
  const queries = await readVectors(queryPath, label, progress.report);
  progress.done();
  checkSameDim(basePath, base, queryPath, queries);
  const metric = withMetricOption(() => resolveMetric(metricSpec, base.kind === 'dense' ? (base as DenseMatrix) : undefined));
  const kEff = Math.min(k, base.rows);
  const { family, options, codec, plan } = named
    ?? settings(getFamily(chooseFamily({ n: base.rows, d: base.cols, k: kEff, metric, sparse: base.kind === 'csr' })), true);
  if (codec === 'bits') checkBitsCodec(o.codec !== undefined ? '--codec' : '--storage', [[basePath, base], [queryPath, queries]]);
  const n = base.rows;
  const gt = gtPath === undefined ? undefined
    : await readGroundTruth(gtPath, queries.rows, kEff, { test: (id) => id >= 0 && id < n, describe: `an id of the ${n} points of ${basePath} (0..${n - 1})` });
  log(`knnkit search: base ${basePath} (${base.rows} x ${base.cols}), queries ${queryPath} (${queries.rows}), metric ${describeMetric(metric)}, k ${kEff}${kEff < k ? ` (clamped from ${k}: the base has ${base.rows} points)` : ''}`);
  const t0 = performance.now();
  const index = withMetricOption(() => createIndex(family.name, base, { ...commandThreads(family, options, o.threads === undefined ? availableParallelism() : intOption(o, 'threads', 1, 1, 1024)), metric, ...(codec !== undefined ? { codec } : {}), onProgress: progress.report }));
  progress.done();
  const seconds = (performance.now() - t0) / 1000;
  const desc = describeOptions(index.options);
  log(`index: ${family.name}${chosen === 'auto' ? ' (auto)' : ''}${desc ? ` (${desc})` : ''}, built in ${seconds.toFixed(3)} s, memory ${formatBytes(index.memoryUsage())}`);
  return { index, family, plan, base, queries, gt, k: kEff, seconds, notes };
}

/**
 * The exact neighbours: brute force over the base vectors; for a saved index, the index itself
 * when it is exact, else brute force over its stored vectors (decoded by its codec), mapped to
 * the index's ids.
 */
async function exactTruth(index: VectorIndex, base: Matrix | null, queries: Matrix, k: number, threads: number, source: string): Promise<GroundTruth> {
  if (base) {
    const r = await new BruteForce(base, { metric: index.metric }).searchAsync(queries, k, { threads });
    return { data: r.indices, rows: r.nQueries, cols: r.k };
  }
  if (index.exact) {
    const r = await index.searchAsync(queries, k, { threads });
    return { data: r.indices, rows: r.nQueries, cols: r.k };
  }
  if (!index.capabilities.getVector) {
    throw new KnnkitError('--groundtruth', `--groundtruth: required: ${source} is an approximate "${index.kind}" index that keeps no vectors to compute the exact neighbours from`);
  }
  const ids = Float64Array.from(index.ids());
  const data = new Float32Array(ids.length * index.dim);
  for (let i = 0; i < ids.length; i++) data.set(index.getVector(ids[i]), i * index.dim);
  const r = await new BruteForce({ kind: 'dense', data, rows: ids.length, cols: index.dim }, { metric: index.metric }).searchAsync(queries, k, { threads });
  const out = new Int32Array(r.indices.length);
  for (let i = 0; i < out.length; i++) {
    const p = r.indices[i];
    const id = p < 0 ? -1 : ids[p];
    if (id > 0x7fffffff) throw new KnnkitError('--groundtruth', `--groundtruth: required: ${source} holds ids above 2^31 - 1`);
    out[i] = id;
  }
  return { data: out, rows: r.nQueries, cols: r.k };
}

/** One search setting: batch throughput (and recall), then single-query latencies. */
async function measure(index: VectorIndex, queries: Matrix, k: number, gt: GroundTruth, params: Record<string, unknown>, threads: number): Promise<Run> {
  // warm-up: the first calls compile the hot loops (and start a worker pool where one is kept)
  index.search(sliceRows(queries, 0, Math.min(queries.rows, 64)), k, params);
  // enough queries that every worker gets a chunk (families run tiny batches in the calling thread)
  if (threads > 1) await index.searchAsync(sliceRows(queries, 0, Math.min(queries.rows, 128 * threads)), k, { ...params, threads });
  const t0 = performance.now();
  const res: SearchResult = threads > 1 ? await index.searchAsync(queries, k, { ...params, threads }) : index.search(queries, k, params);
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
