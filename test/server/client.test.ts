import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { QdrantClient } from '@qdrant/js-client-rest';
import { client, exited, spawnServer, startServer, tempDir, vectors } from './helpers.js';
import type { KnnkitServer } from '../../src/server/app.js';

// The official Qdrant JS client against `knnkit serve` on 127.0.0.1: every operation of the
// documented subset, with answers checked against values computed here.

const D = 8, N = 120;
const V = vectors(N, D, 7);
const colors = ['red', 'green', 'blue'];
const payloadOf = (i: number) => ({ i, color: colors[i % 3], price: i * 1.5, tags: i % 4 === 0 ? ['a', 'b'] : ['c'], meta: { shelf: i % 5 }, ...(i % 10 === 0 ? { note: null } : {}) });
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

let server: KnnkitServer, url: string, c: QdrantClient, tmp: ReturnType<typeof tempDir>;

function norm(v: number[]): number[] { const s = Math.sqrt(v.reduce((a, x) => a + x * x, 0)); return v.map((x) => x / s); }
function cos(a: number[], b: number[]): number { const x = norm(a), y = norm(b); return x.reduce((s, v, i) => s + v * y[i], 0); }
/** Exact top-k ids by cosine among points i with keep(i). */
function exactTop(q: number[], k: number, keep: (i: number) => boolean): number[] {
  return V.map((v, i) => ({ i, s: cos(q, v) })).filter((h) => keep(h.i)).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, k).map((h) => h.i);
}

async function status(p: Promise<unknown>): Promise<{ code: number; error: string }> {
  try { await p; } catch (e) {
    const err = e as { status?: number; data?: { status?: { error?: string } } };
    return { code: err.status ?? -1, error: err.data?.status?.error ?? String(e) };
  }
  return { code: 200, error: '' };
}

before(async () => {
  tmp = tempDir();
  ({ server, url } = await startServer({ dataDir: tmp.dir }));
  c = client(url);
  await c.createCollection('items', { vectors: { size: D, distance: 'Cosine' }, hnsw_config: { m: 8, ef_construct: 64 } });
  const r = await c.upsert('items', { wait: true, points: V.map((v, i) => ({ id: i, vector: v, payload: payloadOf(i) })) });
  assert.equal(r.status, 'completed');
});

after(async () => {
  await server.close();
  tmp.remove();
});

test('GET / answers what the client\'s compatibility check reads', async () => {
  const res = await fetch(url + '/');
  const body = await res.json() as { title: string; version: string };
  assert.match(body.title, /knnkit/);
  const [maj, min] = body.version.split('.').map(Number);
  const { PACKAGE_VERSION } = await import('@qdrant/js-client-rest/dist/esm/client-version.js' as string).catch(() => ({ PACKAGE_VERSION: '1.18.0' }));
  const [cm, cn] = String(PACKAGE_VERSION).split('.').map(Number);
  assert.equal(maj, cm);
  assert.ok(Math.abs(min - cn) <= 1, `server ${body.version} vs client ${PACKAGE_VERSION}`);
  const info = await c.versionInfo();
  assert.equal(info.version, body.version);
});

test('collections: list, exists, info', async () => {
  assert.deepEqual((await c.getCollections()).collections.map((x) => x.name), ['items']);
  assert.equal((await c.collectionExists('items')).exists, true);
  assert.equal((await c.collectionExists('nope')).exists, false);
  const info = await c.getCollection('items');
  assert.equal(info.points_count, N);
  assert.equal(info.status, 'green');
  assert.deepEqual(info.config.params.vectors, { size: D, distance: 'Cosine' });
  assert.equal(info.config.hnsw_config.m, 8);
  assert.equal(info.config.hnsw_config.ef_construct, 64);
});

