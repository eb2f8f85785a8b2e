// --threads of knnkit build / search sets the HNSW build's threads (the family's `threads`
// option) as well as the search's; other families take the flag without complaint.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, cliTempDir } from '../helpers/cli.js';
import { writeFvecs } from '../../src/io/vecs.js';
import { closeSharedPool } from '../../src/parallel/index.js';
import { gaussianClusters } from '../helpers/data.js';

const tmp = cliTempDir('knnkit-hnsw-threads-');
after(async () => { tmp.remove(); await closeSharedPool(); });
const f = (name: string) => join(tmp.dir, name);

test('knnkit build --threads 2: the HNSW index is built on 2 threads (saved option), recall stays high', async () => {
  const all = gaussianClusters(3200, 12, 20, 5);
  await writeFvecs(f('base.fvecs'), { kind: 'dense', data: all.data.subarray(0, 3000 * 12), rows: 3000, cols: 12 });
  await writeFvecs(f('q.fvecs'), { kind: 'dense', data: all.data.slice(3000 * 12), rows: 200, cols: 12 });
  const b = await cli(['build', f('base.fvecs'), '--index', 'hnsw', '--out', f('h.knn'), '--threads', '2', '--json', '--quiet']);
  assert.equal(b.code, 0, b.err);
  const j = JSON.parse(b.out);
  assert.equal(j.size, 3000);
  assert.equal(j.options.threads, 2);
  // search builds on --threads too (3,000 points: the parallel path), recall against its exact answers
  const s = await cli(['search', f('base.fvecs'), f('q.fvecs'), '--index', 'hnsw', '--ef', '64', '--threads', '2', '--json', '--quiet']);
  assert.equal(s.code, 0, s.err);
  const runs = JSON.parse(s.out).runs as { ef: number; recall: number }[];
  assert.equal(runs.length, 1);
  assert.ok(runs[0].recall >= 0.95, JSON.stringify(runs));
});

test('knnkit build --threads: validated; a family without a threads option ignores it', async () => {
  const bad = await cli(['build', f('base.fvecs'), '--index', 'hnsw', '--out', f('x.knn'), '--threads', '0']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--threads/);
  const kd = await cli(['build', f('base.fvecs'), '--index', 'kd-tree', '--out', f('kd.knn'), '--threads', '2', '--json', '--quiet']);
  assert.equal(kd.code, 0, kd.err);
  assert.equal(JSON.parse(kd.out).options.threads, undefined);
});
