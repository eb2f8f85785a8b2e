// Rewrites README.md's table of index families (between <!-- families:start --> and
// <!-- families:end -->) from the registry, so a new family shows up with one command:
//   npm run families:table            (node --import tsx scripts/families-table.mjs)
//   npm run families:table -- --check  exits 1 when README.md is out of date
// test/cli/families-table.test.ts fails while the README and the registry differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = join(root, 'README.md');
const { withFamiliesTable } = await import('../src/cli/families-table.ts');
const text = readFileSync(readme, 'utf8');
const next = withFamiliesTable(text, 'README.md');
if (process.argv.includes('--check')) {
  if (next !== text) {
    console.error('README.md: the table of index families is out of date; run npm run families:table');
    process.exit(1);
  }
  console.log('README.md: the table of index families matches the registry');
} else if (next !== text) {
  writeFileSync(readme, next);
  console.log('README.md: table of index families rewritten from the registry');
} else {
  console.log('README.md: the table of index families is already up to date');
}
