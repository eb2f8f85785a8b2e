// Tombstones and compaction on the cluster (issue 18): points deleted, overwritten and given new
// payloads after their segment was sealed never come back (search, retrieve, count, scroll), on
// a node restarted from the sealed segments; the node that compacts is SIGKILLed mid-compaction
// (between the merged segment's upload and the manifest's compare-and-swap, held there by
// --seal-pause-ms); the other takes the leases over and compacts; replaced and orphaned objects
// are deleted, the streams purged to the manifests; results equal an exact single-node oracle.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { createIndex } from '../../src/index/api.js';
import { natsSkipReason, randomRows, sigkillChild, startClusterNode, startNatsCluster, until, type NatsCluster, type NodeChild } from './cluster-helpers.js';

const skip = natsSkipReason();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIM = 8;
let nats: NatsCluster | null = null;
const nodes: NodeChild[] = [];

after(async () => {
  // KNNKIT_CLUSTER_LOG_DIR: each node's stderr tail there (diagnosis of a failed run)
  if (process.env.KNNKIT_CLUSTER_LOG_DIR) for (const n of nodes) (await import('node:fs')).writeFileSync(join(process.env.KNNKIT_CLUSTER_LOG_DIR, `compact-${n.id}-${n.child.pid}.log`), n.err());
  for (const n of nodes) await sigkillChild(n.child);
  await nats?.stop();
});

type Json = Record<string, unknown>;
async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  return { status: r.status, json: await r.json() as Json };
}

interface Manifest { seq: number; node: string; segments: { name: string; points: number; tombstones: number }[] }

