// knnkit query: the k nearest neighbours of a query file in a saved index (any family), with the
// family's search parameters (a comma list of its sweep parameter runs once per value), an id
// filter, results written as .ivecs / .csv / .json, and recall against a ground truth.
import { availableParallelism } from 'node:os';
import { KnnkitError } from '../../core/errors.js';
import { formatOf } from '../../io/index.js';
import { loadIndex } from '../../index/persist.js';
import { getFamily } from '../../index/registry.js';
import type { ManagedIndex } from '../../index/managed-index.js';
import type { VectorIndex } from '../../index/types.js';
import type { SearchResult } from '../../search/results.js';
import { parseArgs, intOption, type OptionSpec } from '../args.js';
import { output } from '../output.js';
import { recallAtK, type GroundTruth } from '../bench-report.js';
import { familyArgSpec, familyHelp, familyOption, searchPlanFromFlags, refuseBuildFlags, type SweepValue } from '../family-flags.js';
import { describeMetric } from '../metric-option.js';
import { readVectors, labelOption, checkSameDim } from '../vectors.js';
import { checkInputFile, checkOutputFile } from '../paths.js';
import { readIdFile } from '../id-file.js';
import { readGroundTruth } from '../groundtruth.js';
import { resultFormat, writeResults } from '../results-out.js';

export const summary = 'search a saved index: neighbours of a query file, with filters and recall';

/** The command's own flags (family flags must not reuse these names). */
export const COMMON: Record<string, OptionSpec> = {
  k: { type: 'string' }, index: { type: 'string' }, threads: { type: 'string' }, filter: { type: 'string' }, out: { type: 'string' },
  groundtruth: { type: 'string' }, label: { type: 'string' }, view: { type: 'boolean' }, direct: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean' },
};

/** Queries whose neighbours the human output shows when no --out is given. */
const SHOWN = 3;

function usage(): string {
  return `usage: knnkit query <index> <queries> [options] [search parameters]

  <index>             a file saved by knnkit build (or search --save, or the API's saveIndex)
  <queries>           .fvecs, .npy or .csv query vectors (a CSV's label column is dropped)
  --k N               neighbours per query (default 10; clamped to the index size)
  --filter FILE       only these ids may be returned: integers separated by newlines, spaces or commas
  --out FILE          write every result: .ivecs (k ids per query, -1 padding), .csv (query,rank,id,
                      distance) or .json ({k, ids, distances}); one search setting only
  --groundtruth FILE  .ivecs of true neighbour ids per query: prints recall@k
  --threads N         worker threads (default: all cores); a family served from the file (diskann)
                      keeps N queries in flight, each with its W sector reads overlapped (also at 1)
  --view              search straight from the file's bytes where the family can (no copy)
  --direct            a family served from the file (diskann) reads it with O_DIRECT (Linux):
                      no page cache, every read a device read (DiskANN's mode)
  --ram-budget B      serve a diskann index within B (e.g. 96MB) instead of its build budget:
                      the node cache is re-planned around the codes
  --index NAME        check that the file holds this family
  --label COL|none    CSV label column to drop (default auto)
  --json              print one JSON object: {index, k, queries, runs: [{<sweep>, seconds, qps, recall}], out}

The family's sweep parameter takes a comma list and runs once per value.

${familyHelp(['search'])}
`;
}

interface Run { sweep?: SweepValue; seconds: number; qps: number; recall?: number; res: SearchResult; stats?: Record<string, number> }

