import { KnnkitError } from '../core/errors.js';
import '../index/families.js';
import { listFamilies } from '../index/registry.js';

// The README's table of index families, generated from the registry: `knnkit indexes --markdown`
// prints it, `npm run families:table` (scripts/families-table.mjs) rewrites it in README.md
// between the markers, and test/cli/families-table.test.ts fails when the two differ.

export const FAMILIES_START = '<!-- families:start -->';
export const FAMILIES_END = '<!-- families:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** `| name | exact | metrics | codecs | summary |`, one row per registered family. */
export function familiesMarkdown(): string {
  const rows = ['| name | exact | metrics | codecs | summary |', '|---|---|---|---|---|'];
  for (const f of listFamilies()) {
    rows.push(`| ${cell(f.name)} | ${f.exact ? 'yes' : 'no'} | ${cell(f.metrics.join(', '))} | ${cell(f.codecs.join(', '))} | ${cell(f.summary)} |`);
  }
  return rows.join('\n');
}

/** The text with the table between the markers replaced by the registry's (markers required). */
export function withFamiliesTable(text: string, source = 'README.md'): string {
  const a = text.indexOf(FAMILIES_START), b = text.indexOf(FAMILIES_END);
  if (a < 0 || b < a) throw new KnnkitError(source, `${source}: the markers ${FAMILIES_START} ... ${FAMILIES_END} are missing`);
  return `${text.slice(0, a + FAMILIES_START.length)}\n${familiesMarkdown()}\n${text.slice(b)}`;
}

/** The table currently between the markers (trimmed). */
export function currentFamiliesTable(text: string, source = 'README.md'): string {
  const a = text.indexOf(FAMILIES_START), b = text.indexOf(FAMILIES_END);
  if (a < 0 || b < a) throw new KnnkitError(source, `${source}: the markers ${FAMILIES_START} ... ${FAMILIES_END} are missing`);
  return text.slice(a + FAMILIES_START.length, b).trim();
}