test('compaction: deletes after sealing stay deleted across a restart; a node killed mid-compaction loses nothing', { skip: skip ?? false, timeout: 300_000 }, async () => {
  nats = await startNatsCluster(3);
  // every node holds every shard (--shard-replicas 3): a node started later must load both shards' segments
  const opts = ['--replicas', '3', '--publish-deadline-ms', '20000', '--read-wait-ms', '30000', '--seal-points', '100000', '--seal-ms', '1500', '--lease-ms', '3000', '--compact-segments', '3', '--shard-replicas', '3'];
  for (const id of ['a', 'b']) nodes.push(await startClusterNode(root, id, nats.urls, [...opts, '--seal-pause-ms', '2500']));
  const [a, b] = nodes;
  assert.equal((await call(a.url, 'PUT', '/collections/s', { vectors: { size: DIM, distance: 'Euclid' }, shard_number: 2 })).status, 200);
  const nc = await connect({ servers: nats.urls, timeout: 5_000 });
  const live = new Map<number, { v: number[]; p: Json }>();
  let vseed = 40;
  try {
    const js = jetstream(nc, { timeout: 5_000 });
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const kv = await new Kvm(js).open('knnkit-meta');
    const store = await new Objm(js).open('knnkit-segments');
    const manifest = async (i: number) => { const e = await kv.get(`manifests.s.${i}`); return e && e.operation === 'PUT' ? e.json<Manifest>() : null; };
    const sealedToEnd = async () => {
      for (const i of [0, 1]) {
        const m = await manifest(i);
        const info = await jsm.streams.info(`KNNKIT_s_${i}`);
        if (!m || info.state.last_seq !== m.seq || info.state.first_seq !== m.seq + 1) return false; // sealed up to the last record, purged
      }
      return true;
    };
    const write = async (path: string, body: Json) => {
      for (let attempt = 0; attempt < 4; attempt++) {
        const alive = nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
        const r = await call(alive[attempt % alive.length].url, path.startsWith('PUT ') ? 'PUT' : 'POST', path.slice(path.indexOf(' ') + 1), body).catch(() => ({ status: 0, json: {} }));
        if (r.status === 200) return;
      }
      assert.fail(`${path} acknowledged`);
    };
    const upsert = async (ids: number[]) => {
      const rows = randomRows(ids.length, DIM, vseed++);
      await write('PUT /collections/s/points?wait=true', { points: ids.map((id, j) => ({ id, vector: rows[j], payload: { id, gen: vseed } })) });
      ids.forEach((id, j) => live.set(id, { v: rows[j], p: { id, gen: vseed } }));
    };

    // sealed: 600 points
    for (let off = 0; off < 600; off += 100) await upsert(Array.from({ length: 100 }, (_, j) => off + j));
    await until(sealedToEnd, 60_000, 'the first 600 points sealed');
    // after sealing: deletes (by ids and by filter), overwrites, payload changes
    await write('POST /collections/s/points/delete?wait=true', { points: Array.from({ length: 50 }, (_, j) => j) });
    await write('POST /collections/s/points/delete?wait=true', { filter: { must: [{ key: 'id', range: { gte: 500, lt: 520 } }] } });
    for (let id = 0; id < 50; id++) live.delete(id);
    for (let id = 500; id < 520; id++) live.delete(id);
    await upsert(Array.from({ length: 50 }, (_, j) => 50 + j));
    await write('POST /collections/s/points/payload?wait=true', { payload: { tag: 'late' }, points: Array.from({ length: 50 }, (_, j) => 100 + j) });
    for (let id = 100; id < 150; id++) live.get(id)!.p = { ...live.get(id)!.p, tag: 'late' };
    await until(sealedToEnd, 60_000, 'the changes sealed');
    const m0 = [await manifest(0), await manifest(1)];
    assert.ok(m0.every((m) => m!.segments.some((e) => e.tombstones > 0)), `tombstones sealed: ${JSON.stringify(m0)}`);

    // a node started now loads the segments (tombstones hide the sealed copies) and replays nothing
    const r = await startClusterNode(root, 'r', nats.urls, opts);
    nodes.push(r);
    await expectState(r, live, 'restarted node before compaction');
    assert.equal((r.err().match(/loaded manifest s\/\d: /g) ?? []).length, 2, r.err());
    await sigkillChild(r.child);

    // more small segments until a compaction starts; its node is SIGKILLed in the pause before the manifest
    let killed: NodeChild | null = null;
    for (let round = 0; round < 40 && !killed; round++) {
      killed = [a, b].find((n) => /compacting s\./.test(n.err())) ?? null;
      if (killed) break;
      await upsert(Array.from({ length: 10 }, (_, j) => 1000 + round * 10 + j));
      await write('POST /collections/s/points/delete?wait=true', { points: [150 + round, 1000 + round * 10] });
      live.delete(150 + round); live.delete(1000 + round * 10);
      await new Promise((res) => setTimeout(res, 1_000));
    }
    assert.ok(killed, 'a compaction started');
    await sigkillChild(killed.child);
    const count = (re: RegExp) => (killed!.err().match(re) ?? []).length;
    assert.ok(count(/compacting s\./g) > count(/compacted s\//g), 'the killed node was mid-compaction');
    const survivor = killed === a ? b : a;

    // the survivor takes the leases over, compacts, and deletes the replaced and orphaned segments
    await upsert([5000, 5001, 5002]);
    await until(async () => {
      if (!await sealedToEnd()) return false;
      const ms = [await manifest(0), await manifest(1)];
      if (ms.some((m) => !m || m.node !== survivor.id || m.segments.length > 2)) return false;
      const named = new Set(ms.flatMap((m) => m!.segments.map((e) => e.name)));
      const stored = (await store.list()).filter((o) => !o.deleted && o.name.startsWith('s.')).map((o) => o.name);
      return stored.length === named.size && stored.every((n) => named.has(n));
    }, 120_000, 'the survivor compacted both shards and the store holds only the manifests\' segments');
    assert.match(survivor.err(), /compacted s\//);
    process.stderr.write(`cluster-compact: killed ${killed.id} mid-compaction; manifests ${JSON.stringify([await manifest(0), await manifest(1)])}\n`);
  } finally {
    await nc.close();
  }

  // the survivor and a fresh node (segments only) answer as the oracle
  const survivor = nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null)!;
  await expectState(survivor, live, 'survivor');
  const c = await startClusterNode(root, 'c', nats.urls, opts);
  nodes.push(c);
  await expectState(c, live, 'fresh node after compaction');
  // GET /collections/s: the segments the fresh node loaded (the compacted manifests: 1-2 per shard)
  const info = (await call(c.url, 'GET', '/collections/s')).json.result as { segments_count: number; config: { knnkit: { segments: { sealed: number; growing: number; points: number }[] } } };
  const segs = info.config.knnkit.segments;
  assert.equal(segs.reduce((n, x) => n + x.points, 0), live.size);
  assert.ok(segs.every((x) => x.sealed >= 1 && x.sealed <= 2 && x.growing === 0), JSON.stringify(segs));
  assert.equal(info.segments_count, segs.reduce((n, x) => n + x.sealed, 0));
});

/** count, scroll, retrieval (deleted ids absent) and exact searches equal the oracle's. */
async function expectState(n: NodeChild, live: Map<number, { v: number[]; p: Json }>, what: string): Promise<void> {
  assert.equal(((await call(n.url, 'POST', '/collections/s/points/count', {})).json.result as Json).count, live.size, `${what}: count`);
  const ids: number[] = [];
  let offset: unknown = null;
  do {
    const page = (await call(n.url, 'POST', '/collections/s/points/scroll', { limit: 256, offset, with_payload: true, with_vector: true })).json.result as { points: { id: number; payload: Json; vector: number[] }[]; next_page_offset: unknown };
    for (const p of page.points) {
      ids.push(p.id);
      assert.deepEqual(p.payload, live.get(p.id)?.p, `${what}: payload of ${p.id}`);
      assert.deepEqual(p.vector, Array.from(Float32Array.from(live.get(p.id)!.v)), `${what}: vector of ${p.id}`);
    }
    offset = page.next_page_offset;
  } while (offset !== null && offset !== undefined);
  const want = [...live.keys()].sort((x, y) => x - y);
  assert.deepEqual(ids, want, `${what}: scroll`);
  const gone = (await call(n.url, 'POST', '/collections/s/points', { ids: [0, 10, 49, 505, 150, 1000].filter((id) => !live.has(id)) })).json.result as unknown[];
  assert.deepEqual(gone, [], `${what}: deleted points are not retrieved`);
  const truth = createIndex('brute', want.map((id) => live.get(id)!.v), { metric: 'euclidean' });
  for (const q of randomRows(10, DIM, 77)) {
    const exp = Array.from(truth.search([q], 10).ids).map((i) => want[i]);
    const got = (await call(n.url, 'POST', '/collections/s/points/search', { vector: q, limit: 10 })).json.result as { id: number }[];
    assert.deepEqual(got.map((h) => h.id), exp, `${what}: search`);
  }
}
