import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFactory } from '../../src/index/factory-string.js';
import { createIndex, emptyIndex } from '../../src/index/api.js';
import { KnnkitError } from '../../src/core/errors.js';
import { gaussianClusters } from '../helpers/data.js';

test('parseFactory: FAISS index_factory strings -> family and options', () => {
  assert.deepEqual(parseFactory('Flat'), { family: 'brute', options: {} });
  assert.deepEqual(parseFactory('PQ16'), { family: 'pq', options: { m: 16 } });
  assert.deepEqual(parseFactory('PQ16x8'), { family: 'pq', options: { m: 16 } });
  assert.deepEqual(parseFactory('IVF1024,Flat'), { family: 'ivf-flat', options: { nlist: 1024 } });
  assert.deepEqual(parseFactory('IVF256,PQ16'), { family: 'ivf-pq', options: { nlist: 256, m: 16 } });
  assert.deepEqual(parseFactory('IVF256,PQ16,RFlat'), { family: 'ivf-pq', options: { nlist: 256, m: 16, refine: true } });
  assert.deepEqual(parseFactory('PQ8,Refine(Flat)'), { family: 'pq', options: { m: 8, refine: true } });
  assert.deepEqual(parseFactory('HNSW32'), { family: 'hnsw', options: { M: 32 } });
  assert.deepEqual(parseFactory('IVF1024,PQ32x4fs,RFlat'), { family: 'ivf-pq', options: { nlist: 1024, m: 32, nbits: 4, refine: true } });
  assert.deepEqual(parseFactory('PQ16x4fs'), { family: 'pq', options: { m: 16, nbits: 4 } });
  assert.deepEqual(parseFactory('HNSW32,Flat'), { family: 'hnsw', options: { M: 32 } });
  assert.deepEqual(parseFactory('IDMap,IVF64,Flat'), { family: 'ivf-flat', options: { nlist: 64 } });
  assert.deepEqual(parseFactory('OPQ16,IVF256,PQ16'), { family: 'ivf-pq', options: { nlist: 256, m: 16, opqM: 16 } });
  assert.deepEqual(parseFactory('OPQ8,PQ8x4fs,RFlat'), { family: 'pq', options: { m: 8, nbits: 4, opqM: 8, refine: true } });
});

test('parseFactory: anything outside the grammar is a KnnkitError listing the grammar', () => {
  for (const s of ['SQ8', 'IVF1024,SQ8', 'OPQ16,IVF256,Flat', 'OPQ16', 'OPQ16_64,PQ16', 'OPQx,PQ16', 'IVF1024,PQ32x4', 'PQ16x6', 'IVF0,Flat', 'IVFx,Flat', 'Flat,RFlat', 'HNSW32,PQ8', 'IVF1024', '']) {
    assert.throws(() => parseFactory(s), (e: unknown) => e instanceof KnnkitError && e.message.includes('IVF<nlist>,PQ<m>') , s);
  }
  assert.throws(() => parseFactory('OPQ16,IVF256,Flat'), /OPQ rotates the input of a PQ code/);
  assert.throws(() => parseFactory('OPQ16_64,PQ16'), /dimension reduction/);
  assert.throws(() => parseFactory('IVF1024,PQ32x4'), /x4fs/);
});

test('createIndex / emptyIndex accept a factory string; explicit options win', () => {
  const X = gaussianClusters(1200, 16, 8, 3);
  const a = createIndex('IVF16,PQ4', X);
  assert.equal(a.kind, 'ivf-pq');
  assert.equal(a.options.nlist, 16);
  assert.equal(a.options.m, 4);
  const b = createIndex('IVF16,Flat', X, { nlist: 8 });
  assert.equal(b.kind, 'ivf-flat');
  assert.equal(b.options.nlist, 8);
  const c = emptyIndex('PQ8,RFlat', 16);
  assert.equal(c.kind, 'pq');
  assert.equal(c.options.refine, true);
  assert.equal(createIndex('HNSW8', X).options.M, 8);
  assert.equal(createIndex('Flat', X).kind, 'brute');
  assert.throws(() => createIndex('IVF16,SQ8', X), (e: unknown) => e instanceof KnnkitError && /SQ8/.test(e.message));
  assert.throws(() => createIndex('nosuch', X), (e: unknown) => e instanceof KnnkitError && /expected one of/.test(e.message));
});
