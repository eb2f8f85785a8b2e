// Sealed segments (issue 18): per shard a sealer elected by a compare-and-swap lease seals the
// shard into the JetStream object store and advances the manifest; the stream is purged below
// it; a fresh node loads the segments and replays only the tail. The node that seals first is
// SIGKILLed mid-seal (between upload and manifest, held there by --seal-pause-ms): the other
// node takes the lease over after its TTL, seals, and no acknowledged point is lost.
// Size: KNNKIT_CLUSTER_SEAL_N points (default 1,500; CI), 2 shards, 2 nodes + a fresh third.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { createIndex } from '../../src/index/api.js';
import { natsSkipReason, randomRows, sigkillChild, startClusterNode, startNatsCluster, until, type NatsCluster, type NodeChild } from './cluster-helpers.js';

const skip = natsSkipReason();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIM = 8;
const N = Number(process.env.KNNKIT_CLUSTER_SEAL_N ?? 1500);
let nats: NatsCluster | null = null;
const nodes: NodeChild[] = [];

after(async () => {
  for (const n of nodes) await sigkillChild(n.child);
  await nats?.stop();
});

type Json = Record<string, unknown>;
async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  return { status: r.status, json: await r.json() as Json };
}

test('sealed segments: a sealer killed mid-seal loses nothing; manifests advance, streams are purged, a fresh node loads segments', { skip: skip ?? false, timeout: 300_000 }, async () => {
  nats = await startNatsCluster(3);
  const seal = ['--replicas', '3', '--publish-deadline-ms', '20000', '--read-wait-ms', '30000', '--seal-points', String(Math.max(100, Math.floor(N / 6))), '--seal-ms', '2000', '--lease-ms', '3000'];
  // both first nodes pause 4 s inside each seal, so the SIGKILL below lands mid-seal
  for (const id of ['a', 'b']) nodes.push(await startClusterNode(root, id, nats.urls, [...seal, '--seal-pause-ms', '4000']));
  const [a, b] = nodes;
  assert.equal((await call(a.url, 'PUT', '/collections/s', { vectors: { size: DIM, distance: 'Euclid' }, shard_number: 2 })).status, 200);

  const rows = randomRows(N, DIM, 31);
  const BATCH = 50;
  let killed: NodeChild | null = null;
  for (let off = 0; off < N; off += BATCH) {
    if (!killed) {
      const sealing = nodes.find((n) => /sealing s(\.\d+){3}:/.test(n.err()));
      if (sealing) { await sigkillChild(sealing.child); killed = sealing; }
    }
    const points = rows.slice(off, off + BATCH).map((v, j) => ({ id: off + j, vector: v, payload: { n: off + j } }));
    const alive = nodes.filter((n) => n !== killed);
    let done = false;
    for (let attempt = 0; attempt < 4 && !done; attempt++) {
      const r = await call(alive[(off / BATCH + attempt) % alive.length].url, 'PUT', '/collections/s/points?wait=true', { points }).catch(() => ({ status: 0, json: {} }));
      done = r.status === 200;
    }
    assert.ok(done, `batch at ${off} acknowledged`);
  }
  if (!killed) {
    // no seal started during the ingest (a fast machine): wait for one and kill it mid-seal
    await until(() => nodes.some((n) => /sealing s(\.\d+){3}:/.test(n.err())), 60_000, 'a seal to start');
    killed = nodes.find((n) => /sealing s(\.\d+){3}:/.test(n.err()))!;
    await sigkillChild(killed.child);
  }
  const survivor = killed === a ? b : a;
  assert.doesNotMatch(killed.err(), /sealed s(\.\d+){3}; manifest/, 'the killed node was mid-seal (no manifest advanced by it)');

  // the survivor takes the leases over and seals both shards; the streams are purged below the manifests
  const nc = await connect({ servers: nats.urls, timeout: 5_000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const kv = await new Kvm(jetstream(nc, { timeout: 5_000 })).open('knnkit-meta');
    const manifest = async (i: number) => { const e = await kv.get(`manifests.s.${i}`); return e && e.operation === 'PUT' ? e.json<{ seq: number; node: string; segment: string }>() : null; };
    await until(async () => {
      for (const i of [0, 1]) {
        const m = await manifest(i);
        const info = await jsm.streams.info(`KNNKIT_s_${i}`);
        if (!m || info.state.first_seq !== m.seq + 1 || info.state.last_seq !== m.seq) return false; // sealed up to the last record, purged
      }
      return true;
    }, 90_000, 'both shards sealed to their last record and purged');
    for (const i of [0, 1]) assert.equal((await manifest(i))!.node, survivor.id);
    process.stderr.write(`cluster-seal: killed ${killed.id} mid-seal; manifests ${JSON.stringify([await manifest(0), await manifest(1)])}\n`);
  } finally {
    await nc.close();
  }

  // a fresh node: loads both segments, nothing to replay; then a write after the seal is replayed normally
  const c = await startClusterNode(root, 'c', nats.urls, seal);
  nodes.push(c);
  assert.equal((await call(c.url, 'POST', '/collections/s/points/count', {})).json.result && ((await call(c.url, 'POST', '/collections/s/points/count', {})).json.result as Json).count, N);
  assert.equal((c.err().match(/loaded manifest s\/\d: /g) ?? []).length, 2, c.err());
  assert.equal((await call(survivor.url, 'PUT', '/collections/s/points?wait=true', { points: [{ id: N, vector: rows[0], payload: { n: N } }] })).status, 200);
  for (const n of [survivor, c]) {
    assert.equal(((await call(n.url, 'POST', '/collections/s/points/count', {})).json.result as Json).count, N + 1);
    for (let off = 0; off <= N; off += 500) {
      const ids = Array.from({ length: Math.min(500, N + 1 - off) }, (_, j) => off + j);
      const got = (await call(n.url, 'POST', '/collections/s/points', { ids, with_payload: true, with_vector: true })).json.result as { id: number; payload: Json; vector: number[] }[];
      assert.equal(got.length, ids.length);
      for (const p of got) {
        assert.deepEqual(p.payload, { n: p.id });
        assert.deepEqual(p.vector, Array.from(Float32Array.from(rows[p.id === N ? 0 : p.id])));
      }
    }
  }
  // exact search equals one brute-force index over the same points
  const all = [...rows, rows[0]];
  const truth = createIndex('brute', all, { metric: 'euclidean' });
  for (const q of randomRows(10, DIM, 32)) {
    const want = Array.from(truth.search([q], 10).ids);
    for (const n of [survivor, c]) {
      const got = (await call(n.url, 'POST', '/collections/s/points/search', { vector: q, limit: 10 })).json.result as { id: number }[];
      assert.deepEqual(got.map((h) => h.id), want);
    }
  }
});