test('retrieve: payloads and vectors (Cosine vectors stored normalised)', async () => {
  const pts = await c.retrieve('items', { ids: [5, 7, 999], with_payload: true, with_vector: true });
  assert.deepEqual(pts.map((p) => p.id), [5, 7]);
  assert.deepEqual(pts[0].payload, payloadOf(5));
  const v = pts[1].vector as number[];
  norm(V[7]).forEach((x, i) => assert.ok(Math.abs(x - v[i]) < 1e-6));
  const one = await c.api().getPoint({ collection_name: 'items', id: 5 });
  assert.equal(one.data.result!.id, 5);
  assert.equal((await status(c.api().getPoint({ collection_name: 'items', id: 4242 }))).code, 404);
});

test('search with must / should / must_not, match and range, equals exact search', async () => {
  const q = V[11];
  const filter = {
    must: [{ key: 'price', range: { gte: 15, lt: 150 } }],
    should: [{ key: 'color', match: { value: 'red' } }, { key: 'color', match: { value: 'blue' } }],
    must_not: [{ key: 'tags', match: { any: ['a'] } }],
  };
  const keep = (i: number) => { const p = payloadOf(i); return p.price >= 15 && p.price < 150 && (p.color === 'red' || p.color === 'blue') && !p.tags.includes('a'); };
  const res = await c.search('items', { vector: q, limit: 7, filter, with_payload: true, params: { exact: true } });
  assert.deepEqual(res.map((h) => h.id), exactTop(q, 7, keep));
  for (const h of res) {
    assert.ok(keep(h.id as number));
    assert.ok(Math.abs(h.score - cos(q, V[h.id as number])) < 1e-5);
  }
  // approximate (HNSW) search at this size finds the same set
  const approx = await c.search('items', { vector: q, limit: 7, filter, params: { hnsw_ef: 128 } });
  assert.deepEqual(approx.map((h) => h.id), exactTop(q, 7, keep));
  // offset, score_threshold
  const page2 = await c.search('items', { vector: q, limit: 3, offset: 2, filter, params: { exact: true } });
  assert.deepEqual(page2.map((h) => h.id), exactTop(q, 5, keep).slice(2));
  const thr = res[3].score;
  const above = await c.search('items', { vector: q, limit: 50, filter, score_threshold: thr, params: { exact: true } });
  assert.deepEqual(above.map((h) => h.id), res.slice(0, 4).map((h) => h.id));
});

test('filters: except, nested keys, is_empty, is_null, has_id, nested', async () => {
  const q = V[0];
  const ids = async (filter: Record<string, unknown>) => (await c.scroll('items', { filter, limit: 1000, with_payload: false })).points.map((p) => p.id as number);
  const all = Array.from({ length: N }, (_, i) => i);
  assert.deepEqual(await ids({ must: [{ key: 'color', match: { except: ['red', 'green'] } }] }), all.filter((i) => i % 3 === 2));
  assert.deepEqual(await ids({ must: [{ key: 'meta.shelf', match: { value: 3 } }] }), all.filter((i) => i % 5 === 3));
  assert.deepEqual(await ids({ must: [{ is_null: { key: 'note' } }] }), all.filter((i) => i % 10 === 0));
  assert.deepEqual(await ids({ must: [{ is_empty: { key: 'note' } }] }), all);
  assert.deepEqual(await ids({ must: [{ has_id: [3, 4, 5, 500] }, { key: 'color', match: { value: 'green' } }] }), [4]);
  assert.deepEqual(await ids({ must_not: [{ is_empty: { key: 'tags' } }], must: [{ key: 'tags[]', match: { value: 'b' } }] }), all.filter((i) => i % 4 === 0));
  const r = await c.search('items', { vector: q, limit: 3, filter: { must: [{ has_id: [1, 2, 3, 4] }] }, params: { exact: true } });
  assert.deepEqual(r.map((h) => h.id), exactTop(q, 3, (i) => i >= 1 && i <= 4));
});

