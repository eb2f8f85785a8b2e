// knnkit build: an index of any registered family over a data file, saved (atomically, streamed)
// for knnkit query / info / search.
import { KnnkitError } from '../../core/errors.js';
import type { DenseMatrix } from '../../core/matrix.js';
import { resolveMetric } from '../../metrics/registry.js';
import { createIndex, createIndexAsync } from '../../index/api.js';
import { chooseFamily } from '../../index/auto.js';
import { getFamily } from '../../index/registry.js';
import { saveIndex, loadIndex } from '../../index/persist.js';
import type { FamilyDescriptor } from '../../index/registry.js';
import type { MetricSpec } from '../../metrics/types.js';
import { metricToSpec } from '../../metrics/registry.js';
import { availableParallelism } from 'node:os';
import { parseArgs, intOption, type OptionSpec } from '../args.js';
import { output } from '../output.js';
import { formatBytes } from '../bench-report.js';
import { familyArgSpec, familyHelp, familyOption, buildOptionsFromFlags, codecOption, describeOptions, familyFlagOwners, refuseSearchFlags, commandThreads } from '../family-flags.js';
import { metricOption, withMetricOption, describeMetric, checkMetricEarly } from '../metric-option.js';
import { readVectors, labelOption, checkBitsCodec } from '../vectors.js';
import { Progress } from '../progress.js';
import { checkInputFile, checkOutputFile, writing } from '../paths.js';
import { readIdFile } from '../id-file.js';

export const summary = 'build an index of any family over a data file and save it';

/** Inputs a family with `buildFile` (diskann) builds from without reading them into memory. */
const STREAMED_INPUT = /\.(fvecs|bvecs)$/i;

/** The command's own flags (family flags must not reuse these names). */
export const COMMON: Record<string, OptionSpec> = {
  index: { type: 'string' }, metric: { type: 'string' }, p: { type: 'string' }, codec: { type: 'string' }, storage: { type: 'string' },
  ids: { type: 'string' }, out: { type: 'string' }, label: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  quiet: { type: 'boolean' }, threads: { type: 'string' },
};

function usage(): string {
  return `usage: knnkit build <data> --index NAME --out FILE [options] [index options]

  <data>              .fvecs, .npy, .csv (the label column, "label" or else the last, is dropped), .svm
  --index NAME        a family below (or auto: scikit-learn's exact rule); knnkit indexes lists them
  --out FILE          where to save the index (written atomically; knnkit query / info / search read it)
  --metric NAME       euclidean, sqeuclidean, manhattan, cosine, ip, ... (default euclidean)
  --p P               Minkowski exponent (with --metric minkowski)
  --codec NAME        vector storage, one of the family's codecs (--storage is the same flag)
  --ids FILE          external ids of the rows, one per row: integers in [0, 2^53 - 1] separated by
                      newlines, spaces or commas (default 0..n-1)
  --label COL|none    CSV label column to drop (default auto)
  --json              print one JSON object: {index, size, dim, metric, options, buildSeconds,
                      memoryBytes, fileBytes, out}
  --quiet             no progress on stderr (a bar on a terminal, a line every 5 s otherwise)
  --threads N         threads of the build, for families that build in parallel (HNSW, rp-forest, diskann; default: all cores)

  diskann over an .fvecs / .bvecs file builds from the file, streamed (DiskANN's overlapping
  partitions, --partition-rows points each, merged), so inputs larger than memory build; the
  vectors then live only in the index file's 4 KB sectors. Metric euclidean, rows numbered 0..n-1.

${familyHelp(['build'])}
`;
}

