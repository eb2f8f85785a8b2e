// knnkit build --threads builds an rp-forest on the worker pool (createIndexAsync): the saved file
// is the one the 1-thread build saves, byte for byte; a bad metric still names --metric.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, cliTempDir } from '../helpers/cli.js';
import { writeFvecs } from '../../src/io/vecs.js';
import { closeSharedPool } from '../../src/parallel/index.js';
import { gaussianClusters } from '../helpers/data.js';

const tmp = cliTempDir('knnkit-rp-forest-threads-');
after(async () => { tmp.remove(); await closeSharedPool(); });
const f = (name: string) => join(tmp.dir, name);

test('knnkit build --index rp-forest --threads 2 saves the file --threads 1 saves; --metric errors stay --metric', async () => {
  const all = gaussianClusters(1200, 10, 8, 4);
  await writeFvecs(f('base.fvecs'), { kind: 'dense', data: all.data, rows: 1200, cols: 10 });
  for (const threads of ['1', '2']) {
    const b = await cli(['build', f('base.fvecs'), '--index', 'rp-forest', '--trees', '6', '--out', f(`t${threads}.knn`), '--threads', threads, '--json', '--quiet']);
    assert.equal(b.code, 0, b.err);
    const j = JSON.parse(b.out);
    assert.equal(j.size, 1200);
    assert.equal(j.options.nTrees, 6);
    assert.equal(j.options.threads, undefined, 'threads is not a saved rp-forest option');
  }
  assert.ok(Buffer.compare(readFileSync(f('t1.knn')), readFileSync(f('t2.knn'))) === 0, 'same file');
  const bad = await cli(['build', f('base.fvecs'), '--index', 'rp-forest', '--metric', 'chebyshev', '--out', f('bad.knn'), '--threads', '2']);
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /--metric/);
});