test('scroll pages in id order; count with a filter', async () => {
  const seen: number[] = [];
  let offset: number | string | null | undefined = undefined;
  for (let page = 0; page < 100; page++) {
    const r = await c.scroll('items', { limit: 25, offset: offset ?? undefined, filter: { must: [{ key: 'color', match: { value: 'green' } }] } });
    seen.push(...r.points.map((p) => p.id as number));
    offset = r.next_page_offset as number | null;
    if (offset === null || offset === undefined) break;
  }
  assert.deepEqual(seen, Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 1));
  assert.equal((await c.count('items', { filter: { must: [{ key: 'price', range: { gt: 30 } }] } })).count, Array.from({ length: N }, (_, i) => i).filter((i) => i * 1.5 > 30).length);
  assert.equal((await c.count('items')).count, N);
});

test('search/batch and query (vector, point id, prefetch + fusion)', async () => {
  const batch = await c.searchBatch('items', { searches: [{ vector: V[1], limit: 2, params: { exact: true } }, { vector: V[2], limit: 3, params: { exact: true }, filter: { must: [{ key: 'color', match: { value: 'red' } }] } }] });
  assert.deepEqual(batch.map((r) => r.map((h) => h.id)), [exactTop(V[1], 2, () => true), exactTop(V[2], 3, (i) => i % 3 === 0)]);
  const byVec = await c.query('items', { query: V[9], limit: 4, params: { exact: true } });
  assert.deepEqual(byVec.points.map((p) => p.id), exactTop(V[9], 4, () => true));
  // by point id: the point's own vector, the point itself left out (Qdrant's rule)
  const byId = await c.query('items', { query: 9, limit: 4, params: { exact: true }, with_payload: true });
  assert.deepEqual(byId.points.map((p) => p.id), exactTop(V[9], 5, () => true).filter((i) => i !== 9));
  assert.deepEqual(byId.points[0].payload, payloadOf(byId.points[0].id as number));
  // prefetch two filtered vector searches, fuse by RRF
  const fused = await c.query('items', {
    prefetch: [
      { query: V[9], limit: 5, filter: { must: [{ key: 'color', match: { value: 'red' } }] } },
      { query: V[9], limit: 5, filter: { must: [{ key: 'color', match: { value: 'blue' } }] } },
    ],
    query: { fusion: 'rrf' }, limit: 4,
  });
  const red = exactTop(V[9], 5, (i) => i % 3 === 0), blue = exactTop(V[9], 5, (i) => i % 3 === 2);
  // rank-1 hits of both lists tie at 1/(2+1); ties go by internal id (= id here)
  assert.deepEqual(fused.points.slice(0, 2).map((p) => p.id).sort((a, b) => (a as number) - (b as number)), [red[0], blue[0]].sort((a, b) => a - b));
  assert.ok(Math.abs(fused.points[0].score - 1 / 3) < 1e-12);
});

test('payload: set (merge, nested key), overwrite, delete keys, clear; by id and by filter', async () => {
  await c.setPayload('items', { points: [1], payload: { extra: 'x', color: 'violet' }, wait: true });
  assert.deepEqual((await c.retrieve('items', { ids: [1] }))[0].payload, { ...payloadOf(1), extra: 'x', color: 'violet' });
  await c.setPayload('items', { points: [1], payload: { depth: 2 }, key: 'meta', wait: true });
  assert.deepEqual(((await c.retrieve('items', { ids: [1] }))[0].payload as { meta: unknown }).meta, { shelf: 1, depth: 2 });
  await c.overwritePayload('items', { points: [2], payload: { only: true }, wait: true });
  assert.deepEqual((await c.retrieve('items', { ids: [2] }))[0].payload, { only: true });
  await c.deletePayload('items', { points: [3], keys: ['price', 'tags'], wait: true });
  assert.deepEqual((await c.retrieve('items', { ids: [3] }))[0].payload, { i: 3, color: 'red', meta: { shelf: 3 } });
  await c.clearPayload('items', { points: [4], wait: true });
  assert.deepEqual((await c.retrieve('items', { ids: [4] }))[0].payload, {});
  await c.setPayload('items', { filter: { must: [{ key: 'i', range: { gte: 100, lt: 103 } }] }, payload: { flagged: true }, wait: true });
  assert.deepEqual((await c.scroll('items', { filter: { must: [{ key: 'flagged', match: { value: true } }] } })).points.map((p) => p.id), [100, 101, 102]);
  // the filter sees the new payload: 'violet' is no longer red/green/blue
  assert.equal((await c.count('items', { filter: { must: [{ key: 'color', match: { value: 'violet' } }] } })).count, 1);
});

