// knnkit info: what a saved index file holds, read from its header without building the index
// (family, metric, dimension, size, options, codec, bytes, format versions) and whether every
// section's CRC-32 checks.
import { KnnkitError } from '../../core/errors.js';
import { readFileChecked } from '../../io/atomic.js';
import { describeBytes } from '../../index/persist.js';
import { parseArgs } from '../args.js';
import { output } from '../output.js';
import { formatBytes } from '../bench-report.js';
import { describeOptions } from '../family-flags.js';
import { checkInputFile } from '../paths.js';
import { describeMetric } from '../metric-option.js';
import type { MetricSpec } from '../../metrics/types.js';

export const summary = 'describe a saved index file: family, metric, size, options, checksums';

const USAGE = `usage: knnkit info <index> [--json]

Describes a file saved by knnkit build / search --save / saveIndex (or a legacy HNSW file):
family, metric, dimension, size, options, codec, bytes, format versions and checksum status.
Exit code 1 when a checksum fails (the file is corrupt).
  --json   print one JSON object: {file, family, metric, dim, size, options, codec, bytes,
           envelopeVersion, formatVersion, sections, checksum}
`;

export async function run(argv: string[]): Promise<number> {
  const { positionals, options: o } = parseArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean' } });
  if (o.help) { output.write(USAGE); return 0; }
  if (positionals.length !== 1) {
    throw new KnnkitError('<index>', `<index>: got ${positionals.length} file argument(s); expected exactly one index file. See knnkit info --help`);
  }
  const [path] = positionals;
  await checkInputFile(path);
  const info = describeBytes(await readFileChecked(path), path);
  const ok = info.checksum === 'ok';
  if (o.json) {
    output.write(JSON.stringify({ file: path, ...info }) + '\n');
    return ok ? 0 : 1;
  }
  const metric = describeMetric(info.metric as MetricSpec);
  const options = describeOptions((info.options ?? {}) as Record<string, unknown>);
  const lines = [
    `file: ${path}`,
    `family: ${info.family}`,
    `format: ${info.formatVersion === 'legacy' ? 'legacy (before the envelope)' : `envelope v${info.envelopeVersion}, family format ${info.formatVersion}`}`,
    `metric: ${metric}`,
    `dim: ${info.dim}`,
    `size: ${info.size}`,
    `codec: ${info.codec ?? 'f32'}`,
    `options: ${options || 'none'}`,
    `bytes: ${info.bytes} (${formatBytes(Number(info.bytes))})`,
    ...(Array.isArray(info.sections) ? [`sections: ${(info.sections as string[]).join(', ')}`] : []),
    `checksum: ${ok ? 'ok' : `FAILED: ${String(info.checksum)}`}`,
  ];
  output.write(lines.join('\n') + '\n');
  return ok ? 0 : 1;
}
