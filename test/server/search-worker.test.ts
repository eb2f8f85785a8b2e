import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { IndexGate } from '../../src/server/index-gate.js';
import type { KnnkitServer } from '../../src/server/app.js';
import { startServer, tempDir, vectors } from './helpers.js';

// Plain searches of HNSW collections run on a worker thread over the index's shared memory
// (src/server/search-batcher.ts) while the event loop serves HTTP; the collection's gate
// (src/server/index-gate.ts) keeps changes and main-thread searches out of a worker search.

const tick = () => new Promise((r) => setImmediate(r));

test('gate: exclusive work runs at once when idle, waits for readers in flight, and readers queue behind it', async () => {
  const g = new IndexGate();
  const log: string[] = [];
  await g.exclusive(() => log.push('w0'));
  assert.deepEqual(log, ['w0'], 'idle: the task ran before exclusive() returned');

  let release1!: () => void;
  const r1 = g.read(() => new Promise<void>((res) => { log.push('r1 start'); release1 = () => { log.push('r1 end'); res(); }; }));
  const w1 = g.exclusive(() => { log.push('w1'); return 7; });
  const w2 = g.exclusive(() => { log.push('w2'); });
  const r2 = g.read(async () => { log.push('r2 start'); });
  await tick();
  assert.deepEqual(log, ['w0', 'r1 start'], 'the writes wait for the reader in flight; the later reader waits behind them');
  release1();
  assert.equal(await w1, 7);
  await Promise.all([r1, w2, r2]);
  assert.deepEqual(log, ['w0', 'r1 start', 'r1 end', 'w1', 'w2', 'r2 start'], 'writes in arrival order, then the queued reader');

  // readers run side by side when no write waits; a throwing task rejects only its own promise
  let n = 0;
  await Promise.all([g.read(async () => { n++; await tick(); }), g.read(async () => { n++; await tick(); })]);
  assert.equal(n, 2);
  await assert.rejects(g.exclusive(() => { throw new Error('boom'); }), /boom/);
  assert.ok(g.idle);
});

const D = 24, N = 2000;
const V = vectors(N, D, 21);
let server: KnnkitServer, url: string, tmp: ReturnType<typeof tempDir>;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: await r.json() as Record<string, unknown> };
}
const ids = (r: { json: Record<string, unknown> }) => (r.json.result as { id: number }[]).map((h) => h.id);

before(async () => {
  tmp = tempDir('knnkit-worker-');
  ({ server, url } = await startServer({ dataDir: tmp.dir }));
  assert.equal((await call('PUT', '/collections/w', { vectors: { size: D, distance: 'Euclid' }, hnsw_config: { m: 8, ef_construct: 64 } })).status, 200);
  assert.equal((await call('PUT', '/collections/w/points?wait=true', { points: V.map((v, i) => ({ id: i, vector: v, payload: { g: i % 4 } })) })).status, 200);
});

after(async () => { await server.close(); tmp.remove(); });

test('worker searches answer as the event loop does', async () => {
  const Q = vectors(50, D, 22);
  const got = await Promise.all(Q.map((q) => call('POST', '/collections/w/points/search', { vector: q, limit: 7, params: { hnsw_ef: 40 } })));
  const c = server.manager.get('w');
  Q.forEach((q, i) => {
    assert.equal(got[i].status, 200);
    const alone = c.search(Float32Array.from(q), { limit: 7, offset: 0, filter: null, ef: 40 }).map((h) => h.id);
    assert.deepEqual(ids(got[i]), alone, `query ${i}`);
  });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const worker = Number(/^knnkit_search_worker_batches_total (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(worker > 0, `plain searches of an HNSW collection run on a worker (${worker} worker batches)`);
});

test('an acknowledged upsert or delete is seen by every search issued after the ack, under a stream of worker searches', async () => {
  const Q = vectors(200, D, 23);
  let stop = false, failures = 0;
  // background load: 16 connections of plain searches (worker batches in flight all the time)
  // and filtered ones (main-thread searches, exclusive work)
  const load = Array.from({ length: 16 }, async (_, w) => {
    for (let i = w; !stop; i += 16) {
      const body: Record<string, unknown> = { vector: Q[i % Q.length], limit: 5 };
      if (w % 4 === 0) body.filter = { must: [{ key: 'g', match: { value: i % 4 } }] };
      const r = await call('POST', '/collections/w/points/search', body);
      if (r.status !== 200) failures++;
    }
  });
  try {
    for (let round = 0; round < 40; round++) {
      const id = N + round, v = vectors(1, D, 1000 + round)[0].map((x) => x * 5 + 20); // far from every other point
      const up = await call('PUT', `/collections/w/points?wait=${round % 2 === 0}`, { points: [{ id, vector: v, payload: { g: 9 } }] });
      assert.equal(up.status, 200);
      const seen = await call('POST', '/collections/w/points/search', { vector: v, limit: 1 });
      assert.deepEqual(ids(seen), [id], `round ${round}: the point upserted before this search`);
      const exact = await call('POST', '/collections/w/points/search', { vector: v, limit: 1, params: { exact: true } });
      assert.deepEqual(ids(exact), [id], `round ${round}: exact search`);
      if (round % 3 === 0) {
        assert.equal((await call('POST', `/collections/w/points/delete?wait=${round % 2 === 1}`, { points: [id] })).status, 200);
        const gone = await call('POST', '/collections/w/points/search', { vector: v, limit: 1 });
        assert.notDeepEqual(ids(gone), [id], `round ${round}: the point deleted before this search`);
      }
    }
  } finally {
    stop = true;
    await Promise.all(load);
  }
  assert.equal(failures, 0, 'no search failed while writes ran between worker searches');
});

test('searchThreads 0: every search on the event loop (no worker batch)', async () => {
  const t2 = tempDir('knnkit-worker0-');
  const s = await startServer({ dataDir: t2.dir, searchThreads: 0 });
  try {
    const u = s.url;
    await fetch(`${u}/collections/z`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vectors: { size: D, distance: 'Euclid' } }) });
    await fetch(`${u}/collections/z/points?wait=true`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ points: V.slice(0, 200).map((v, i) => ({ id: i, vector: v })) }) });
    const r = await fetch(`${u}/collections/z/points/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vector: V[3], limit: 1 }) });
    assert.deepEqual(((await r.json()) as { result: { id: number }[] }).result.map((h) => h.id), [3]);
    const metrics = await (await fetch(`${u}/metrics`)).text();
    assert.match(metrics, /^knnkit_search_worker_batches_total 0$/m);
    assert.match(metrics, /^knnkit_search_batches_total [1-9]/m);
  } finally {
    await s.server.close();
    t2.remove();
  }
});
