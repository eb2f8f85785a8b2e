// The cluster on NATS JetStream (issue 18, first slice): 3 nats-server processes in one
// JetStream cluster + 2 knnkit cluster nodes in this process. Skips when nats-server is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex } from '../../src/index/api.js';
import { ClusterNode } from '../../src/server/cluster/node.js';
import { decodeChange, encodeChange, shardOf } from '../../src/server/cluster/codec.js';
import { natsSkipReason, randomRows, startNatsCluster, until, type NatsCluster } from './cluster-helpers.js';

const skip = natsSkipReason();
const DIM = 8;

test('codec: a change round-trips, floats aligned; shardOf is stable and spreads keys', () => {
  const vectors = Float32Array.from({ length: 2 * DIM }, (_, i) => i / 3);
  const bytes = encodeChange({ op: 'upsert', keys: ['1', 'a-b'], payloads: [{ x: 1 }, {}], vectors });
  const back = decodeChange(bytes, 'test');
  assert.equal(back.op, 'upsert');
  if (back.op !== 'upsert') return;
  assert.deepEqual(back.keys, ['1', 'a-b']);
  assert.deepEqual(back.payloads, [{ x: 1 }, {}]);
  assert.deepEqual(Array.from(back.vectors), Array.from(vectors));
  assert.deepEqual(decodeChange(encodeChange({ op: 'delete', keys: ['7'] }), 't'), { op: 'delete', keys: ['7'] });
  assert.throws(() => decodeChange(new Uint8Array([200, 0, 0, 0, 1]), 'short'), /overruns/);
  assert.equal(shardOf('12345', 4), shardOf('12345', 4));
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[shardOf(String(i), 4)]++;
  for (const c of counts) assert.ok(c > 800 && c < 1200, `shard sizes ${counts}`);
});

let nats: NatsCluster | null = null;
const nodes: ClusterNode[] = [];

before(async () => {
  if (skip) return;
  nats = await startNatsCluster(3);
});
after(async () => {
  for (const n of nodes) await n.close().catch(() => undefined);
  await nats?.stop();
});

