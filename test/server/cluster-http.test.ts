// The cluster through the Qdrant REST API (issue 18, first slice): 3 nats-server processes in
// one JetStream cluster, 3 knnkit cluster nodes as child processes (`knnkit serve --cluster`),
// the official Qdrant client, an HNSW collection of 4 shards.
// Mid-ingest the NATS server leading a shard's stream and the knnkit node holding a shard's
// sealer lease (after it sealed) are SIGKILLed, then both restarted; every acknowledged point
// must be there, exact searches (params.exact) must equal a single-node server's brute-force
// collection, ANN recall@10 of the points ingested under the faults within 0.01 of a single
// server's HNSW collection; with two NATS servers down writes get a 503 and reads are served.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { QdrantClient } from '@qdrant/js-client-rest';
import { natsSkipReason, randomRows, startNatsCluster, until, type NatsCluster } from './cluster-helpers.js';
import { startServer, tempDir, client as singleClient } from './helpers.js';
import { createIndex } from '../../src/index/api.js';

const skip = natsSkipReason();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIM = 12;
/** Points ingested (KNNKIT_CLUSTER_N; default 3,000 for CI, the full proof is 50,000). */
const N = Number(process.env.KNNKIT_CLUSTER_N ?? 3000);

interface NodeProc { child: ChildProcess; url: string; client: QdrantClient; err: () => string }
const children: ChildProcess[] = [];
let nats: NatsCluster | null = null;
const cleanups: (() => Promise<void> | void)[] = [];

const procs: NodeProc[] = [];
after(async () => {
  // KNNKIT_CLUSTER_LOG_DIR: each node's stderr tail there (diagnosis of a failed run)
  if (process.env.KNNKIT_CLUSTER_LOG_DIR) for (const [i, p] of procs.entries()) (await import('node:fs')).writeFileSync(join(process.env.KNNKIT_CLUSTER_LOG_DIR, `node-${i}.log`), p.err());
  for (const c of children) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGKILL'); await new Promise((r) => c.once('exit', r)); }
  for (const f of cleanups) await f();
  await nats?.stop();
});

