import { KnnkitError } from '../core/errors.js';
import { readFileChecked } from '../io/atomic.js';

/**
 * Ids from a text file: non-negative integers up to 2^53 - 1, separated by newlines, spaces,
 * tabs or commas; blank lines and lines starting with '#' are skipped. Errors name file:line.
 */
export async function readIdFile(path: string, flag: string): Promise<Float64Array> {
  const bytes = await readFileChecked(path).catch((e) => {
    throw new KnnkitError(flag, `${flag}: ${(e as Error).message.replace(/^path: /, '')}`);
  });
  const text = new TextDecoder().decode(bytes);
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    for (const tok of line.split(/[\s,]+/)) {
      if (tok === '') continue;
      const v = /^\d+$/.test(tok) ? Number(tok) : NaN;
      if (!Number.isSafeInteger(v)) {
        throw new KnnkitError(flag, `${flag}: ${path}:${i + 1}: got ${JSON.stringify(tok.length > 30 ? tok.slice(0, 27) + '...' : tok)}; expected an id, an integer in [0, 2^53 - 1]`);
      }
      out.push(v);
    }
  }
  return Float64Array.from(out);
}
