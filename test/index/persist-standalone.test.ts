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

test('loadIndex reads sections from disk into the index (no whole-file buffer): same answers; corrupt and truncated files refused', async () => {
  const { saveIndex, loadIndex } = await import('../../src/index/persist.js');
  const { KnnkitError } = await import('../../src/core/errors.js');
  const { readFileSync, writeFileSync: write } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-persist-'));
  try {
    const X = gaussianClusters(500, 16, 4, 2), Q = gaussianClusters(10, 16, 4, 3);
    for (const family of ['brute', 'hnsw', 'ivf-flat']) {
      const idx = createIndex(family, X);
      const path = join(dir, `${family}.knnkit`);
      await saveIndex(idx, path);
      const back = await loadIndex(path);
      assert.deepEqual(Array.from(back.search(Q, 5).ids), Array.from(idx.search(Q, 5).ids), family);
      const bytes = readFileSync(path);
      const bad = Buffer.from(bytes); bad[Math.floor(bad.length / 2)] ^= 0x5a;
      write(join(dir, 'bad.knnkit'), bad);
      await assert.rejects(loadIndex(join(dir, 'bad.knnkit')), (e: unknown) => e instanceof KnnkitError && /bad\.knnkit/.test(e.message), `${family}: corrupt`);
      write(join(dir, 'short.knnkit'), bytes.subarray(0, bytes.length - 100));
      await assert.rejects(loadIndex(join(dir, 'short.knnkit')), (e: unknown) => e instanceof KnnkitError, `${family}: truncated`);
    }
    await assert.rejects(loadIndex(join(dir, 'none.knnkit')), (e: unknown) => e instanceof KnnkitError && /none\.knnkit.*no such file/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