export async function run(argv: string[]): Promise<number> {
  // search flags are parsed too, to answer them with "a search parameter" rather than "unknown"
  const SPEC = { ...COMMON, ...familyArgSpec(['build', 'search'], COMMON) };
  const { positionals, options: o } = parseArgs(argv, SPEC);
  if (o.help) { output.write(usage()); return 0; }
  refuseSearchFlags(o, familyFlagOwners(['build']));
  if (positionals.length !== 1) {
    throw new KnnkitError('<data>', `<data>: got ${positionals.length} file argument(s); expected exactly one data file. See knnkit build --help`);
  }
  const [dataPath] = positionals;

  // ---- options and paths, before the data is read
  if (o.out === undefined) throw new KnnkitError('--out', '--out: missing; expected the file to save the index to');
  const outPath = String(o.out);
  const chosen = familyOption(o, true, true);
  const metricSpec = metricOption(o);
  const label = labelOption(o);
  const idsPath = o.ids === undefined ? undefined : String(o.ids);
  const json = o.json === true;
  const threads = intOption(o, 'threads', availableParallelism(), 1, 1024);
  let named = null;
  if (chosen !== 'auto') {
    named = { family: chosen, options: buildOptionsFromFlags(chosen, o).options, codec: codecOption(chosen, o) };
    checkMetricEarly(chosen, metricSpec);
  }
  await checkInputFile(dataPath);
  if (idsPath !== undefined) await checkInputFile(idsPath, '--ids');
  await checkOutputFile(outPath, '--out');

  // ---- a family that builds straight from a vector file (diskann) streams an .fvecs / .bvecs
  // input: it is never read whole, so data larger than memory builds
  if (named?.family.buildFile && STREAMED_INPUT.test(dataPath)) {
    const why = streamRefusal(metricSpec, idsPath, named.codec);
    if (why === null) return buildStreamed(named.family, named.options, dataPath, outPath, threads, json, o.quiet === true);
    if (!json) output.write(`note: ${why}; built in memory\n`);
  }

  // ---- data
  const progress = new Progress('knnkit build', 0, { quiet: o.quiet === true });
  const data = await readVectors(dataPath, label, progress.report);
  progress.done();
  const ids = idsPath === undefined ? undefined : await readIdFile(idsPath, '--ids');
  if (ids && ids.length !== data.rows) {
    throw new KnnkitError('--ids', `--ids: ${idsPath} holds ${ids.length} ids for the ${data.rows} rows of ${dataPath}; expected one id per row`);
  }
  const metric = withMetricOption(() => resolveMetric(metricSpec, data.kind === 'dense' ? (data as DenseMatrix) : undefined));
  const notes: string[] = [];
  let spec = named;
  if (!spec) {
    const family = getFamily(chooseFamily({ n: data.rows, d: data.cols, metric, sparse: data.kind === 'csr' }));
    const b = buildOptionsFromFlags(family, o, true);
    if (b.ignored.length) notes.push(`${b.ignored.join(', ')} ignored: auto chose ${family.name}, which has no such option`);
    spec = { family, options: b.options, codec: codecOption(family, o) };
  }
  const { family, options, codec } = spec;
  if (codec === 'bits') checkBitsCodec(o.codec !== undefined ? '--codec' : '--storage', [[dataPath, data]]);

  // ---- build and save
  const t0 = performance.now();
  const buildOpts = { ...commandThreads(family, options, threads), metric, ...(codec !== undefined ? { codec } : {}), ...(ids ? { ids } : {}), onProgress: progress.report };
  // families with a parallel bulk build (rp-forest) take --threads through createIndexAsync
  const index = family.buildAsync
    ? await createIndexAsync(family.name, data, { ...buildOpts, threads }).catch((e: unknown) => withMetricOption(() => { throw e; }))
    : withMetricOption(() => createIndex(family.name, data, buildOpts));
  progress.done();
  const buildSeconds = (performance.now() - t0) / 1000;
  const memoryBytes = index.memoryUsage();
  await writing(outPath, '--out', () => saveIndex(index, outPath));
  const { stat } = await import('node:fs/promises');
  const fileBytes = (await stat(outPath)).size;
  if (json) {
    output.write(JSON.stringify({
      index: family.name, size: index.size, dim: index.dim, metric: metricToSpec(index.metric), options: index.options,
      buildSeconds, memoryBytes, fileBytes, out: outPath,
    }) + '\n');
    return 0;
  }
  const desc = describeOptions(index.options);
  output.write([
    `knnkit build: ${family.name}${chosen === 'auto' ? ' (auto)' : ''} over ${dataPath}`,
    ...notes.map((n) => `note: ${n}`),
    `size ${index.size}, dim ${index.dim}, metric ${describeMetric(index.metric)}${desc ? `, ${desc}` : ''}`,
    `built in ${buildSeconds.toFixed(3)} s, memory ${formatBytes(memoryBytes)}`,
    `saved ${outPath} (${formatBytes(fileBytes)}, ${fileBytes} bytes)`,
  ].join('\n') + '\n');
  return 0;
}

/** Why a streamed build cannot take this request (the in-memory build then does), or null. */
function streamRefusal(metric: MetricSpec, idsPath: string | undefined, codec: string | undefined): string | null {
  const name = typeof metric === 'string' ? metric : metric.name;
  if (name !== 'euclidean' && name !== 'l2') return `--metric ${name}: the build from a file is euclidean only`;
  if (idsPath !== undefined) return '--ids: the build from a file numbers the rows 0..n-1';
  if (codec !== undefined && codec !== 'f32') return `--codec ${codec}: the build from a file stores f32`;
  return null;
}

/** The build from the file itself (FamilyDescriptor.buildFile), then the same report as a build in memory. */
async function buildStreamed(family: FamilyDescriptor, options: Record<string, unknown>, dataPath: string, outPath: string, threads: number, json: boolean, quiet: boolean): Promise<number> {
  const progress = new Progress('knnkit build', 0, { quiet });
  const t0 = performance.now();
  const report = await writing(outPath, '--out', () => family.buildFile!(dataPath, outPath, { metric: resolveMetric('euclidean'), options }, threads, progress.report));
  progress.done();
  const buildSeconds = (performance.now() - t0) / 1000;
  const { stat } = await import('node:fs/promises');
  const fileBytes = (await stat(outPath)).size;
  // what serving it holds: the loaded index (codes and cache; the vectors stay in the file)
  const index = await loadIndex(outPath);
  const memoryBytes = index.memoryUsage();
  if (json) {
    output.write(JSON.stringify({
      index: family.name, size: index.size, dim: index.dim, metric: metricToSpec(index.metric), options: index.options,
      buildSeconds, memoryBytes, fileBytes, out: outPath, streamed: true, report,
    }) + '\n');
    return 0;
  }
  const desc = describeOptions(index.options);
  const parts = typeof report.partitions === 'number' ? `, ${report.partitions} partition(s)` : '';
  output.write([
    `knnkit build: ${family.name} over ${dataPath} (streamed from the file${parts})`,
    `size ${index.size}, dim ${index.dim}, metric ${describeMetric(index.metric)}${desc ? `, ${desc}` : ''}`,
    `built in ${buildSeconds.toFixed(3)} s, memory when served ${formatBytes(memoryBytes)}`,
    `saved ${outPath} (${formatBytes(fileBytes)}, ${fileBytes} bytes)`,
  ].join('\n') + '\n');
  return 0;
}