test('3 NATS servers, 2 nodes: acknowledged upserts survive a SIGKILLed server; a node alone answers as a single index', { skip: skip ?? false, timeout: 240_000 }, async () => {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const a = await ClusterNode.start({ servers: nats!.urls, nodeId: 'a', replicas: 3, readWaitMs: 30_000, log });
  nodes.push(a);
  // node b knows only two servers: the first (killed below) and the second
  const b = await ClusterNode.start({ servers: [nats!.urls[0], nats!.urls[1]], nodeId: 'b', replicas: 3, readWaitMs: 30_000, log });
  nodes.push(b);
  // in-process nodes keep liveness leases too (no HTTP address: in the live set, never assigned shards)
  await a.membership.refresh();
  assert.deepEqual([...a.membership.live.keys()].sort(), ['a', 'b']);
  assert.equal(a.membership.live.get('b')!.url, null);
  await a.createCollection({ name: 'pts', size: DIM, distance: 'Euclid', shards: 4 });
  await assert.rejects(b.createCollection({ name: 'pts', size: DIM, distance: 'Euclid', shards: 4 }), /already exists/);
  await assert.rejects(a.createCollection({ name: 'bad.name', size: DIM, distance: 'Euclid' }), /collection name/);

  const N = 2000, BATCH = 100;
  const rows = randomRows(N, DIM, 7);
  const acked = new Set<number>();
  for (let off = 0; off < N; off += BATCH) {
    if (off === N / 2) await nats!.kill(0); // halfway: SIGKILL the server both nodes know first
    const node = (off / BATCH) % 2 === 0 ? a : b; // alternate nodes
    const pts = rows.slice(off, off + BATCH).map((v, j) => ({ id: off + j, vector: v, payload: { i: off + j } }));
    await node.upsert('pts', pts);
    for (const p of pts) acked.add(p.id);
  }
  assert.equal(acked.size, N);
  // an upsert of an existing id replaces it; a delete removes
  rows[5] = rows[5].map((x) => -x);
  const seqs = await a.upsert('pts', [{ id: 5, vector: rows[5], payload: { i: 5, replaced: true } }]);
  await b.deletePoints('pts', [6]);
  assert.equal(Object.keys(seqs).length, 1);

  // read-your-writes on the other node: waits until it applied the acknowledged sequence
  assert.deepEqual((await b.retrieve('pts', 5, { after: seqs }))?.payload, { i: 5, replaced: true });
  assert.equal(await a.count('pts'), N - 1);
  assert.equal(await b.count('pts'), N - 1);
  for (const id of [0, 999, 1000, 1999]) {
    const p = await b.retrieve('pts', id);
    assert.deepEqual(p?.payload, { i: id });
    assert.deepEqual(p?.vector, Array.from(Float32Array.from(rows[id])));
  }
  assert.equal(await a.retrieve('pts', 6), null);

  // exact search equals one brute-force index over the same live points
  const live = rows.map((v, i) => ({ v, i })).filter((x) => x.i !== 6);
  const single = createIndex('brute', live.map((x) => x.v), { metric: 'euclidean', ids: live.map((x) => x.i) });
  const queries = randomRows(20, DIM, 99);
  for (const q of queries) {
    const want = single.search([q], 10);
    for (const node of [a, b]) {
      const got = await node.search('pts', q, 10);
      assert.deepEqual(got.map((h) => Number(h.key)), Array.from(want.ids.slice(0, 10)));
      got.forEach((h, j) => assert.ok(Math.abs(h.score - want.distances[j]) < 1e-4));
    }
  }

  // a node goes away (closed): the other still answers, and a fresh node rebuilds from the streams
  await a.close();
  const q = queries[0];
  const fromB = await b.search('pts', q, 10);
  const c = await ClusterNode.start({ servers: nats!.urls.slice(1), nodeId: 'c', replicas: 3, log });
  nodes.push(c);
  assert.equal(await c.count('pts'), N - 1);
  assert.deepEqual(await c.search('pts', q, 10), fromB);

  // the killed server comes back and catches up; writes continue
  await nats!.restart(0);
  await c.upsert('pts', [{ id: 5000, vector: rows[0], payload: {} }]);
  assert.equal(await b.count('pts'), N);

  // deletion through one node: the others detach (their watch of the bucket), the streams go
  assert.deepEqual(await b.listCollections(), ['pts']);
  assert.equal(await c.deleteCollection('pts'), true);
  assert.equal(await c.deleteCollection('pts'), false);
  await until(async () => b.search('pts', q, 1).then(() => false, (e) => /doesn't exist/.test(String(e))), 20_000, 'node b to detach the deleted collection');
  await assert.rejects(c.jsm.streams.info('KNNKIT_pts_0'), /stream not found/);
  // (bounded wait: right after a server restart a node's listing can lag the deletion briefly, seen once under load)
  await until(async () => (await b.listCollections()).length === 0, 10_000, 'node b to list no collection');
});

test('HNSW shards: recall@10 of the cluster within 0.01 of one HNSW index over the same points', { skip: skip ?? false, timeout: 120_000 }, async () => {
  const node = await ClusterNode.start({ servers: nats!.urls, nodeId: 'ann', replicas: 3, readWaitMs: 30_000 });
  nodes.push(node);
  await node.createCollection({ name: 'ann', size: 16, distance: 'Cosine', shards: 3, family: 'hnsw' });
  const N = 3000;
  const rows = randomRows(N, 16, 21);
  for (let off = 0; off < N; off += 500) await node.upsert('ann', rows.slice(off, off + 500).map((v, j) => ({ id: off + j, vector: v })));
  const exact = createIndex('brute', rows, { metric: 'cosine' });
  const single = createIndex('hnsw', rows, { metric: 'cosine' });
  const queries = randomRows(100, 16, 22);
  let hitCluster = 0, hitSingle = 0;
  for (const q of queries) {
    const truth = new Set(Array.from(exact.search([q], 10).ids));
    for (const id of single.search([q], 10).ids) if (truth.has(id)) hitSingle++;
    for (const h of await node.search('ann', q, 10)) if (truth.has(Number(h.key))) hitCluster++;
  }
  const rc = hitCluster / 1000, rs = hitSingle / 1000;
  process.stderr.write(`HNSW recall@10: cluster (3 shards) ${rc.toFixed(3)}, single index ${rs.toFixed(3)}\n`);
  assert.ok(rc >= rs - 0.01, `cluster recall ${rc} vs single ${rs}`);
  assert.ok(rc > 0.8, `cluster recall ${rc}`);
});
