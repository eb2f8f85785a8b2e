// loadIndex / indexFromBytes work for a program that imports only the persistence module (the
// registry is filled by the module itself, not by whoever happened to import createIndex first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIndex } from '../../src/index/api.js';
import { gaussianClusters } from '../helpers/data.js';

test('a process that imports only src/index/persist reads an index of any family', () => {
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-persist-'));
  try {
    const X = gaussianClusters(200, 8, 3, 1);
    for (const family of ['brute', 'hnsw']) writeFileSync(join(dir, `${family}.knnkit`), createIndex(family, X).toBytes());
    const script = join(dir, 'load.mts');
    writeFileSync(script, `import { loadIndex } from ${JSON.stringify(new URL('../../src/index/persist.ts', import.meta.url).href)};
for (const f of ['brute', 'hnsw']) { const idx = await loadIndex(${JSON.stringify(dir)} + '/' + f + '.knnkit'); console.log(idx.kind, idx.size); }`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
    assert.equal(r.stdout.trim(), 'brute 200\nhnsw 200', r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
