// npm run bench:cluster [-- --n 20000 --dim 64 --queries 1000 --concurrency 8 --shard-replicas 3,2,1]
//
// The cluster on NATS JetStream (docs/cluster.md) on this machine: 3 nats-server processes in
// one JetStream cluster (R3 streams), 3 knnkit nodes (`knnkit serve --cluster`, child
// processes) started anew for each shard replica count R (each shard held by R of the 3 nodes;
// R 3: every node holds every shard and answers alone; R 1: every search scatters over HTTP to
// the nodes holding the other shards), a collection of 4 shards (brute force, Euclid). Reports ingest
// points/s (batches of 256 through @qdrant/js-client-rest, `concurrency` requests in flight,
// round-robin over the nodes, each acknowledged after JetStream's quorum ack), search queries/s
// (k = 10, same concurrency, round-robin) with consistency=eventual and =strong (strong asks each
// shard stream for its last sequence first), and the time a fresh node takes to replay the
// collection's streams (with sealing on, a fresh node loads each shard's sealed segment and
// replays only the tail after it): a 4th node joining, until it holds its assigned shards caught
// up. Every process is started and stopped here, on 127.0.0.1. This machine has 2 CPU cores
// shared by the NATS servers, the nodes and the client: the figures compare the designs' costs
// (per CPU second), not a cluster's capacity.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { natsSkipReason, randomRows, startNatsCluster } from '../test/server/cluster-helpers.js';
import { readFileSync } from 'node:fs';
import { opt, fmt, cpuNow } from './common.js';

const N = Number(opt('n', '20000')), D = Number(opt('dim', '64')), Q = Number(opt('queries', '1000')), C = Number(opt('concurrency', '8')), BATCH = 256;
const RS = opt('shard-replicas', '3,2,1').split(',').map(Number);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function startNode(id: string, urls: string[], r: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/server/serve-child.ts'), '--cluster', urls.join(','), '--node-id', id, '--port', '0', '--read-wait-ms', '120000', '--seal-points', String(Math.ceil(N / 4)), '--seal-ms', '5000', '--shard-replicas', String(r), '--lease-ms', '5000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr!.on('data', (d) => { err = (err + d).slice(-5000); });
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`node ${id} did not start: ${err}`)), 60_000);
    child.stdout!.on('data', (d) => { out += d; const m = /listening on (http:\/\/\S+)/.exec(out); if (m) { clearTimeout(t); resolve({ child, url: m[1] }); } });
    child.once('exit', (code) => { clearTimeout(t); reject(new Error(`node ${id} exited ${code}: ${err}`)); });
  });
}

/**
 * CPU seconds used so far by the given child processes (utime + stime from /proc/PID/stat, in
 * clock ticks of 1/100 s) plus this client process: on this shared machine CPU seconds, not
 * wall clock, say what a run cost.
 */
function cpuOf(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
      ticks += Number(rest[11]) + Number(rest[12]); // fields 14 (utime) and 15 (stime)
    } catch { /* exited */ }
  }
  return ticks / 100 + cpuNow();
}

/** Runs `total` tasks with `conc` in flight. */
async function pool(total: number, conc: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(conc, total) }, async () => { while (next < total) await task(next++); }));
}