test('UUID ids, upsert replaces, delete by id and by filter', async () => {
  // the knnkit extension field (any registered family that can add, remove and return vectors);
  // the client's createCollection() passes only Qdrant's fields, its api() layer passes the body as is
  await c.api().createCollection({ collection_name: 'mixed', vectors: { size: D, distance: 'Euclid' }, knnkit: { index: 'brute' } } as never);
  assert.equal(((await c.getCollection('mixed')) as unknown as { knnkit: { index: string } }).knnkit.index, 'brute');
  await c.upsert('mixed', { wait: true, points: [
    { id: uuid(1), vector: V[0], payload: { k: 'a' } },
    { id: uuid(2).replace(/-/g, ''), vector: V[1], payload: { k: 'b' } },
    { id: 7, vector: V[2], payload: { k: 'c' } },
  ] });
  const all = await c.scroll('mixed', { limit: 10, with_vector: true });
  assert.deepEqual(all.points.map((p) => p.id), [7, uuid(1), uuid(2)]);
  const top = await c.search('mixed', { vector: V[1], limit: 1 });
  assert.equal(top[0].id, uuid(2));
  assert.ok(Math.abs(top[0].score) < 1e-5, 'Euclid score is the distance (0 for the point itself)');
  // upsert an existing id: vector and payload replaced
  await c.upsert('mixed', { wait: true, points: [{ id: uuid(1), vector: V[5], payload: { k: 'z' } }] });
  const p = (await c.retrieve('mixed', { ids: [uuid(1)], with_vector: true }))[0];
  assert.deepEqual(p.payload, { k: 'z' });
  V[5].forEach((x, i) => assert.ok(Math.abs(x - (p.vector as number[])[i]) < 1e-6));
  assert.equal((await c.count('mixed')).count, 3);
  await c.delete('mixed', { points: [uuid(2)], wait: true });
  await c.delete('mixed', { filter: { must: [{ key: 'k', match: { value: 'c' } }] }, wait: true });
  assert.deepEqual((await c.scroll('mixed', {})).points.map((x) => x.id), [uuid(1)]);
  const s = await c.search('mixed', { vector: V[1], limit: 5 });
  assert.deepEqual(s.map((h) => h.id), [uuid(1)]);
  assert.equal(await c.deleteCollection('mixed'), true);
  assert.equal((await c.collectionExists('mixed')).exists, false);
});

test('payload index: keyword / integer answers filters the same as a scan', async () => {
  await c.createPayloadIndex('items', { field_name: 'color', field_schema: 'keyword', wait: true });
  await c.createPayloadIndex('items', { field_name: 'i', field_schema: 'integer', wait: true });
  const info = await c.getCollection('items');
  assert.deepEqual(Object.keys(info.payload_schema).sort(), ['color', 'i']);
  const f = { must: [{ key: 'color', match: { value: 'green' } }, { key: 'i', range: { gte: 10, lte: 60 } }] };
  const expect = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 === 1 && i >= 10 && i <= 60 && i !== 1);
  assert.deepEqual((await c.scroll('items', { filter: f, limit: 1000 })).points.map((p) => p.id), expect);
  assert.equal((await c.count('items', { filter: f })).count, expect.length);
  const r = await c.search('items', { vector: V[40], limit: 5, filter: f, params: { exact: true } });
  assert.deepEqual(r.map((h) => h.id), exactTop(V[40], 5, (i) => expect.includes(i)));
});

