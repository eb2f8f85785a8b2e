// Node liveness leases, shard assignment with replicas and scatter over the network (issue 18):
// 3 nats-servers, 3 `knnkit serve --cluster` child processes with --shard-replicas 2 and a 3 s
// lease, a collection of 4 shards. Each node holds exactly the shards rendezvous hashing assigns
// it (fewer than all) and answers every search as the single-node server does, asking the other
// nodes for the shards it does not hold. A node SIGKILLed: searches keep equal answers (fail-over
// to the other replica at once), its lease expires and its shards move to the survivors; writes
// acknowledged before and after are all retrievable. The node restarted under the same id takes
// its lease over. A node hung (SIGSTOP) is no longer asked once its lease expires, and takes its
// shards back when it resumes. Two nodes SIGKILLed at once: a shard with no live replica is a 503 naming it,
// never a partial answer, until the survivor takes the shards over. Loopback only; every process
// started here is stopped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { natsSkipReason, randomRows, sigkillChild, startClusterNode, startNatsCluster, until, type NatsCluster, type NodeChild } from './cluster-helpers.js';
import { startServer, tempDir } from './helpers.js';
import { replicasOf } from '../../src/server/cluster/assignment.js';

const skip = natsSkipReason();
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIM = 8;
const SHARDS = 4;
const LEASE_MS = 3_000;
let nats: NatsCluster | null = null;
const nodes: NodeChild[] = [];
const cleanups: (() => Promise<void> | void)[] = [];

after(async () => {
  if (process.env.KNNKIT_CLUSTER_LOG_DIR) for (const n of nodes) (await import('node:fs')).writeFileSync(join(process.env.KNNKIT_CLUSTER_LOG_DIR, `nodes-${n.id}-${n.child.pid}.log`), n.err());
  for (const n of nodes) await sigkillChild(n.child);
  for (const f of cleanups.reverse()) await f();
  await nats?.stop();
});

type Json = Record<string, unknown>;
async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const r = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  return { status: r.status, json: await r.json() as Json };
}
const result = (r: { status: number; json: Json }, what: string): unknown => {
  assert.equal(r.status, 200, `${what}: ${JSON.stringify(r.json)}`);
  return r.json.result;
};

interface Held { shard: number; ready: boolean; assigned: boolean }
/** The shards a node holds (GET /collections/{name}, config.knnkit.held); [] while it cannot count (a shard with no live replica: 503). */
const heldOf = async (n: NodeChild, coll: string): Promise<Held[]> => {
  const r = await call(n.url, 'GET', `/collections/${coll}?consistency=eventual`);
  if (r.status === 503) return [];
  return ((result(r, `info ${n.id}`) as Json).config as { knnkit: { held: Held[] } }).knnkit.held;
};
const liveOf = async (n: NodeChild): Promise<string[]> => ((result(await call(n.url, 'GET', '/cluster'), `cluster ${n.id}`) as Json).knnkit as { live_nodes: { id: string }[] }).live_nodes.map((l) => l.id);