export async function run(argv: string[]): Promise<number> {
  const SPEC = { ...COMMON, ...familyArgSpec(['build', 'search'], COMMON) };
  const { positionals, options: o } = parseArgs(argv, SPEC);
  if (o.help) { output.write(usage()); return 0; }
  if (positionals.length !== 2) {
    throw new KnnkitError('<index> <queries>', `<index> <queries>: got ${positionals.length} file argument(s); expected exactly two (a saved index, query vectors). See knnkit query --help`);
  }
  const [indexPath, queryPath] = positionals;

  // ---- options and paths, before anything is read
  const k = intOption(o, 'k', 10, 1);
  const threads = intOption(o, 'threads', availableParallelism(), 1, 1024);
  const json = o.json === true;
  const label = labelOption(o);
  const outPath = o.out === undefined ? undefined : String(o.out);
  const outFormat = outPath === undefined ? undefined : resultFormat(outPath);
  const filterPath = o.filter === undefined ? undefined : String(o.filter);
  const gtPath = o.groundtruth === undefined ? undefined : String(o.groundtruth);
  if (gtPath !== undefined && formatOf(gtPath) !== 'ivecs') throw new KnnkitError('--groundtruth', `--groundtruth: got ${JSON.stringify(gtPath)}; expected an .ivecs file`);
  const expected = o.index === undefined ? undefined : familyOption(o, false);
  // --ram-budget is diskann's build flag, taken here too: it re-plans the node cache at load
  refuseBuildFlags(o, indexPath, { 'ram-budget': true });
  await checkInputFile(indexPath);
  await checkInputFile(queryPath);
  if (filterPath !== undefined) await checkInputFile(filterPath, '--filter');
  if (gtPath !== undefined) await checkInputFile(gtPath, '--groundtruth');
  if (outPath !== undefined) await checkOutputFile(outPath, '--out');

  // ---- index, queries, filter, ground truth
  const t0 = performance.now();
  const index = await loadIndex(indexPath, { view: o.view === true, direct: o.direct === true, ...(o['ram-budget'] !== undefined ? { ramBudget: String(o['ram-budget']) } : {}) });
  const loadSeconds = (performance.now() - t0) / 1000;
  const family = getFamily(index.kind);
  if (expected && expected !== 'auto' && expected.name !== family.name) {
    throw new KnnkitError('--index', `--index: got ${JSON.stringify(o.index)} but ${indexPath} is a saved "${family.name}" index`);
  }
  const plan = searchPlanFromFlags(family, o, 'single');
  const values = plan.sweep ? plan.sweep.values : [undefined];
  if (outPath !== undefined && values.length > 1) {
    throw new KnnkitError('--out', `--out: writes the results of one search setting; got ${values.length} values of --${plan.sweep!.flag} (give one)`);
  }
  const queries = await readVectors(queryPath, label);
  checkSameDim(indexPath, { cols: index.dim }, queryPath, queries);
  const filter = filterPath === undefined ? undefined : await readIdFile(filterPath, '--filter');
  const kEff = Math.min(k, index.size);
  const gt: GroundTruth | undefined = gtPath === undefined ? undefined
    : await readGroundTruth(gtPath, queries.rows, kEff, { test: (id) => index.has(id), describe: `an id of the ${index.size} points of ${indexPath}` });
  if (outFormat === '.ivecs') checkInt32Ids(index);

  // ---- searches
  const runs: Run[] = [];
  for (const value of values) {
    const params: Record<string, unknown> = { ...plan.fixed, ...(filter ? { filter } : {}) };
    if (plan.sweep && value !== undefined) params[plan.sweep.name] = value;
    const s = performance.now();
    // a family that reads its file while searching (diskann) goes through searchAsync even on one
    // thread: the synchronous walk issues its reads one after another, the asynchronous one keeps
    // W in flight (docs/diskann.md, pipelined search)
    const res = threads > 1 || readsWhileSearching(index) ? await index.searchAsync(queries, kEff, { ...params, threads }) : index.search(queries, kEff, params);
    const seconds = (performance.now() - s) / 1000;
    runs.push({
      ...(plan.sweep && value !== undefined ? { sweep: value } : {}),
      seconds, qps: queries.rows / Math.max(seconds, 1e-9), res,
      ...(gt && kEff > 0 ? { recall: recallAtK(res, gt, kEff) } : {}),
      ...searchStats(index),
    });
  }
  if (outPath !== undefined) await writeResults(outPath, runs[0].res);

  const sweepName = plan.sweep?.name;
  if (json) {
    output.write(JSON.stringify({
      index: family.name, k: kEff, queries: queries.rows, size: index.size, loadSeconds,
      ...(filter ? { filterIds: filter.length } : {}),
      runs: runs.map((r) => ({ ...(r.sweep !== undefined ? { [sweepName!]: r.sweep } : {}), seconds: r.seconds, qps: r.qps, ...(r.recall !== undefined ? { recall: r.recall } : {}), ...(r.stats ?? {}) })),
      ...(outPath !== undefined ? { out: outPath } : {}),
    }) + '\n');
    return 0;
  }
  const lines = [
    `knnkit query: ${indexPath} (${family.name}, ${index.size} x ${index.dim}, ${describeMetric(index.metric)}; loaded in ${loadSeconds.toFixed(3)} s), ${queries.rows} queries from ${queryPath}, k ${kEff}${kEff < k ? ` (clamped from ${k})` : ''}${filter ? `, filter ${filterPath} (${filter.length} ids)` : ''}`,
  ];
  for (const r of runs) {
    const head = r.sweep !== undefined ? `${sweepName} ${r.sweep}: ` : '';
    const st = r.stats ? `, p50 ${r.stats.p50Ms.toFixed(3)} ms, p99 ${r.stats.p99Ms.toFixed(3)} ms, ${r.stats.readsPerQuery.toFixed(1)} reads/query` : '';
    lines.push(`${head}${r.seconds.toFixed(3)} s, ${r.qps.toFixed(0)} queries/s${r.recall !== undefined ? `, recall@${kEff} ${r.recall.toFixed(4)}` : ''}${st}`);
  }
  if (outPath !== undefined) {
    lines.push(`results: ${outPath}`);
  } else {
    const res = runs[runs.length - 1].res;
    const ids = res.ids;
    for (let q = 0; q < Math.min(SHOWN, res.nQueries); q++) {
      const row: string[] = [];
      for (let j = 0; j < res.k; j++) {
        const id = ids[q * res.k + j];
        if (id < 0) break;
        row.push(`${id} (${res.distances[q * res.k + j].toPrecision(4)})`);
      }
      lines.push(`query ${q}: ${row.length ? row.join(', ') : '(no neighbour passes the filter)'}`);
    }
    if (res.nQueries > SHOWN) lines.push(`... ${res.nQueries - SHOWN} more queries (--out FILE writes every result)`);
  }
  output.write(lines.join('\n') + '\n');
  return 0;
}

/** A disk family's per-query figures of the last search (p50Ms, p99Ms, readsPerQuery, ...), when it keeps them. */
function readsWhileSearching(index: VectorIndex): boolean {
  return typeof (index as ManagedIndex).core?.searchStats === 'function';
}

function searchStats(index: VectorIndex): { stats?: Record<string, number> } {
  const st = (index as ManagedIndex).core?.searchStats?.();
  if (!st) return {};
  const { p50Ms, p99Ms, readsPerQuery, bytesPerQuery, hopsPerQuery, cacheHitsPerQuery } = st;
  return { stats: { p50Ms, p99Ms, readsPerQuery, bytesPerQuery, hopsPerQuery, cacheHitsPerQuery } };
}

/** .ivecs holds int32 ids: refuse before searching when the index holds larger ones. */
function checkInt32Ids(index: VectorIndex): void {
  for (const id of index.ids()) {
    if (id > 0x7fffffff) throw new KnnkitError('--out', `--out: the index holds id ${id}, above 2^31 - 1, and .ivecs holds int32 ids; write .csv or .json`);
  }
}