test('BM25 text index and hybrid query (prefetch vector + text, RRF)', async () => {
  await c.createCollection('docs', { vectors: { size: D, distance: 'Dot' } });
  const texts = ['the quick brown fox', 'a lazy dog sleeps', 'quick quick fox jumps', 'nothing here', 'brown dog and fox'];
  await c.upsert('docs', { wait: true, points: texts.map((t, i) => ({ id: i, vector: V[i], payload: { text: t } })) });
  await c.createPayloadIndex('docs', { field_name: 'text', field_schema: 'text', wait: true });
  const lex = await c.query('docs', { query: { text: 'quick fox' } as never, limit: 3 });
  assert.deepEqual(lex.points.map((p) => p.id), [2, 0, 4]);
  const hybrid = await c.query('docs', { prefetch: [{ query: V[3], limit: 3 }, { query: { text: 'dog' } as never, limit: 3 }], query: { fusion: 'rrf' }, limit: 5, with_payload: true });
  const ids = hybrid.points.map((p) => p.id);
  assert.ok(ids.includes(3) && ids.includes(1) && ids.includes(4), JSON.stringify(ids));
  // Dot: score = inner product
  const dot = await c.search('docs', { vector: V[0], limit: 1, params: { exact: true } });
  const want = Math.max(...V.slice(0, 5).map((v) => v.reduce((s, x, i) => s + x * V[0][i], 0)));
  assert.ok(Math.abs(dot[0].score - want) < 1e-4);
  await c.deleteCollection('docs');
});

test('errors: Qdrant-shaped JSON with 4xx, never a stack', async () => {
  const cases: [() => Promise<unknown>, number, RegExp][] = [
    [() => c.search('items', { vector: [1, 2, 3], limit: 3 }), 400, /dimension/],
    [() => c.search('nope', { vector: V[0], limit: 3 }), 404, /doesn't exist/],
    [() => c.upsert('items', { wait: true, points: [{ id: -1, vector: V[0] }] }), 400, /id/],
    [() => c.upsert('items', { wait: true, points: [{ id: 'not-a-uuid', vector: V[0] }] }), 400, /UUID/],
    [() => c.search('items', { vector: V[0], limit: 3, filter: { must: [{ key: 'x', range: { gt: 'a' } }] } as never }), 400, /finite number/],
    [() => c.search('items', { vector: V[0], limit: 3, filter: { must: [{ key: 'x', wat: 1 }] } as never }), 400, /unsupported condition/],
    [() => c.createCollection('items', { vectors: { size: D, distance: 'Cosine' } }), 400, /already exists/],
    [() => c.createCollection('bad', { vectors: { size: 4, distance: 'Hamming' as never } }), 400, /distance/],
    [() => c.api().createCollection({ collection_name: 'bad2', vectors: { size: 4, distance: 'Cosine' }, knnkit: { index: 'no-such-family' } } as never), 422, /expected one of/],
    [() => c.api().createCollection({ collection_name: 'bad3', vectors: { size: 4, distance: 'Cosine' }, knnkit: { index: 'hnsw', options: { M: 1 } } } as never), 422, /M: got 1/],
    [() => c.api().createCollection({ collection_name: 'bad4', vectors: { size: 4, distance: 'Cosine' }, knnkit: { index: 'hnsw', options: { nope: 1 } } } as never), 422, /no option "nope"/],
  ];
  for (const [p, code, re] of cases) {
    const r = await status(p());
    assert.equal(r.code, code, r.error);
    assert.match(r.error, re);
    assert.doesNotMatch(r.error, /\n\s+at /);
  }
  // NaN cannot travel in JSON; a non-number in a vector is refused, a malformed body too
  const raw = async (method: string, path: string, body: string) => {
    const res = await fetch(url + path, method === 'GET' ? {} : { method, headers: { 'content-type': 'application/json' }, body });
    return { code: res.status, body: await res.json() as { status: { error: string } } };
  };
  let r = await raw('PUT', '/collections/items/points?wait=true', JSON.stringify({ points: [{ id: 1, vector: [1, 2, 3, 4, 5, 6, 7, 'NaN'] }] }));
  assert.equal(r.code, 400);
  assert.match(r.body.status.error, /finite number/);
  r = await raw('PUT', '/collections/items/points', '{"points": [');
  assert.equal(r.code, 400);
  r = await raw('PUT', '/collections/items/points', JSON.stringify({ pointz: [] }));
  assert.equal(r.code, 400);
  assert.match(r.body.status.error, /Format error/);
  r = await raw('POST', '/collections/items/points/search', JSON.stringify({ vector: V[0] }));
  assert.equal(r.code, 400);
  assert.match(r.body.status.error, /limit/);
  r = await raw('GET', '/no/such/route', '');
  assert.equal(r.code, 404);
  // the original points are unchanged by the refused writes
  assert.equal((await c.count('items')).count, N);
});

test('body too large is a 413 JSON error', async () => {
  const t = tempDir();
  const s = await startServer({ dataDir: t.dir, bodyLimit: 2048 });
  try {
    const res = await fetch(s.url + '/collections/x/points', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ points: vectors(50, 16).map((v, i) => ({ id: i, vector: v })) }) });
    assert.equal(res.status, 413);
    const body = await res.json() as { status: { error: string } };
    assert.match(body.status.error, /too large/i);
  } finally { await s.server.close(); t.remove(); }
});

