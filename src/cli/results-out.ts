import { KnnkitError } from '../core/errors.js';
import { atomicWriteFile, writeIvecs } from '../io/index.js';
import type { SearchResult } from '../search/results.js';
import { checkExtension, writing } from './paths.js';

/** The formats `query --out` writes, by extension. */
export const RESULT_EXTENSIONS = ['.ivecs', '.csv', '.json'] as const;

export function resultFormat(path: string): typeof RESULT_EXTENSIONS[number] {
  return checkExtension(path, '--out', RESULT_EXTENSIONS) as typeof RESULT_EXTENSIONS[number];
}

/**
 * Writes search results atomically: .ivecs (k int32 ids per query, -1 padding; ids must fit in
 * int32), .csv (query,rank,id,distance; padding rows left out) or .json ({k, ids, distances},
 * one array per query; padding as id -1 and distance null).
 */
export async function writeResults(path: string, res: SearchResult): Promise<void> {
  const fmt = resultFormat(path);
  const { nQueries: n, k, distances } = res;
  if (fmt === '.ivecs') {
    if (res.wideIds) throw new KnnkitError('--out', `--out: ${JSON.stringify(path)}: an id exceeds 2^31 - 1 and .ivecs holds int32; write .csv or .json`);
    await writing(path, '--out', () => writeIvecs(path, { data: res.indices, rows: n, cols: k }));
    return;
  }
  const ids = res.ids;
  if (fmt === '.csv') {
    const lines = ['query,rank,id,distance'];
    for (let q = 0; q < n; q++) {
      for (let j = 0; j < k; j++) {
        const id = ids[q * k + j];
        if (id < 0) break;
        lines.push(`${q},${j},${id},${distances[q * k + j]}`);
      }
    }
    await write(path, lines.join('\n') + '\n');
    return;
  }
  const rowsIds: number[][] = [], rowsDist: (number | null)[][] = [];
  for (let q = 0; q < n; q++) {
    rowsIds.push(Array.from(ids.subarray(q * k, (q + 1) * k)));
    rowsDist.push(Array.from(distances.subarray(q * k, (q + 1) * k), (d) => (Number.isFinite(d) ? d : null)));
  }
  await write(path, JSON.stringify({ k, ids: rowsIds, distances: rowsDist }) + '\n');
}

function write(path: string, text: string): Promise<void> {
  return writing(path, '--out', () => atomicWriteFile(path, text));
}
