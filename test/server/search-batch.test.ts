import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection } from '../../src/server/collection.js';
import { SearchBatcher } from '../../src/server/search-batcher.js';
import { keyToId } from '../../src/server/point-id.js';
import type { KnnkitServer } from '../../src/server/app.js';
import { startServer, tempDir, vectors } from './helpers.js';

// Micro-batching of plain searches (src/server/search-batcher.ts): searches queued in one
// event-loop turn share one index search per (collection, k, ef), and each answer is the one
// the search gets alone.

const D = 16, N = 600;
const V = vectors(N, D, 11);
const Q = vectors(40, D, 12);
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const idOf = (i: number) => (i % 7 === 0 ? uuid(i) : i);

let server: KnnkitServer, url: string, tmp: ReturnType<typeof tempDir>, coll: Collection;

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() as Record<string, unknown> };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  assert.ok(m, `${name} missing from /metrics`);
  return Number(m[1]);
}

before(async () => {
  tmp = tempDir('knnkit-batch-');
  ({ server, url } = await startServer({ dataDir: tmp.dir }));
  let r = await fetch(`${url}/collections/b`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vectors: { size: D, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 64 } }) });
  assert.equal(r.status, 200);
  r = await fetch(`${url}/collections/b/points?wait=true`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ points: V.map((v, i) => ({ id: idOf(i), vector: v, payload: { i, odd: i % 2 === 1 } })) }) });
  assert.equal(r.status, 200);
  coll = server.manager.get('b');
});

after(async () => { await server.close(); tmp.remove(); });

test('searches queued in one turn: one index search per (k, ef) group, answers equal to searches run alone', async () => {
  const b = new SearchBatcher();
  const opts = (i: number) => ({ limit: i % 2 ? 5 : 8, offset: 0, filter: null, ef: 32 });
  // all queued synchronously: one flush, two groups (k = 5 and k = 8)
  const pending = Q.map((q, i) => b.search(coll, Float32Array.from(q), opts(i).limit, 32));
  const got = await Promise.all(pending);
  assert.equal(b.batches, 2);
  assert.equal(b.queries, Q.length);
  assert.equal(b.largest, Q.length / 2);
  Q.forEach((q, i) => {
    const alone = coll.search(Float32Array.from(q), opts(i));
    assert.equal(got[i].length, opts(i).limit);
    assert.deepEqual(got[i], alone, `query ${i}`);
  });
});

test('offset and score_threshold on batched hits equal the unbatched search', async () => {
  const b = new SearchBatcher();
  const q = Float32Array.from(Q[3]);
  const top = coll.search(q, { limit: 10, offset: 0, filter: null, ef: 64 });
  const thr = top[5].score;
  const o = { limit: 6, offset: 2, filter: null, ef: 64, scoreThreshold: thr };
  const hits = coll.page((await b.search(coll, q, 8, 64)), o);
  assert.deepEqual(hits, coll.search(q, o));
  assert.deepEqual(hits.map((h) => h.id), top.slice(2, 6).map((h) => h.id));
});

test('a failing group rejects each of its searches, other groups are answered', async () => {
  const b = new SearchBatcher();
  const broken = { config: { name: 'broken', size: D }, searchRows: () => { throw new Error('index gone'); } } as unknown as Collection;
  const p1 = b.search(broken, new Float32Array(D), 3, undefined);
  const p2 = b.search(broken, new Float32Array(D), 3, undefined);
  const p3 = b.search(coll, Float32Array.from(Q[0]), 3, undefined);
  await assert.rejects(p1, /index gone/);
  await assert.rejects(p2, /index gone/);
  assert.equal((await p3).length, 3);
});

test('HTTP: concurrent plain searches are batched, filtered ones are not; the JSON equals the single-search answer', async () => {
  const batched0 = await metric('knnkit_search_batched_queries_total');
  const body = (i: number) => ({ vector: Q[i], limit: 4, params: { hnsw_ef: 40 }, with_payload: i % 2 === 0, with_vector: i % 5 === 0 });
  const together = await Promise.all(Q.map((_, i) => post('/collections/b/points/search', body(i))));
  const filtered = await Promise.all(Q.slice(0, 6).map((q) => post('/collections/b/points/search', { vector: q, limit: 4, filter: { must: [{ key: 'odd', match: { value: true } }] } })));
  assert.equal(await metric('knnkit_search_batched_queries_total') - batched0, Q.length);
  for (const [i, r] of together.entries()) {
    assert.equal(r.status, 200);
    // the same search alone: identical ids, scores, payloads and vectors
    const alone = await post('/collections/b/points/search', body(i));
    assert.deepEqual(r.json.result, alone.json.result, `query ${i}`);
    const res = r.json.result as { id: number | string; score: number; payload: { i: number } | null; vector: number[] | null; version: number }[];
    assert.equal(res.length, 4);
    const want = coll.search(Float32Array.from(Q[i]), { limit: 4, offset: 0, filter: null, ef: 40 });
    assert.deepEqual(res.map((h) => h.id), want.map((h) => keyToId(coll.keyOf(h.id))));
    assert.deepEqual(res.map((h) => h.score), want.map((h) => h.score));
    for (const h of res) {
      assert.equal(h.version, 0);
      if (i % 2 === 0) assert.equal(idOf(h.payload!.i), h.id); else assert.equal(h.payload, null);
      if (i % 5 === 0) assert.equal(h.vector!.length, D); else assert.equal(h.vector, null);
    }
  }
  for (const r of filtered) {
    assert.equal(r.status, 200);
    for (const h of r.json.result as { payload: null; id: number | string }[]) {
      const key = typeof h.id === 'string' ? Number(h.id.slice(-12)) : h.id;
      assert.equal(key % 2, 1);
    }
  }
  // UUID ids come back as strings, integers as numbers
  const ids = together.flatMap((r) => (r.json.result as { id: number | string }[]).map((h) => h.id));
  assert.ok(ids.some((id) => typeof id === 'string') && ids.some((id) => typeof id === 'number'));
});

test('HTTP: search/batch runs its plain searches as one batch and keeps their order', async () => {
  const b0 = await metric('knnkit_search_batches_total');
  const searches = Q.slice(0, 10).map((q, i) => ({ vector: q, limit: 3 + (i % 2), params: { hnsw_ef: 50 } }));
  const r = await post('/collections/b/points/search/batch', { searches });
  assert.equal(r.status, 200);
  // two groups (limit 3 and limit 4)
  assert.equal(await metric('knnkit_search_batches_total') - b0, 2);
  const lists = r.json.result as { id: number | string; score: number }[][];
  for (const [i, s] of searches.entries()) {
    const alone = await post('/collections/b/points/search', s);
    assert.deepEqual(lists[i], alone.json.result);
    assert.equal(lists[i].length, s.limit);
  }
  // one bad search fails the request with 400, nothing queued
  const bad = await post('/collections/b/points/search/batch', { searches: [searches[0], { vector: [1, 2], limit: 3 }] });
  assert.equal(bad.status, 400);
  assert.match(String((bad.json.status as { error: string }).error), /dimension/);
});
