// npm run bench:cluster [-- --n 20000 --dim 64 --queries 1000 --concurrency 8]
//
// The cluster on NATS JetStream (docs/cluster.md) on this machine: 3 nats-server processes in
// one JetStream cluster (R3 streams), 1, 2 and 3 knnkit nodes (`knnkit serve --cluster`, child
// processes), a collection of 4 shards (brute force, Euclid) per node count. Reports ingest
// points/s (batches of 256 through @qdrant/js-client-rest, `concurrency` requests in flight,
// round-robin over the nodes, each acknowledged after JetStream's quorum ack), search queries/s
// (k = 10, same concurrency, round-robin) with consistency=eventual and =strong (strong asks each
// shard stream for its last sequence first), and the time a fresh node takes to replay the
// collection's streams (with sealing on, a fresh node loads each shard's sealed segment and
// replays only the tail after it). Every process is started and stopped here, on 127.0.0.1. This machine
// has 2 CPU cores shared by the NATS servers, the nodes and the client: more nodes cannot add
// throughput here, they add copies (every node follows every shard in this slice).
import { spawn, type ChildProcess } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QdrantClient } from '@qdrant/js-client-rest';
import { natsSkipReason, randomRows, startNatsCluster } from '../test/server/cluster-helpers.js';
import { readFileSync } from 'node:fs';
import { opt, fmt, cpuNow } from './common.js';

const N = Number(opt('n', '20000')), D = Number(opt('dim', '64')), Q = Number(opt('queries', '1000')), C = Number(opt('concurrency', '8')), BATCH = 256;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function startNode(id: string, urls: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/server/serve-child.ts'), '--cluster', urls.join(','), '--node-id', id, '--port', '0', '--read-wait-ms', '120000', '--seal-points', String(Math.ceil(N / 4)), '--seal-ms', '5000'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const nodes: { child: ChildProcess; url: string; client: QdrantClient }[] = [];
    for (const id of ['a', 'b', 'c']) { const n = await startNode(id, nats.urls); procs.push(n.child); nodes.push({ ...n, client: new QdrantClient({ url: n.url, checkCompatibility: false }) }); }
    const rows = randomRows(N, D, 1), queries = randomRows(Q, D, 2);
    console.log(`bench:cluster: ${N} x ${D} points, 4 shards, R3 streams on 3 nats-servers (${(await import('node:os')).cpus().length} CPU cores shared by all processes), concurrency ${C}`);
    const os = await import('node:os');
    console.log(`load average at start: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}; nodes seal each shard every ${Math.ceil(N / 4)} changed points or 5 s`);
    console.log('nodes | ingest points/s | ingest points per CPU s | search q/s eventual | eventual q per CPU s | search q/s bounded 1 s | search q/s strong | fresh node ready s (points/s)');
    // CPU of every process on the path: the 3 nats-servers, the nodes in use, this client
    const pidsOf = (k: number) => [...nats.servers.map((x) => x.child!.pid!), ...nodes.slice(0, k).map((x) => x.child.pid!)];
    for (const m of [1, 2, 3]) {
      const name = `b${m}`;
      const use = nodes.slice(0, m);
      await use[0].client.createCollection(name, { vectors: { size: D, distance: 'Euclid' }, shard_number: 4 } as never);
      const nb = Math.ceil(N / BATCH);
      let t0 = performance.now();
      let c0 = cpuOf(pidsOf(m));
      await pool(nb, C, async (b) => {
        const points = rows.slice(b * BATCH, (b + 1) * BATCH).map((v, j) => ({ id: b * BATCH + j, vector: v }));
        await use[b % m].client.upsert(name, { wait: true, points });
      });
      const ingest = N / ((performance.now() - t0) / 1000);
      const ingestCpu = N / (cpuOf(pidsOf(m)) - c0);
      // every node used has applied everything before searches are timed
      for (const n of use) await fetch(`${n.url}/collections/${name}/points/count?consistency=strong`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const qps: number[] = [];
      let searchCpu = 0;
      for (const consistency of ['eventual', 'bounded&max_lag_ms=1000', 'strong']) {
        t0 = performance.now();
        c0 = cpuOf(pidsOf(m));
        await pool(Q, C, async (i) => {
          const r = await fetch(`${use[i % m].url}/collections/${name}/points/search?consistency=${consistency}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ vector: queries[i], limit: 10 }) });
          if (r.status !== 200) throw new Error(`search: ${r.status} ${await r.text()}`);
          await r.arrayBuffer();
        });
        qps.push(Q / ((performance.now() - t0) / 1000));
        if (consistency === 'eventual') searchCpu = Q / (cpuOf(pidsOf(m)) - c0);
      }
      // replay: a node that has not seen this collection yet (the next one, or a 4th for m = 3)
      const fresh = m < 3 ? nodes[m] : await startNode('d', nats.urls).then((n) => { procs.push(n.child); return n; });
      t0 = performance.now();
      const r = await fetch(`${fresh.url}/collections/${name}/points/count?consistency=strong`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      const replay = (performance.now() - t0) / 1000;
      const count = ((await r.json()) as { result: { count: number } }).result.count;
      if (count !== N) throw new Error(`fresh node counted ${count}, expected ${N}`);
      console.log(`${m} | ${fmt(ingest)} | ${fmt(ingestCpu)} | ${fmt(qps[0])} | ${fmt(searchCpu)} | ${fmt(qps[1])} | ${fmt(qps[2])} | ${fmt(replay, 2)} (${fmt(N / replay)})`);
    }
  } finally {
    for (const p of procs) { if (p.exitCode === null && p.signalCode === null) { p.kill('SIGKILL'); await new Promise((r) => p.once('exit', r)); } }
    await nats.stop();
  }
  console.log(`load average at end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(', ')}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
