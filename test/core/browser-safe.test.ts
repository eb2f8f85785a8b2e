import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The synchronous core must load in a browser: nothing statically reachable from these entries
 * may import a node: builtin (worker threads, fs and os are loaded lazily, on first use of
 * searchAsync / save / load).
 */
for (const entry of ['src/index.ts', 'src/search/index.ts', 'src/learn/index.ts', 'src/metrics/index.ts', 'src/preprocessing/index.ts', 'src/model-selection/index.ts', 'src/evaluation/index.ts']) {
  test(`${entry} statically imports no node: builtin`, () => {
    const seen = new Set<string>();
    const stack = [resolve(root, entry)];
    const offenders: string[] = [];
    while (stack.length) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('node:')) offenders.push(`${relative(root, file)} -> ${spec}`);
        else if (spec.startsWith('.')) {
          const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
          if (existsSync(ts)) stack.push(ts);
        }
      }
    }
    assert.ok(seen.size > 1, 'the walk found the entry\'s modules');
    assert.deepEqual(offenders, []);
  });
}