test('api keys: none -> 401, read-only writing -> 403, read-write ok; probes open', async () => {
  const t = tempDir();
  const s = await startServer({ dataDir: t.dir, apiKey: 'rw-secret', readOnlyApiKey: 'ro-secret' });
  try {
    const rw = client(s.url, 'rw-secret'), ro = client(s.url, 'ro-secret'), none = client(s.url);
    await rw.createCollection('a', { vectors: { size: 2, distance: 'Euclid' } });
    await rw.upsert('a', { wait: true, points: [{ id: 1, vector: [0, 1] }] });
    assert.equal((await status(none.getCollections())).code, 401);
    assert.equal((await status(client(s.url, 'wrong').getCollections())).code, 401);
    assert.equal((await ro.count('a')).count, 1);
    assert.equal((await ro.search('a', { vector: [0, 1], limit: 1 }))[0].id, 1);
    assert.equal((await status(ro.upsert('a', { wait: true, points: [{ id: 2, vector: [1, 1] }] }))).code, 403);
    assert.equal((await status(ro.deleteCollection('a'))).code, 403);
    assert.equal((await fetch(s.url + '/healthz')).status, 200);
    assert.equal((await fetch(s.url + '/readyz')).status, 200);
    assert.equal((await fetch(s.url + '/metrics')).status, 401);
  } finally { await s.server.close(); t.remove(); }
});

