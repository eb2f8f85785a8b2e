// The rp-forest's parallel build (createIndexAsync, descriptor.buildAsync): trees drawn from
// (seed, tree index) alone, built in ranges on the shared worker pool and concatenated, must be
// the serial build's forest byte for byte, for every split kind and codec "bits".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { KnnkitError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { createIndex, createIndexAsync } from '../../src/index/api.js';
import { buildTrees, concatForests, splitPoints } from '../../src/index/rp-forest/build.js';
import { closeSharedPool } from '../../src/parallel/pool.js';
import { gaussianClusters } from '../helpers/data.js';

after(() => closeSharedPool());

const all = gaussianClusters(1550, 24, 12, 3);
const base: DenseMatrix = { kind: 'dense', data: all.data.slice(0, 1500 * 24), rows: 1500, cols: 24 };
const queries: DenseMatrix = { kind: 'dense', data: all.data.slice(1500 * 24), rows: 50, cols: 24 };

function bitRows(n: number, d: number, seed: number): DenseMatrix {
  const rng = new Rng(seed), data = new Float32Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = rng.random() < 0.3 ? 1 : 0;
  return { kind: 'dense', data, rows: n, cols: d };
}

const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

const CASES: Array<{ name: string; base: DenseMatrix; queries: DenseMatrix; opts: Record<string, unknown> }> = [
  { name: 'f32 euclidean', base, queries, opts: { metric: 'euclidean' } },
  { name: 'f32 cosine', base, queries, opts: { metric: 'cosine' } },
  { name: 'f32 ip (augmented points)', base, queries, opts: { metric: 'ip' } },
  { name: 'bits hamming', base: bitRows(1200, 70, 9), queries: bitRows(40, 70, 10), opts: { metric: 'hamming', codec: 'bits' } },
];

for (const c of CASES) {
  test(`rp-forest ${c.name}: createIndexAsync threads 2 = createIndex (toBytes and search), seed matters`, async () => {
    const opts = { ...c.opts, nTrees: 9, seed: 7 };
    const sync = createIndex('rp-forest', c.base, opts);
    const par = await createIndexAsync('rp-forest', c.base, { ...opts, threads: 2 });
    assert.ok(bytesEqual(sync.toBytes(), par.toBytes()), 'same bytes');
    assert.deepEqual(par.options, sync.options, 'threads is not stored as a family option');
    for (const searchK of [undefined, 60]) {
      const p = searchK === undefined ? {} : { searchK };
      const a = sync.search(c.queries, 10, p), b = par.search(c.queries, 10, p);
      assert.deepEqual(Array.from(b.indices), Array.from(a.indices), `ids, searchK ${searchK}`);
      assert.deepEqual(Array.from(b.distances), Array.from(a.distances), `distances, searchK ${searchK}`);
      assert.ok(a.indices.every((i) => i >= 0), 'every query found 10 neighbours');
    }
    // the equality is not vacuous: another seed draws other trees
    const other = await createIndexAsync('rp-forest', c.base, { ...opts, seed: 8, threads: 2 });
    assert.ok(!bytesEqual(other.toBytes(), sync.toBytes()), 'seed 8 differs from seed 7');
  });
}

test('rp-forest: threads 1 and threads 3 build the same forest as the serial build (odd splits of 9 trees)', async () => {
  const opts = { metric: 'euclidean', nTrees: 9, seed: 3 };
  const want = createIndex('rp-forest', base, opts).toBytes();
  for (const threads of [1, 3]) assert.ok(bytesEqual((await createIndexAsync('rp-forest', base, { ...opts, threads })).toBytes(), want), `threads ${threads}`);
});

test('rp-forest: tree ranges concatenated (rebased nodes, splits, items, roots) equal the one-range build', () => {
  for (const kind of ['euclidean', 'dot'] as const) {
    const { P, D } = splitPoints(base, kind);
    const whole = buildTrees(P, base.rows, D, kind, 0, 5, 26, 11);
    const parts = [buildTrees(P, base.rows, D, kind, 0, 2, 26, 11), buildTrees(P, base.rows, D, kind, 2, 3, 26, 11), buildTrees(P, base.rows, D, kind, 3, 5, 26, 11)];
    const joined = concatForests(parts, D + 1);
    assert.ok(parts[1].roots[0] === 0 && whole.roots[2] > 0, 'ranges are local before rebasing');
    for (const key of ['nodes', 'splits', 'items', 'roots'] as const) assert.deepEqual(Array.from(joined[key]), Array.from(whole[key]), `${kind}: ${key}`);
  }
});

test('createIndexAsync: bad threads are refused naming threads; other families build as createIndex', async () => {
  for (const threads of [0, 1.5, -2, 2000, '2' as unknown as number]) {
    await assert.rejects(createIndexAsync('rp-forest', base, { threads }), (e: unknown) => e instanceof KnnkitError && e.param === 'threads' && /threads/.test(e.message) && /integer in \[1, 1024\]/.test(e.message), `threads ${String(threads)}`);
  }
  await assert.rejects(createIndexAsync('rp-forest', base, { nTrees: 0, threads: 2 }), (e: unknown) => e instanceof KnnkitError && e.param === 'nTrees');
  const kd = await createIndexAsync('kd-tree', base, { threads: 2 });
  const want = createIndex('kd-tree', base).search(queries, 5);
  assert.deepEqual(Array.from(kd.search(queries, 5).indices), Array.from(want.indices));
  assert.throws(() => createIndex('kd-tree', base, { threads: 2 }), (e: unknown) => e instanceof KnnkitError && /threads/.test(e.message), 'createIndex keeps refusing an unknown option');
});
