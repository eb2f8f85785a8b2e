// The module graph has no import cycles (a cycle makes load order, and so behaviour in bundles
// and workers, depend on which module is imported first) and no library module imports the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

test('no import cycles among src/**/*.ts (scripts/import-cycles.mjs)', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'import-cycles.mjs'), '--json'], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(r.stdout).cycles, []);
  assert.equal(r.status, 0);
});

test('no library module imports from src/cli', () => {
  const offenders: string[] = [];
  (function walk(d: string) {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) { if (n !== 'cli') walk(p); continue; }
      if (n.endsWith('.ts') && /from\s+['"][./]+\/cli\//.test(readFileSync(p, 'utf8'))) offenders.push(p);
    }
  })(join(root, 'src'));
  assert.deepEqual(offenders, []);
});