function startNode(id: string, urls: string[], timeoutMs = 60_000): Promise<NodeProc> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/server/serve-child.ts'),
    '--cluster', urls.join(','), '--node-id', id, '--port', '0', '--replicas', '3', '--publish-deadline-ms', '15000', '--read-wait-ms', '30000',
    // seals during the ingest (the node killed at batch 15 is one that holds a sealer lease and
    // has sealed), purges under the followers
    '--seal-points', String(Math.max(200, Math.floor(N / 12))), '--seal-ms', '3000', '--lease-ms', '4000'],
  { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '', err = '';
  child.stderr!.on('data', (d) => { err = (err + d).slice(-200_000); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`node ${id} did not start in ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); const p = { child, url: m[1], client: new QdrantClient({ url: m[1], checkCompatibility: false }), err: () => err }; procs.push(p); resolve(p); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`node ${id} exited with ${code}: ${err}`)); });
  });
}

async function sigkill(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  c.kill('SIGKILL');
  await new Promise((r) => c.once('exit', r));
}

/** The cluster's metadata bucket (src/server/cluster/node.ts META_BUCKET). */
const META_BUCKET = 'knnkit-meta';

/**
 * The shard sealer leases of a collection still unexpired now (`leases.<collection>.<shard>`,
 * src/server/cluster/sealer.ts Segments.lease): shard -> the node id holding it.
 */
async function sealerLeases(urls: string[], coll: string, shards: number): Promise<Map<number, string>> {
  const nc = await connect({ servers: urls, timeout: 5_000 });
  try {
    const kv = await new Kvm(jetstream(nc, { timeout: 5_000 })).open(META_BUCKET);
    const out = new Map<number, string>();
    for (let s = 0; s < shards; s++) {
      const e = await kv.get(`leases.${coll}.${s}`);
      if (!e || e.operation !== 'PUT') continue;
      const l = e.json<{ node: string; until: number }>();
      if (l.until > Date.now()) out.set(s, l.node);
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** A shard's manifest as the metadata bucket holds it (null: none yet). */
async function manifestOf(urls: string[], coll: string, shard: number): Promise<{ seq: number; node: string } | null> {
  const nc = await connect({ servers: urls, timeout: 5_000 });
  try {
    const kv = await new Kvm(jetstream(nc, { timeout: 5_000 })).open(META_BUCKET);
    const e = await kv.get(`manifests.${coll}.${shard}`);
    return e && e.operation === 'PUT' ? e.json<{ seq: number; node: string }>() : null;
  } finally {
    await nc.close();
  }
}

/** Shards a node's log says it sealed (`sealed <coll>.<incarnation>.<shard>.<to>; manifest ...`). */
function sealedShards(log: string, coll: string): Set<number> {
  return new Set([...log.matchAll(new RegExp(`sealed ${coll}\\.\\d+\\.(\\d+)\\.\\d+; manifest`, 'g'))].map((m) => Number(m[1])));
}

/** The server name leading a stream's replicas (asked through a connection of its own). */
async function streamLeader(urls: string[], stream: string): Promise<string> {
  const nc = await connect({ servers: urls, timeout: 5_000 });
  try {
    const info = await (await jetstreamManager(nc, { timeout: 5_000 })).streams.info(stream);
    return info.cluster?.leader ?? '';
  } finally {
    await nc.close();
  }
}

test('cluster REST API: SIGKILL of a stream leader and of a sealing knnkit node mid-ingest, no acknowledged write lost, exact answers equal a single node, ANN recall within 0.01', { skip: skip ?? false, timeout: 300_000 + N * 20 }, async () => {
  nats = await startNatsCluster(3);
  const ids = ['a', 'b', 'c'];
  const nodes: (NodeProc | null)[] = [await startNode('a', nats.urls), await startNode('b', nats.urls), await startNode('c', nats.urls)];
  // an HNSW collection (the points ingested under the faults are the ones searched, exactly and approximately)
  const SHARDS = 4, HNSW = { index: 'hnsw' };
  await nodes[0]!.client.createCollection('docs', { vectors: { size: DIM, distance: 'Euclid' }, shard_number: SHARDS, knnkit: HNSW } as never);
  await assert.rejects(nodes[1]!.client.createCollection('docs', { vectors: { size: DIM, distance: 'Euclid' } }), (e: { status?: number }) => e.status === 400);

  const BATCH = N >= 20_000 ? 500 : 100, batches = Math.ceil(N / BATCH);
  const rows = randomRows(N, DIM, 11);
  const acked = new Set<number>();
  let killedNats = -1, retried = 0;
  /** The knnkit node killed at batch 15: one holding a shard's sealer lease, after it sealed. */
  let victim = -1, victimShard = -1, victimId = '';
  let victimManifest = null as { seq: number; node: string } | null;
  for (let b = 0; b < batches; b++) {
    if (b === 8) {
      // the server leading shard 0's stream
      const leader = await streamLeader(nats.urls, 'KNNKIT_docs_0');
      killedNats = nats.servers.findIndex((s) => s.name === leader);
      assert.ok(killedNats >= 0, `leader ${leader}`);
      await nats.kill(killedNats);
    }
    let dying: Promise<void> | null = null;
    if (b === 15) {
      // the victim: a node that holds a shard's sealer lease now and has sealed that shard (the
      // leases are renewed every tick: wait, bounded, until some holder's log shows its seal; a
      // read the bucket does not answer in the failover of the killed NATS server is retried)
      let held = new Map<number, string>();
      await until(async () => {
        try {
          held = await sealerLeases(nats!.urls, 'docs', SHARDS);
          for (const [shard, id] of held) {
            const i = ids.indexOf(id);
            if (i < 0 || !nodes[i] || !sealedShards(nodes[i]!.err(), 'docs').has(shard)) continue;
            victimManifest = await manifestOf(nats!.urls, 'docs', shard);
            victim = i; victimShard = shard; victimId = id;
            return true;
          }
        } catch { /* asked again */ }
        return false;
      }, 60_000, 'a node holding a sealer lease of docs that has sealed that shard');
      assert.ok(victimManifest && victimManifest.seq > 0, 'the shard had a manifest before the kill');
      process.stderr.write(`cluster-http: batch ${b}: killing node ${ids[victim]}, sealer of docs/${victimShard} (leases ${JSON.stringify([...held])}; manifest at sequence ${victimManifest.seq} by ${victimManifest.node})\n`);
      // it dies while it handles this batch's upsert (sent to it first below): the client sees
      // the request fail (not acknowledged) and sends it to the next node
      const v = nodes[victim]!;
      // (stopped first so the request is surely in flight, unanswered, when the SIGKILL lands)
      v.child.kill('SIGSTOP');
      dying = new Promise((r) => setTimeout(r, 300)).then(() => sigkill(v.child));
    }
    if (b === 22) {
      await nats.restart(killedNats);
      ids[victim] = `${ids[victim]}2`;
      nodes[victim] = await startNode(ids[victim], nats.urls); // a fresh node rebuilds from the streams
    }
    const points = rows.slice(b * BATCH, (b + 1) * BATCH).map((v, j) => ({ id: b * BATCH + j, vector: v, payload: { n: b * BATCH + j, tag: `t${(b * BATCH + j) % 7}` } }));
    // round-robin over the nodes (batch 15 first to the victim); a request a node fails goes to
    // the next (an upsert is idempotent)
    const first = b === 15 ? victim : b % 3;
    let done = false;
    for (let attempt = 0; attempt < 4 && !done; attempt++) {
      const alive = [0, 1, 2].map((i) => nodes[(first + i) % 3]).filter((n): n is NodeProc => n !== null);
      const node = alive[attempt % alive.length];
      try {
        const r = await node.client.upsert('docs', { wait: true, points });
        assert.equal(r.status, 'completed');
        done = true;
      } catch (e) {
        retried++;
        if (attempt === 3) throw e;
      }
    }
    for (const p of points) acked.add(p.id);
    if (dying) { await dying; nodes[victim] = null; }
  }
  assert.equal(acked.size, N);
  assert.ok(retried >= 1, 'the request in flight on the killed node was retried');
  // the killed sealer's shard is sealed on by another node: its manifest advances, written by a live node
  let later: { seq: number; node: string } | null = null;
  await until(async () => { later = await manifestOf(nats!.urls, 'docs', victimShard).catch(() => null); return later !== null && later.seq > victimManifest!.seq && later.node !== victimId; }, 60_000, `a live node to seal docs/${victimShard} after ${victimId}'s death`);
  process.stderr.write(`cluster-http: docs/${victimShard} manifest after the kill at sequence ${later!.seq} by ${later!.node}\n`);

  // every acknowledged point, on every node, with its payload
  for (const node of nodes) {
    assert.equal((await node!.client.count('docs', {})).count, N);
    for (let off = 0; off < N; off += 500) {
      const ids = Array.from({ length: 500 }, (_, j) => off + j);
      const got = await node!.client.retrieve('docs', { ids, with_payload: true, with_vector: off === 0 });
      assert.equal(got.length, 500);
      for (const p of got) assert.deepEqual(p.payload, { n: p.id, tag: `t${(p.id as number) % 7}` });
      if (off === 0) assert.deepEqual(got.find((p) => p.id === 3)!.vector, Array.from(Float32Array.from(rows[3])));
    }
  }

  // a single-node server holding the same points: brute force (exact answers) and HNSW with the
  // cluster's options (ANN recall)
  const dir = tempDir('knnkit-cluster-single-');
  cleanups.push(() => dir.remove());
  const single = await startServer({ dataDir: dir.dir });
  cleanups.push(() => single.server.close());
  const sc = singleClient(single.url);
  for (const [name, knnkit] of [['docs', { index: 'brute' }], ['hnsw', HNSW]] as const) {
    await sc.createCollection(name, { vectors: { size: DIM, distance: 'Euclid' }, knnkit } as never);
    for (let off = 0; off < N; off += 500) await sc.upsert(name, { wait: true, points: rows.slice(off, off + 500).map((v, j) => ({ id: off + j, vector: v, payload: { n: off + j, tag: `t${(off + j) % 7}` } })) });
  }
  // exact search (Qdrant's params.exact: the HNSW shards' segments scanned) equals brute force's
  const exact = { exact: true };
  const queries = randomRows(15, DIM, 5);
  for (const q of queries) {
    const want = await sc.search('docs', { vector: q, limit: 10 });
    for (const node of nodes) {
      const got = await node!.client.search('docs', { vector: q, limit: 10, params: exact });
      assert.deepEqual(got.map((h) => h.id), want.map((h) => h.id));
      got.forEach((h, j) => assert.ok(Math.abs(h.score - want[j].score) < 1e-4, `${h.score} vs ${want[j].score}`));
    }
  }
  // filters (the single server's filter language, tested on each shard's payloads inside the search)
  const filter = { must: [{ key: 'tag', match: { any: ['t3', 't5'] } }], must_not: [{ key: 'n', range: { lt: 500 } }] };
  for (const q of queries.slice(0, 5)) {
    const want = await sc.search('docs', { vector: q, limit: 10, filter, with_payload: true });
    assert.equal(want.length, 10);
    for (const node of nodes) {
      const got = await node!.client.search('docs', { vector: q, limit: 10, filter, with_payload: true, params: exact });
      assert.deepEqual(got.map((h) => [h.id, h.payload]), want.map((h) => [h.id, h.payload]));
    }
  }
  const wantCount = (await sc.count('docs', { filter, exact: true })).count;
  assert.ok(wantCount > 0);
  for (const node of nodes) assert.equal((await node!.client.count('docs', { filter })).count, wantCount);

  // ANN (default search, no params): recall@10 of the cluster's HNSW shards against brute-force
  // truth within 0.01 of the single server's HNSW collection over the same points
  const truth = createIndex('brute', rows, { metric: 'euclidean' });
  let hitCluster = 0, hitSingle = 0;
  const annQ = randomRows(100, DIM, 77);
  for (const [i, q] of annQ.entries()) {
    const want = new Set(Array.from(truth.search([q], 10).ids));
    for (const h of await nodes[i % 3]!.client.search('docs', { vector: q, limit: 10 })) if (want.has(h.id as number)) hitCluster++;
    for (const h of await sc.search('hnsw', { vector: q, limit: 10 })) if (want.has(h.id as number)) hitSingle++;
  }
  const rc = hitCluster / (annQ.length * 10), rs = hitSingle / (annQ.length * 10);
  process.stderr.write(`cluster-http: HNSW recall@10 over the ${N} fault-ingested points, ${annQ.length} queries: cluster (${SHARDS} shards) ${rc.toFixed(3)}, single server ${rs.toFixed(3)}\n`);
  assert.ok(rc >= rs - 0.01, `cluster recall ${rc} vs single ${rs}`);

  // collections listed and deleted through any node
  await nodes[0]!.client.createCollection('tmp', { vectors: { size: 2, distance: 'Dot' } });
  await nodes[1]!.client.upsert('tmp', { wait: true, points: [{ id: 1, vector: [1, 0] }] });
  assert.deepEqual((await nodes[2]!.client.getCollections()).collections.map((c) => c.name), ['docs', 'tmp']);
  assert.equal(await nodes[2]!.client.deleteCollection('tmp'), true);
  // node 1 attached it (it took the upsert): it detaches when its watch of the bucket sees the deletion
  await until(() => nodes[1]!.client.getCollection('tmp').then(() => false, (e: { status?: number }) => e.status === 404), 20_000, 'node 1 to detach tmp');
  await assert.rejects(nodes[0]!.client.getCollection('tmp'), (e: { status?: number }) => e.status === 404);

  // two of three NATS servers down: no quorum, writes 503, reads still served from memory
  await nats.kill(0);
  await nats.kill(1); // server 3 alone: no JetStream quorum
  const t0 = Date.now();
  await assert.rejects(nodes[1]!.client.upsert('docs', { wait: true, points: [{ id: 99999, vector: rows[0], payload: {} }] }), (e: { status?: number }) => e.status === 503);
  assert.ok(Date.now() - t0 < 60_000);
  const q = queries[0];
  const want = await sc.search('docs', { vector: q, limit: 5 });
  const got = await nodes[0]!.client.search('docs', { vector: q, limit: 5, params: exact });
  assert.deepEqual(got.map((h) => h.id), want.map((h) => h.id));
  assert.equal((await nodes[2]!.client.count('docs', {})).count, N); // a strong read falls back to what the node has
  const seals = nodes.map((n) => (n!.err().match(/sealed docs(\.\d+){3}; manifest/g) ?? []).length);
  const loads = nodes.map((n) => (n!.err().match(/loaded manifest docs\//g) ?? []).length);
  process.stderr.write(`cluster-http: N=${N}; ${retried} upsert requests retried on the other node; seals per live node (${ids.join(',')}) ${seals.join(',')}, segment loads ${loads.join(',')}\n`);
});
