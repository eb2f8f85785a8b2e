import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listFamilies } from '../../src/index/registry.js';
import { familiesMarkdown, currentFamiliesTable, withFamiliesTable, FAMILIES_START, FAMILIES_END } from '../../src/cli/families-table.js';
import { cli } from '../helpers/cli.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

test('README.md: the table of index families matches the registry (regenerate: npm run families:table)', () => {
  const table = currentFamiliesTable(readFileSync(README, 'utf8'));
  assert.equal(table, familiesMarkdown(), 'README.md is out of date: run `npm run families:table` and commit README.md');
  // one row per registered family, in registration order, with its own facts
  const rows = table.split('\n').slice(2).map((r) => r.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim()));
  assert.deepEqual(rows.map((r) => r[0]), listFamilies().map((f) => f.name));
  for (const [i, f] of listFamilies().entries()) {
    assert.equal(rows[i][1], f.exact ? 'yes' : 'no', f.name);
    assert.equal(rows[i][3], f.codecs.join(', '), f.name);
  }
});

test('knnkit indexes --markdown prints the same table; the rewrite replaces only what lies between the markers', async () => {
  const r = await cli(['indexes', '--markdown']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), familiesMarkdown());
  const doc = `# title\n\nbefore\n${FAMILIES_START}\n| stale | row |\n${FAMILIES_END}\nafter\n`;
  const next = withFamiliesTable(doc);
  assert.equal(next, `# title\n\nbefore\n${FAMILIES_START}\n${familiesMarkdown()}\n${FAMILIES_END}\nafter\n`);
  assert.equal(withFamiliesTable(next), next, 'idempotent');
  assert.throws(() => withFamiliesTable('no markers here', 'X.md'), /X\.md: the markers <!-- families:start --> \.\.\. <!-- families:end --> are missing/);
});