test('cluster nodes: liveness leases, 4 shards on 3 nodes with 2 replicas each, scatter, a node SIGKILLed and its shards reassigned', { skip: skip ?? false, timeout: 240_000 }, async () => {
  // a collection name whose 4 shards do not all land on one node (rendezvous over a, b, c, R 2)
  const ids = ['a', 'b', 'c'];
  const coll = ['docs', 'docs1', 'docs2', 'docs3', 'docs4'].find((c) => ids.every((id) => [0, 1, 2, 3].filter((s) => replicasOf(c, s, ids, 2).includes(id)).length < SHARDS))!;
  assert.ok(coll);
  nats = await startNatsCluster(3);
  const opts = ['--replicas', '3', '--shard-replicas', '2', '--lease-ms', String(LEASE_MS), '--read-wait-ms', '20000', '--seal-points', '400', '--seal-ms', '2000'];
  for (const id of ids) nodes.push(await startClusterNode(root, id, nats.urls, opts));
  const byId = (id: string) => nodes.filter((n) => n.id === id).at(-1)!;
  await until(async () => (await Promise.all(nodes.map(liveOf))).every((l) => l.join() === 'a,b,c'), 20_000, 'every node to see 3 live nodes');

  const dir = tempDir('knnkit-cluster-nodes-');
  cleanups.push(() => dir.remove());
  const single = await startServer({ dataDir: dir.dir });
  cleanups.push(() => single.server.close());
  const s = single.url;
  result(await call(nodes[0].url, 'PUT', `/collections/${coll}`, { vectors: { size: DIM, distance: 'Euclid' }, shard_number: SHARDS }), 'create');
  result(await call(s, 'PUT', `/collections/${coll}`, { vectors: { size: DIM, distance: 'Euclid' }, knnkit: { index: 'brute' } }), 'create single');

  const rows = randomRows(2600, DIM, 21);
  const acked = new Set<number>();
  let next = 0;
  /** Upserts `n` points round-robin over `to` (the next node when one fails) and on the single server. */
  const ingest = async (n: number, to: NodeChild[]) => {
    for (let end = next + n, b = 0; next < end; b++) {
      const points = rows.slice(next, next + 100).map((v, j) => ({ id: next + j, vector: v, payload: { n: next + j, tag: `t${(next + j) % 5}` } }));
      let ok = false;
      for (let t = 0; t < to.length * 2 && !ok; t++) ok = (await call(to[(b + t) % to.length].url, 'PUT', `/collections/${coll}/points?wait=true`, { points }).catch(() => ({ status: 0 }))).status === 200;
      assert.ok(ok, `batch at ${next} acknowledged by some node`);
      result(await call(s, 'PUT', `/collections/${coll}/points?wait=true`, { points }), 'upsert single');
      for (const p of points) acked.add(p.id);
      next += points.length;
    }
  };
  const queries = randomRows(10, DIM, 8);
  const filter = { must: [{ key: 'tag', match: { any: ['t1', 't3'] } }] };
  /** On every node given: count, every acknowledged point with its payload, 10 searches (one filtered) equal the single server's. */
  const checkAll = async (on: NodeChild[], what: string) => {
    for (const node of on) {
      assert.equal((result(await call(node.url, 'POST', `/collections/${coll}/points/count`, {}), `${what} count ${node.id}`) as Json).count, acked.size, `${what}: count on ${node.id}`);
      const all = [...acked];
      for (let off = 0; off < all.length; off += 500) {
        const got = result(await call(node.url, 'POST', `/collections/${coll}/points`, { ids: all.slice(off, off + 500), with_payload: true }), `${what} retrieve ${node.id}`) as { id: number; payload: Json }[];
        assert.equal(got.length, Math.min(500, all.length - off), `${what}: retrieve on ${node.id}`);
        for (const p of got) assert.deepEqual(p.payload, { n: p.id, tag: `t${p.id % 5}` });
      }
      for (const [i, q] of queries.entries()) {
        const body = { vector: q, limit: 10, with_payload: true, ...(i === 0 ? { filter } : {}) };
        const want = result(await call(s, 'POST', `/collections/${coll}/points/search`, body), 'single search');
        assert.deepEqual(result(await call(node.url, 'POST', `/collections/${coll}/points/search`, body), `${what} search ${node.id}`), want, `${what}: search ${i} on ${node.id}`);
      }
    }
  };

  await ingest(1200, nodes);
  // each node holds caught up exactly its assigned shards, fewer than all of them
  await until(async () => {
    for (const n of nodes) {
      const want = [0, 1, 2, 3].filter((sh) => replicasOf(coll, sh, ids, 2).includes(n.id));
      const held = await heldOf(n, coll);
      if (held.map((h) => `${h.shard}${h.ready}`).join() !== want.map((sh) => `${sh}true`).join()) return false;
    }
    return true;
  }, 30_000, 'each node to hold exactly its assigned shards');
  for (const n of nodes) assert.ok((await heldOf(n, coll)).length < SHARDS, `node ${n.id} holds fewer than all shards`);
  // the internal shard read: 409 from a node not holding the shard (the router then asks the next), 400 for what no node accepts
  const notHolder = nodes.find((n) => !replicasOf(coll, 0, ids, 2).includes(n.id))!;
  const r409 = await call(notHolder.url, 'POST', `/internal/shards/${coll}/0`, { consistency: 'eventual', op: 'count', filter: { filters: [], ids: null } });
  assert.equal(r409.status, 409, JSON.stringify(r409.json));
  assert.match(String((r409.json.status as Json).error), new RegExp(`does not hold shard 0 of ${coll}`));
  const r400 = await call(nodes[0].url, 'POST', `/internal/shards/${coll}/0`, { consistency: 'sometimes', op: 'count', filter: { filters: [], ids: null } });
  assert.equal(r400.status, 400);
  assert.match(String((r400.json.status as Json).error), /consistency: got "sometimes"/);
  assert.equal((await call(nodes[0].url, 'POST', `/internal/shards/${coll}/9`, { consistency: 'eventual', op: 'count', filter: { filters: [], ids: null } })).status, 400);
  await checkAll(nodes, 'three nodes');

  // SIGKILL the node holding the most shards: answers stay equal at once (the other replica answers)
  const victim = nodes.reduce((x, y) => ((replicasOfNode(coll, x.id, ids) >= replicasOfNode(coll, y.id, ids)) ? x : y));
  await sigkillChild(victim.child);
  const rest = nodes.filter((n) => n !== victim);
  await checkAll(rest, `right after ${victim.id}'s SIGKILL`);
  await ingest(400, rest); // acknowledged while the dead node's lease is still fresh
  // its lease expires: the survivors hold every shard (2 live nodes, 2 replicas)
  const t0 = Date.now();
  await until(async () => (await Promise.all(rest.map(liveOf))).every((l) => !l.includes(victim.id)), 4 * LEASE_MS, `${victim.id}'s lease to expire`);
  await until(async () => (await Promise.all(rest.map((n) => heldOf(n, coll)))).every((h) => h.filter((x) => x.ready && x.assigned).length === SHARDS), 30_000, 'the survivors to hold every shard');
  process.stderr.write(`cluster-nodes: ${victim.id} SIGKILLed; lease expired and its shards re-assigned within ${Date.now() - t0} ms\n`);
  await ingest(400, rest);
  await checkAll(rest, 'after the reassignment');

  // the node restarted under the same id takes its lease over (compare-and-swap on the key's revision) and its shards back
  nodes.push(await startClusterNode(root, victim.id, nats.urls, opts));
  await until(async () => (await Promise.all(nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null).map(liveOf))).every((l) => l.join() === 'a,b,c'), 20_000, 'three live nodes again');
  await until(async () => {
    const want = [0, 1, 2, 3].filter((sh) => replicasOf(coll, sh, ids, 2).includes(victim.id));
    return (await heldOf(byId(victim.id), coll)).filter((h) => h.ready).map((h) => h.shard).join() === want.join();
  }, 30_000, `${victim.id} to hold its shards again`);
  await ingest(200, [byId(victim.id)]);
  const three = ids.map(byId);
  await checkAll(three, 'after the restart');

  // a node hung (SIGSTOP): once its lease expires no read is routed to it; resumed (SIGCONT), it
  // renews its lease and holds its shards again
  const hung = three[1];
  hung.child.kill('SIGSTOP');
  try {
    const others = three.filter((n) => n !== hung);
    await until(async () => (await Promise.all(others.map(liveOf))).every((l) => !l.includes(hung.id)), 4 * LEASE_MS, `${hung.id}'s lease to expire while it hangs`);
    await until(async () => (await Promise.all(others.map((n) => heldOf(n, coll)))).every((h) => h.filter((x) => x.ready && x.assigned).length === SHARDS), 30_000, 'the two others to hold every shard');
    await ingest(100, others);
    await checkAll(others, `${hung.id} hung`);
  } finally {
    hung.child.kill('SIGCONT');
  }
  await until(async () => (await Promise.all(three.map(liveOf))).every((l) => l.join() === 'a,b,c'), 20_000, `${hung.id} live again`);
  await checkAll(three, `${hung.id} resumed`);

  // two nodes SIGKILLed at once: the survivor holds fewer than all shards; a shard whose replicas
  // both died is a 503 naming it (never a partial answer) until their leases expire and the
  // survivor takes every shard over
  const survivor = three[0];
  const lost = [0, 1, 2, 3].filter((sh) => !replicasOf(coll, sh, ids, 2).includes(survivor.id));
  assert.ok(lost.length > 0);
  await until(async () => { const h = await heldOf(survivor, coll); return h.length > 0 && h.every((x) => x.assigned); }, 4 * LEASE_MS, 'the survivor to drop the shards it held for the restarted node');
  for (const n of three.slice(1)) await sigkillChild(n.child);
  const r = await call(survivor.url, 'POST', `/collections/${coll}/points/search?consistency=eventual`, { vector: queries[0], limit: 10 });
  assert.equal(r.status, 503, JSON.stringify(r.json));
  assert.match(String((r.json.status as Json).error), new RegExp(`shard (${lost.join('|')}) of collection ${coll}`));
  await until(async () => (await heldOf(survivor, coll)).filter((h) => h.ready).length === SHARDS, 8 * LEASE_MS + 30_000, 'the survivor to hold every shard');
  await checkAll([survivor], 'one node left');
});

function replicasOfNode(coll: string, id: string, ids: string[]): number {
  return [0, 1, 2, 3].filter((s) => replicasOf(coll, s, ids, 2).includes(id)).length;
}