test('/healthz, /readyz, /metrics (Prometheus text), /openapi.json', async () => {
  assert.equal(await (await fetch(url + '/healthz')).text(), 'healthz check passed');
  assert.equal((await fetch(url + '/readyz')).status, 200);
  const m = await (await fetch(url + '/metrics')).text();
  assert.match(m, /# TYPE knnkit_http_requests_total counter/);
  assert.match(m, /knnkit_collection_points\{collection="items"\} 120/);
  assert.match(m, /knnkit_http_request_duration_seconds_bucket\{method="POST",route="\/collections\/:collection_name\/points\/search",le="\+Inf"\} \d+/);
  const doc = await (await fetch(url + '/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
  assert.ok(doc.paths['/collections/{collection_name}/points/search'].post);
  assert.ok(doc.paths['/collections/{collection_name}'].put);
});

test('restart: everything acknowledged is recovered (log replay, then from a snapshot)', async () => {
  const t = tempDir();
  let s = await startServer({ dataDir: t.dir });
  try {
    let k = client(s.url);
    await k.createCollection('r', { vectors: { size: D, distance: 'Cosine' } });
    await k.upsert('r', { wait: true, points: V.slice(0, 30).map((v, i) => ({ id: i, vector: v, payload: { i } })) });
    await k.delete('r', { points: [3], wait: true });
    await k.setPayload('r', { points: [4], payload: { x: 1 }, wait: true });
    await k.createPayloadIndex('r', { field_name: 'i', field_schema: 'integer', wait: true });
    await k.createPayloadIndex('r', { field_name: 't', field_schema: 'text', wait: true });
    await k.setPayload('r', { points: [5], payload: { t: 'hello durable world' }, wait: true });
    // no snapshot yet: the state lives in the log; stop without the final snapshot by dropping the app only
    await s.server.app.close();
    for (const col of s.server.manager.collections.values()) await col.flush();
    const check = async () => {
      assert.equal((await k.count('r')).count, 29);
      assert.deepEqual((await k.retrieve('r', { ids: [4] }))[0].payload, { i: 4, x: 1 });
      assert.equal((await k.retrieve('r', { ids: [3] })).length, 0);
      assert.equal((await k.count('r', { filter: { must: [{ key: 'i', range: { lt: 10 } }] } })).count, 9);
      const r = await k.search('r', { vector: V[12], limit: 1 });
      assert.equal(r[0].id, 12);
      // the text (BM25) index is rebuilt from its config
      assert.deepEqual((await k.query('r', { query: { text: 'durable' } as never, limit: 3 })).points.map((p) => p.id), [5]);
    };
    s = await startServer({ dataDir: t.dir });
    k = client(s.url);
    await check();
    await s.server.close(); // writes the snapshot
    s = await startServer({ dataDir: t.dir });
    k = client(s.url);
    await check();
    assert.equal((await k.getCollection('r')).payload_schema.i !== undefined, true);
    await s.server.close();
  } finally {
    await s.server.close().catch(() => undefined);
    t.remove();
  }
});

test('overload: past maxInFlight requests get 429 with Retry-After; SIGTERM-style close drains', async () => {
  const t = tempDir();
  const s = await startServer({ dataDir: t.dir, maxInFlight: 1 });
  try {
    const { request } = await import('node:http');
    // a request whose body is still arriving holds the one slot
    const slow = request(s.url + '/collections/x/points/count', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '2' } });
    const answered = new Promise<number>((resolve) => slow.on('response', (res) => { res.resume(); resolve(res.statusCode!); }));
    slow.write('{');
    for (let i = 0; i < 500 && s.server.metrics.inFlight < 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.server.metrics.inFlight, 1);
    const res = await fetch(s.url + '/collections');
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.match(((await res.json()) as { status: { error: string } }).status.error, /Too many requests/);
    // close() waits for the in-flight request: it completes (404: no such collection), then the server stops
    const closing = s.server.close();
    slow.end('}');
    assert.equal(await answered, 404);
    await closing;
  } finally { t.remove(); }
});

test('one server per data directory: a live owner\'s LOCK refuses a second server; a killed owner\'s is taken over', async () => {
  const t = tempDir();
  try {
    const { child } = await spawnServer(['--data', t.dir, '--port', '0']);
    await assert.rejects(startServer({ dataDir: t.dir }), /in use by process/);
    child.kill('SIGKILL');
    await exited(child);
    const s = await startServer({ dataDir: t.dir });
    await s.server.close();
  } finally { t.remove(); }
});

test('query/batch, payload index removal, scroll from a UUID offset, batch upsert form, wait=false', async () => {
  const qb = await c.queryBatch('items', { searches: [{ query: V[20], limit: 2, params: { exact: true } }, { query: 20, limit: 2, params: { exact: true } }] });
  assert.deepEqual(qb.map((r) => r.points.map((p) => p.id)), [exactTop(V[20], 2, () => true), exactTop(V[20], 3, () => true).filter((i) => i !== 20).slice(0, 2)]);
  await c.createCollection('u', { vectors: { size: 2, distance: 'Manhattan' } });
  const ids = [uuid(5), uuid(3), 2, uuid(9)];
  await c.upsert('u', { wait: true, batch: { ids, vectors: [[0, 0], [1, 0], [0, 2], [3, 3]], payloads: [{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }] } });
  const page = await c.scroll('u', { offset: uuid(5), limit: 1 });
  assert.deepEqual(page.points.map((p) => p.id), [uuid(5)]);
  assert.equal(page.next_page_offset, uuid(9));
  // Manhattan: score = L1 distance, ascending
  const near = await c.search('u', { vector: [0, 0], limit: 4 });
  assert.deepEqual(near.map((h) => [h.id, h.score]), [[uuid(5), 0], [uuid(3), 1], [2, 2], [uuid(9), 6]]);
  await c.createPayloadIndex('u', { field_name: 'n', field_schema: 'integer', wait: true });
  assert.ok('n' in (await c.getCollection('u')).payload_schema);
  await c.deletePayloadIndex('u', 'n', { wait: true });
  assert.deepEqual(Object.keys((await c.getCollection('u')).payload_schema), []);
  // wait=false: acknowledged at once, visible to reads
  const r = await c.upsert('u', { wait: false, points: [{ id: 77, vector: [5, 5] }] });
  assert.equal(r.status, 'acknowledged');
  assert.equal((await c.count('u')).count, 5);
  await c.deleteCollection('u');
});

test('compaction: a snapshot after many removals rebuilds the index from the live points; answers unchanged, also after a restart', async () => {
  const t = tempDir();
  let s = await startServer({ dataDir: t.dir });
  try {
    let k = client(s.url);
    const W = vectors(600, D, 21), R = vectors(100, D, 22);
    await k.createCollection('cp', { vectors: { size: D, distance: 'Euclid' }, hnsw_config: { m: 8, ef_construct: 64 } });
    await k.upsert('cp', { wait: true, points: W.map((v, i) => ({ id: i, vector: v, payload: { i } })) });
    await k.delete('cp', { points: Array.from({ length: 300 }, (_, i) => i), wait: true });
    await k.upsert('cp', { wait: true, points: R.map((v, j) => ({ id: 300 + j, vector: v, payload: { i: 300 + j, r: true } })) });
    const live = Array.from({ length: 300 }, (_, j) => 300 + j);
    const vec = (id: number) => (id < 400 ? R[id - 300] : W[id]).map(Math.fround);
    const l2 = (a: number[], b: number[]) => Math.sqrt(a.reduce((x, v, i) => x + (v - b[i]) ** 2, 0));
    const check = async () => {
      assert.equal((await k.count('cp')).count, 300);
      const got = await k.retrieve('cp', { ids: [0, 305, 450], with_vector: true, with_payload: true });
      assert.deepEqual(got.map((p) => p.id), [305, 450]);
      assert.deepEqual(got[0].vector, vec(305));
      assert.deepEqual(got[0].payload, { i: 305, r: true });
      for (const q of [W[10], R[50], W[500]]) {
        const want = live.map((id) => ({ id, d: l2(q, vec(id)) })).sort((a, b) => a.d - b.d || a.id - b.id).slice(0, 5).map((h) => h.id);
        assert.deepEqual((await k.search('cp', { vector: q, limit: 5, params: { exact: true } })).map((h) => h.id), want);
        assert.deepEqual((await k.search('cp', { vector: q, limit: 5, params: { hnsw_ef: 200 } })).map((h) => h.id), want);
      }
    };
    await check();
    const col = s.server.manager.get('cp');
    assert.equal(col.removedSinceBuild, 400);
    await col.snapshot();
    assert.equal(col.compactions, 1);
    assert.equal(col.removedSinceBuild, 0);
    await check();
    await s.server.close();
    s = await startServer({ dataDir: t.dir });
    k = client(s.url);
    await check();
  } finally {
    await s.server.close().catch(() => undefined);
    t.remove();
  }
});