async function main(): Promise<void> {
  const why = natsSkipReason();
  if (why) { console.log(`bench:cluster skipped: ${why}`); return; }
  const nats = await startNatsCluster(3);
  const procs: ChildProcess[] = [];
  try {
    const rows = randomRows(N, D, 1), queries = randomRows(Q, D, 2);
    const os = await import('node:os');
    console.log(`bench:cluster: ${N} x ${D} points, 4 shards, R3 streams on 3 nats-servers, 3 knnkit nodes (${os.cpus().length} CPU cores shared by all processes), concurrency ${C}`);
    console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}; nodes seal each shard every ${Math.ceil(N / 4)} changed points or 5 s`);
    console.log('shard replicas | ingest points/s | ingest points per CPU s | search q/s eventual | eventual q per CPU s | search q/s bounded 1 s | search q/s strong | strong q per CPU s | 4th node ready s (points/s)');
    for (const [run, r] of RS.entries()) {
      const nodes: { child: ChildProcess; url: string; client: QdrantClient }[] = [];
      for (const id of ['a', 'b', 'c']) { const n = await startNode(`${id}${run}`, nats.urls, r); procs.push(n.child); nodes.push({ ...n, client: new QdrantClient({ url: n.url, checkCompatibility: false }) }); }
      // CPU of every process on the path: the 3 nats-servers, the 3 nodes, this client
      const pids = () => [...nats.servers.map((x) => x.child!.pid!), ...nodes.map((x) => x.child.pid!)];
      const name = `r${r}_${run}`;
      // every node sees the other two live before the collection is made (the assignment is then final)
      for (const n of nodes) {
        for (let t = 0; t < 200; t++) {
          const live = ((await (await fetch(`${n.url}/cluster`)).json()) as { result: { knnkit: { live_nodes: { id: string }[] } } }).result.knnkit.live_nodes.map((l) => l.id);
          if (live.length === 3 && nodes.every((_, i) => live.includes(`${['a', 'b', 'c'][i]}${run}`))) break;
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      await nodes[0].client.createCollection(name, { vectors: { size: D, distance: 'Euclid' }, shard_number: 4 } as never);
      const nb = Math.ceil(N / BATCH);
      let t0 = performance.now();
      let c0 = cpuOf(pids());
      await pool(nb, C, async (b) => {
        const points = rows.slice(b * BATCH, (b + 1) * BATCH).map((v, j) => ({ id: b * BATCH + j, vector: v }));
        await nodes[b % 3].client.upsert(name, { wait: true, points });
      });
      const ingest = N / ((performance.now() - t0) / 1000);
      const ingestCpu = N / (cpuOf(pids()) - c0);
      // every node has applied everything before searches are timed
      for (const n of nodes) await fetch(`${n.url}/collections/${name}/points/count?consistency=strong`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const qps: number[] = [], perCpu: number[] = [];
      for (const consistency of ['eventual', 'bounded&max_lag_ms=1000', 'strong']) {
        t0 = performance.now();
        c0 = cpuOf(pids());
        await pool(Q, C, async (i) => {
          const res = await fetch(`${nodes[i % 3].url}/collections/${name}/points/search?consistency=${consistency}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vector: queries[i], limit: 10 }) });
          if (res.status !== 200) throw new Error(`search: ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
        });
        qps.push(Q / ((performance.now() - t0) / 1000));
        perCpu.push(Q / (cpuOf(pids()) - c0));
      }
      // a 4th node joins: the time until it holds its assigned shards caught up (segments loaded, tails replayed)
      t0 = performance.now();
      const fresh = await startNode(`d${run}`, nats.urls, r);
      procs.push(fresh.child);
      let held: { ready: boolean; assigned: boolean }[] = [];
      for (let t = 0; t < 1200; t++) {
        const live = ((await (await fetch(`${fresh.url}/cluster`)).json()) as { result: { knnkit: { live_nodes: unknown[] } } }).result.knnkit.live_nodes.length;
        const info = (await (await fetch(`${fresh.url}/collections/${name}?consistency=eventual`)).json()) as { result?: { config: { knnkit: { held: { ready: boolean; assigned: boolean }[]; replicas: string[][] } } } };
        const k = info.result?.config.knnkit;
        held = k?.held ?? [];
        // once it sees 4 live nodes, its assignment is final: every shard assigned to it held caught up
        if (live === 4 && k && held.filter((h) => h.ready && h.assigned).length === k.replicas.filter((x) => x.includes(`d${run}`)).length) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      const ready = (performance.now() - t0) / 1000;
      const res = await fetch(`${fresh.url}/collections/${name}/points/count?consistency=strong`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const count = ((await res.json()) as { result: { count: number } }).result.count;
      if (count !== N) throw new Error(`the 4th node counted ${count}, expected ${N}`);
      console.log(`${r} | ${fmt(ingest)} | ${fmt(ingestCpu)} | ${fmt(qps[0])} | ${fmt(perCpu[0])} | ${fmt(qps[1])} | ${fmt(qps[2])} | ${fmt(perCpu[2])} | ${fmt(ready, 2)} for ${held.length} shards (${fmt((N * held.length / 4) / ready)})`);
      // SIGTERM: a node closing deletes its lease, so the next run's nodes do not wait for these to expire
      for (const p of [...nodes.map((n) => n.child), fresh.child]) {
        const gone = new Promise((res2) => p.once('exit', res2));
        p.kill('SIGTERM');
        const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
        await gone;
        clearTimeout(t);
      }
    }
  } finally {
    for (const p of procs) { if (p.exitCode === null && p.signalCode === null) { p.kill('SIGKILL'); await new Promise((r) => p.once('exit', r)); } }
    await nats.stop();
  }
  console.log(`load average at end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(', ')}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
