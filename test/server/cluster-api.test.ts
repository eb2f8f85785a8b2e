// Cluster nodes answer the rest of the single server's point API (issue 18): scroll, query and
// query batch, set / overwrite / delete / clear payload and delete by filter as stream records
// every follower applies; per-request consistency (eventual, strong, bounded staleness by time
// or sequences, read-your-writes through the knnkit-sequences / knnkit-after headers); and with
// two of three NATS servers down, writes get a Qdrant-shaped 503 within the publish deadline
// while reads are still served. 3 nats-servers, 2 in-process nodes, loopback only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { natsSkipReason, randomRows, startNatsCluster, type NatsCluster } from './cluster-helpers.js';
import { startServer, tempDir, client as singleClient } from './helpers.js';
import { serveCluster, type ClusterServer } from '../../src/server/cluster/serve.js';

const skip = natsSkipReason();
const DIM = 8;
let nats: NatsCluster | null = null;
const cleanups: (() => Promise<void> | void)[] = [];

after(async () => {
  for (const f of cleanups.reverse()) await f();
  await nats?.stop();
});

type Json = Record<string, unknown>;
async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; headers: Headers }> {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  return { status: r.status, json: await r.json() as Json, headers: r.headers };
}
const result = (r: { status: number; json: Json }, what: string): unknown => {
  assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.json)}`);
  return r.json.result;
};

test('cluster API: scroll, query, payload changes and delete by filter equal the single server; consistency levels; 503 without quorum', { skip: skip ?? false, timeout: 180_000 }, async () => {
  nats = await startNatsCluster(3);
  const nodes: ClusterServer[] = [];
  for (const id of ['a', 'b']) {
    const s = await serveCluster({ servers: nats.urls, nodeId: id, port: 0, replicas: 3, publishDeadlineMs: 4_000, readWaitMs: 20_000 });
    nodes.push(s);
    cleanups.push(() => s.close());
  }
  const [a, b] = nodes.map((n) => n.url);
  const dir = tempDir('knnkit-cluster-api-');
  cleanups.push(() => dir.remove());
  const single = await startServer({ dataDir: dir.dir });
  cleanups.push(() => single.server.close());
  const s = single.url;

  result(await call(a, 'PUT', '/collections/c', { vectors: { size: DIM, distance: 'Euclid' }, shard_number: 3 }), 'create');
  result(await call(s, 'PUT', '/collections/c', { vectors: { size: DIM, distance: 'Euclid' }, knnkit: { index: 'brute' } }), 'create single');
  const N = 400;
  const rows = randomRows(N, DIM, 7);
  const points = rows.map((v, i) => ({ id: i % 5 === 0 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : i, vector: v, payload: { n: i, tag: `t${i % 4}`, nested: { x: i % 3 } } }));
  for (const base of [a, s]) for (let off = 0; off < N; off += 100) result(await call(base, 'PUT', '/collections/c/points?wait=true', { points: points.slice(off, off + 100) }), 'upsert');

  // every change kind, the same on the cluster (through node a) and the single server
  const changes: [string, string, Json][] = [
    ['POST', '/collections/c/points/payload', { payload: { flag: true }, points: [1, 2, 3, 'not-a-point'.length] }],
    ['POST', '/collections/c/points/payload', { payload: { y: 5 }, key: 'nested', filter: { must: [{ key: 'tag', match: { value: 't1' } }] } }],
    ['PUT', '/collections/c/points/payload', { payload: { only: 1 }, filter: { must: [{ key: 'n', range: { gte: 390 } }] } }],
    ['POST', '/collections/c/points/payload/delete', { keys: ['nested.x'], filter: { must: [{ key: 'tag', match: { value: 't2' } }] } }],
    ['POST', '/collections/c/points/payload/clear', { points: [4, 6] }],
    ['POST', '/collections/c/points/delete', { filter: { must: [{ key: 'tag', match: { value: 't3' } }], must_not: [{ key: 'n', range: { lt: 200 } }] } }],
    ['POST', '/collections/c/points/delete', { points: [7, 8] }],
  ];
  let lastSeqs = '';
  const session = new Map<number, number>();
  for (const [m, p, body] of changes) {
    const r = await call(a, m, p, body);
    result(r, `${m} ${p}`);
    const seqs = r.headers.get('knnkit-sequences') ?? '';
    assert.match(seqs, /^\d+:\d+(,\d+:\d+)*$/);
    // the client's session: the highest acknowledged sequence per shard over all its writes (a
    // write answers only for the shards it touched; read-your-writes needs every earlier one too)
    for (const pair of seqs.split(',')) { const [sh, sq] = pair.split(':').map(Number); session.set(sh, Math.max(session.get(sh) ?? 0, sq)); }
    lastSeqs = [...session].map(([sh, sq]) => `${sh}:${sq}`).join(',');
    result(await call(s, m, `${p}?wait=true`, body), `single ${m} ${p}`);
  }
  // read-your-writes on the other node: the last write's sequences in the knnkit-after header
  const wantCount = (result(await call(s, 'POST', '/collections/c/points/count', {}), 'count') as Json).count as number;
  assert.equal((result(await call(b, 'POST', '/collections/c/points/count?consistency=session', {}, { 'knnkit-after': lastSeqs }), 'count ryw') as Json).count, wantCount);

  // scroll: every page equal (filtered and not), on both nodes
  for (const filter of [undefined, { must: [{ key: 'tag', match: { any: ['t0', 't1'] } }] }]) {
    for (const base of [a, b]) {
      let off: unknown = null, pages = 0;
      do {
        const body = { limit: 37, offset: off, filter, with_payload: true, with_vector: true };
        const want = result(await call(s, 'POST', '/collections/c/points/scroll', body), 'scroll single') as Json;
        const got = result(await call(base, 'POST', '/collections/c/points/scroll', body), 'scroll') as Json;
        assert.deepEqual(got, want);
        off = want.next_page_offset;
        pages++;
      } while (off !== null && pages < 50);
      assert.ok(pages > 3);
    }
  }

  // query: vector, {nearest}, point id (itself excluded), no query (id order), prefetch + RRF, prefetch + re-score, threshold; and a batch
  const q = randomRows(1, DIM, 3)[0];
  const queries: Json[] = [
    { query: q, limit: 7, with_payload: true },
    { query: { nearest: q }, limit: 5, offset: 3, filter: { must: [{ key: 'tag', match: { value: 't1' } }] } },
    { query: 11, limit: 6 },
    { limit: 9, offset: 2, with_payload: true },
    { prefetch: [{ query: q, limit: 20 }, { query: 13, limit: 20 }], query: { fusion: 'rrf' }, limit: 10 },
    { prefetch: { query: q, limit: 30, filter: { must: [{ key: 'tag', match: { value: 't0' } }] } }, query: randomRows(1, DIM, 4)[0], limit: 8 },
    { query: q, limit: 50, score_threshold: 1.2 },
  ];
  const norm = (r: Json) => (r.points as Json[]).map((p) => [p.id, Math.round((p.score as number) * 1e4), p.payload]);
  const sortRrf = (l: unknown[][]) => l.sort((x, y) => (y[1] as number) - (x[1] as number) || String(x[0]).localeCompare(String(y[0])));
  for (const [i, body] of queries.entries()) {
    const want = norm(result(await call(s, 'POST', '/collections/c/points/query', body), 'query single') as Json);
    assert.ok(want.length > 0, `query ${i} finds something`);
    for (const base of [a, b]) {
      const got = norm(result(await call(base, 'POST', '/collections/c/points/query', body), `query ${i}`) as Json);
      // RRF ties may be ordered differently (the single server breaks them by internal id)
      if (i === 4) assert.deepEqual(sortRrf(got), sortRrf(want)); else assert.deepEqual(got, want, `query ${i}`);
    }
  }
  const batch = result(await call(b, 'POST', '/collections/c/points/query/batch', { searches: [queries[0], queries[3]] }), 'query batch') as Json[];
  assert.deepEqual(batch.map(norm), [norm(result(await call(s, 'POST', '/collections/c/points/query', queries[0]), 'q') as Json), norm(result(await call(s, 'POST', '/collections/c/points/query', queries[3]), 'q') as Json)]);

  // search params as the single server: hnsw_ef on brute-force shards ignored, exact honoured; a bad exact is a 400 naming it
  const withParams = { vector: q, limit: 6, params: { hnsw_ef: 16, exact: true } };
  const wantP = (result(await call(s, 'POST', '/collections/c/points/search', withParams), 'search params single') as Json[]).map((h) => h.id);
  assert.deepEqual((result(await call(b, 'POST', '/collections/c/points/search', withParams), 'search params') as Json[]).map((h) => h.id), wantP);
  const badExact = await call(a, 'POST', '/collections/c/points/search', { vector: q, limit: 3, params: { exact: 'yes' } });
  assert.equal(badExact.status, 400);
  assert.match(String((badExact.json.status as Json).error), /search\.params\.exact: got "yes"/);

  // consistency knobs: bounded staleness by time and by sequences; bad values name the parameter
  for (const qs of ['consistency=bounded&max_lag_ms=5000', 'max_lag_ms=0', 'consistency=bounded&max_lag_seq=2', 'consistency=eventual', 'consistency=strong']) {
    assert.equal((result(await call(b, 'POST', `/collections/c/points/count?${qs}`, {}), qs) as Json).count, wantCount);
  }
  for (const [qs, hdr, re] of [['consistency=bounded', {}, /max_lag_ms or max_lag_seq/], ['max_lag_ms=-1', {}, /max_lag_ms: got "-1"/], ['consistency=session', {}, /knnkit-after/], ['', { 'knnkit-after': '0:x' }, /knnkit-after header: got "0:x"/], ['after=9:1', {}, /shard 9/], ['consistency=sometimes', {}, /consistency: got "sometimes"/]] as [string, Record<string, string>, RegExp][]) {
    const r = await call(b, 'POST', `/collections/c/points/count?${qs}`, {}, hdr);
    assert.equal(r.status, 400, qs);
    assert.match(String((r.json.status as Json).error), re);
  }
  // a sequence the stream never reaches: bounded wait, then 503 (node with a short read wait)
  const impatient = await serveCluster({ servers: nats.urls, nodeId: 'i', port: 0, replicas: 3, readWaitMs: 500 });
  cleanups.push(() => impatient.close());
  const late = await call(impatient.url, 'POST', '/collections/c/points/count', {}, { 'knnkit-after': '0:999999' });
  assert.equal(late.status, 503);
  assert.match(String((late.json.status as Json).error), /did not catch up/);

  // two of three NATS servers down: no quorum; a write gets a JSON 503 within the publish deadline
  await nats.kill(0);
  await nats.kill(1);
  const t0 = Date.now();
  const w = await call(a, 'PUT', '/collections/c/points?wait=true', { points: [{ id: 99999, vector: rows[0], payload: {} }] });
  const took = Date.now() - t0;
  assert.equal(w.status, 503);
  assert.match(String((w.json.status as Json).error), /Service unavailable.*not acknowledged by JetStream.*retrying is safe/);
  assert.ok(took < 4_000 + 8_000, `503 after ${took} ms (deadline 4,000 ms + one attempt's timeout)`);
  const del = await call(b, 'POST', '/collections/c/points/payload/clear', { filter: {} });
  assert.equal(del.status, 503);
  process.stderr.write(`cluster-api: no-quorum write answered 503 after ${took} ms\n`);
  // reads are still served, whatever the consistency asked (strong / bounded fall back to what the node has)
  for (const qs of ['', 'consistency=eventual', 'max_lag_ms=0', `after=${lastSeqs.split(',')[0]}`]) {
    assert.equal((result(await call(b, 'POST', `/collections/c/points/count?${qs}`, {}), `no quorum ${qs}`) as Json).count, wantCount);
  }
  const want = norm(result(await call(s, 'POST', '/collections/c/points/query', queries[0]), 'q') as Json);
  assert.deepEqual(norm(result(await call(a, 'POST', '/collections/c/points/query', queries[0]), 'q no quorum') as Json), want);
  assert.equal((result(await call(a, 'POST', '/collections/c/points/scroll', { limit: 5 }), 'scroll no quorum') as Json as { points: unknown[] }).points.length, 5);
});
