// npm run bench:serve (alias bench:server) [-- --n 100000 --dim 128 --queries 1000 --ef 64 --seconds 5]
//
// knnkit serve through HTTP with the official Qdrant client (@qdrant/js-client-rest) beside the
// same index family in process, on the same data: upsert throughput (batches of 256, wait=true:
// every batch fsynced before it is acknowledged) and search queries/s with p50 / p99 latency at
// 1, 8 and 64 concurrent requests (k = 10, HNSW M = 16, ef_construct = 100, ef = 64, Cosine), and
// one-point upserts (wait=true) by autocannon at 1, 8 and 64 connections.
// The server runs in a child process (its own event loop), on 127.0.0.1 only. The same searches
// are then sent by autocannon (a lean HTTP load generator, fixed request bodies cycling over
// the same queries as in process, 5 s per level), which shows the server's own capacity without
// the JS client's cost. (--bodies 100 cycles over the first 100 queries only, as before: their
// graph walks then stay partly in the CPU caches, which makes each search cheaper than
// in process, where every query is new.)
//
// "In-process" is stated two ways: one query per index.search call in a loop (the figure the
// HTTP ratios use), and the same queries in calls of 64 (what the server's micro-batching can
// reach at best). Beside each autocannon level the CPU time is printed per request: the server
// process's (user + system, from /proc) and the load generator's (this process), against the
// in-process CPU time per query (the server's split into its event loop, the main thread, and its
// other threads: the search worker, V8's and libuv's helpers): on two cores the three share the same CPUs, so the ratio of
// HTTP to in-process queries/s cannot exceed in-process CPU / (server + load generator CPU).
// The load average is printed at the start and the end. Data: seeded clustered Gaussian vectors
// (100 centres), queries drawn the same way. Bounded: a few minutes at 100k x 128.
//
// The server searches HNSW collections on a worker thread (--search-threads 1, its default).
// With --compare-event-loop (default on; --compare-event-loop 0 to skip) the server is then
// restarted on the same data with --search-threads 0 (every search on the event loop, as before
// issue 17's worker path) and the autocannon levels are run again, after one more in-process
// pass: the two server modes and in-process search side by side in one run, under the same load.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import autocannon from 'autocannon';
import { emptyIndex } from '../src/index/api.js';
import { denseMatrix } from '../src/core/matrix.js';
import { Rng } from '../src/core/rng.js';
import { opt, fmt } from './common.js';

const N = Number(opt('n', '100000')), D = Number(opt('dim', '128')), Q = Number(opt('queries', '1000')), EF = Number(opt('ef', '64')), K = 10, BATCH = 256;
const CONC = [1, 8, 64];
const COMPARE = opt('compare-event-loop', '1') !== '0';

function data(n: number, seed: number): Float32Array {
  const rng = new Rng(seed), centres = new Float32Array(100 * D);
  const crng = new Rng(7);
  for (let i = 0; i < centres.length; i++) centres[i] = (crng.random() * 2 - 1) * 3;
  const out = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    const c = rng.int(100);
    for (let j = 0; j < D; j++) out[i * D + j] = centres[c * D + j] + rng.normal();
  }
  return out;
}

/** CPU ms (user + system) a process has used so far, from /proc (Linux); null elsewhere. */
function procCpuMs(pid: number): number | null {
  const f = `/proc/${pid}/stat`;
  if (!existsSync(f)) return null;
  const fields = readFileSync(f, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime in clock ticks (100 Hz)
}
/** CPU ms of a process's main thread (its event loop: the task whose id is the pid), from /proc; null elsewhere. */
function mainThreadCpuMs(pid: number): number | null {
  const f = `/proc/${pid}/task/${pid}/stat`;
  if (!existsSync(f)) return null;
  const fields = readFileSync(f, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const myCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

const pct = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

async function main(): Promise<void> {
  const X = data(N, 1), QX = data(Q, 2);
  const row = (m: Float32Array, i: number) => m.subarray(i * D, (i + 1) * D);
  console.log(`load average ${load()} (1, 5, 15 min)`);
  console.log(`bench:server  n=${N} d=${D} queries=${Q} k=${K} ef=${EF} (HNSW M=16 efConstruction=100, Cosine); node ${process.version}`);

  // exact neighbours (for recall) with an exact in-process index
  const exact = emptyIndex('brute', D, { metric: 'cosine' });
  exact.add(denseMatrix(X, N, D));
  const truth = exact.search(denseMatrix(QX, Q, D), K).indices;
  const recallOf = (ids: (i: number) => number[]) => { let hit = 0; for (let q = 0; q < Q; q++) { const t = new Set(Array.from(truth.subarray(q * K, (q + 1) * K))); hit += ids(q).filter((x) => t.has(x)).length; } return hit / (Q * K); };

  // ---- in process ----
  const idx = emptyIndex('hnsw', D, { metric: 'cosine', M: 16, efConstruction: 100 });
  let t0 = performance.now();
  for (let s = 0; s < N; s += BATCH) { const e = Math.min(N, s + BATCH); idx.add(denseMatrix(X.subarray(s * D, e * D), e - s, D)); }
  const inAddS = (performance.now() - t0) / 1000;
  const inIds: number[][] = [];
  // one query per call, the median of 3 passes over the queries (the machine's load varies)
  const inProcess = () => {
    const runs: { qps: number; lat: number[]; cpuUs: number }[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const lat: number[] = [];
      const s0 = performance.now(), c0 = myCpuMs();
      for (let q = 0; q < Q; q++) {
        const a = performance.now();
        const r = idx.search(denseMatrix(row(QX, q), 1, D), K, { ef: EF });
        lat.push(performance.now() - a);
        if (rep === 0 && inIds.length < Q) inIds.push(Array.from(r.indices));
      }
      runs.push({ qps: Q / ((performance.now() - s0) / 1000), lat, cpuUs: 1000 * (myCpuMs() - c0) / Q });
    }
    runs.sort((a, b) => a.qps - b.qps);
    return runs[1];
  };
  // the same queries, 64 per call (the best micro-batching can do), median of 3 passes
  const inBatched = () => {
    const runs: { qps: number; cpuUs: number }[] = [];
    for (let rep = 0; rep < 3; rep++) {
      const s0 = performance.now(), c0 = myCpuMs();
      for (let q = 0; q < Q; q += 64) { const e = Math.min(Q, q + 64); idx.search(denseMatrix(QX.subarray(q * D, e * D), e - q, D), K, { ef: EF }); }
      runs.push({ qps: Q / ((performance.now() - s0) / 1000), cpuUs: 1000 * (myCpuMs() - c0) / Q });
    }
    runs.sort((a, b) => a.qps - b.qps);
    return runs[1];
  };
  const first = inProcess();
  let inQps = first.qps;
  const lat = first.lat;
  console.log(`in-process  add ${fmt(N / inAddS)} points/s (${fmt(inAddS, 1)} s)   search ${fmt(inQps)} q/s (one query per call, ${fmt(first.cpuUs, 1)} us CPU/query)  p50 ${fmt(pct(lat, 0.5), 3)} ms  p99 ${fmt(pct(lat, 0.99), 3)} ms  recall@10 ${recallOf((q) => inIds[q]).toFixed(4)}`);
  const batched = inBatched();
  console.log(`in-process  search ${fmt(batched.qps)} q/s in calls of 64 queries (${fmt(batched.cpuUs, 1)} us CPU/query)`);
  let inCpuUs = first.cpuUs;

  // ---- through HTTP ----
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-bench-serve-'));
  const startServer = async (searchThreads: number) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'test/server/serve-child.ts'), '--data', dir, '--port', '0', '--snapshot-interval', '0', '--max-in-flight', '1024', '--search-threads', String(searchThreads)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]); });
      child.once('exit', (c) => reject(new Error(`server exited ${c}`)));
    });
    return { child, url };
  };
  const stopServer = async (child: ReturnType<typeof spawn>) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  let { child, url } = await startServer(1);
  try {
    const client = new QdrantClient({ url, checkCompatibility: false, maxConnections: 64 } as ConstructorParameters<typeof QdrantClient>[0]);
    await client.createCollection('bench', { vectors: { size: D, distance: 'Cosine' }, hnsw_config: { m: 16, ef_construct: 100 } });
    t0 = performance.now();
    for (let s = 0; s < N; s += BATCH) {
      const e = Math.min(N, s + BATCH);
      const points = [];
      for (let i = s; i < e; i++) points.push({ id: i, vector: Array.from(row(X, i)), payload: { i, group: i % 10 } });
      await client.upsert('bench', { wait: true, points });
    }
    const httpAddS = (performance.now() - t0) / 1000;
    console.log(`HTTP        upsert ${fmt(N / httpAddS)} points/s (${fmt(httpAddS, 1)} s; batches of ${BATCH}, wait=true)  = ${(100 * inAddS / httpAddS).toFixed(0)} % of in-process add`);
    // in-process again (after the upserts, right before the HTTP searches): the ratios use the faster of the two
    const again = inProcess();
    if (again.qps > inQps) { inQps = again.qps; inCpuUs = again.cpuUs; }
    console.log(`in-process  search again ${fmt(again.qps)} q/s (${fmt(again.cpuUs, 1)} us CPU/query)  p50 ${fmt(pct(again.lat, 0.5), 3)} ms  p99 ${fmt(pct(again.lat, 0.99), 3)} ms  (ratios below use ${fmt(inQps)} q/s)`);
    for (const c of CONC) {
      const lat2: number[] = [], ids: number[][] = new Array(Q);
      let next = 0;
      t0 = performance.now();
      await Promise.all(Array.from({ length: c }, async () => {
        while (next < Q) {
          const q = next++;
          const a = performance.now();
          const r = await client.search('bench', { vector: Array.from(row(QX, q)), limit: K, params: { hnsw_ef: EF }, with_payload: false });
          lat2.push(performance.now() - a);
          ids[q] = r.map((h) => h.id as number);
        }
      }));
      const qps = Q / ((performance.now() - t0) / 1000);
      console.log(`HTTP c=${String(c).padEnd(3)}  search ${fmt(qps)} q/s (${(100 * qps / inQps).toFixed(0)} % of in-process)  p50 ${fmt(pct(lat2, 0.5), 2)} ms  p99 ${fmt(pct(lat2, 0.99), 2)} ms  recall@10 ${recallOf((q) => ids[q]).toFixed(4)}`);
    }
    const bodies = Array.from({ length: Math.min(Q, Number(opt('bodies', String(Q)))) }, (_, q) => JSON.stringify({ vector: Array.from(row(QX, q)), limit: K, params: { hnsw_ef: EF } }));
    const levels = async (mode: string, ref: { qps: number; cpuUs: number }) => {
      for (const c of CONC) {
        const s0 = procCpuMs(child.pid!), e0 = mainThreadCpuMs(child.pid!), m0 = myCpuMs();
        const r = await autocannon({
          url: `${url}/collections/bench/points/search`, connections: c, duration: Number(opt('seconds', '5')),
          requests: bodies.map((body) => ({ method: 'POST' as const, headers: { 'content-type': 'application/json' }, body })),
        });
        const ok = r['2xx'], bad = r.non2xx + r.errors;
        const s1 = procCpuMs(child.pid!), serverUs = s0 === null || s1 === null ? NaN : 1000 * (s1 - s0) / Math.max(1, ok), genUs = 1000 * (myCpuMs() - m0) / Math.max(1, ok);
        const e1 = mainThreadCpuMs(child.pid!), loopUs = e0 === null || e1 === null ? NaN : 1000 * (e1 - e0) / Math.max(1, ok);
        console.log(`autocannon c=${String(c).padEnd(3)} ${mode} search ${fmt(r.requests.average)} req/s (${(100 * r.requests.average / ref.qps).toFixed(0)} % of in-process)  p50 ${fmt(r.latency.p50, 2)} ms  p99 ${fmt(r.latency.p99, 2)} ms  (${ok} ok, ${bad} failed)  CPU/request: server ${fmt(serverUs, 0)} us (event loop ${fmt(loopUs, 0)}, other threads ${fmt(serverUs - loopUs, 0)}), load generator ${fmt(genUs, 0)} us (in-process ${fmt(ref.cpuUs, 0)} us/query)  load ${load().split(' ')[0]}`);
      }
    };
    await levels('worker    ', { qps: inQps, cpuUs: inCpuUs });
    // filtered search: one group of ten (10 % of points), through the server
    const lat3: number[] = [];
    t0 = performance.now();
    for (let q = 0; q < Math.min(Q, 300); q++) {
      const a = performance.now();
      await client.search('bench', { vector: Array.from(row(QX, q)), limit: K, params: { hnsw_ef: EF }, filter: { must: [{ key: 'group', match: { value: q % 10 } }] } });
      lat3.push(performance.now() - a);
    }
    console.log(`HTTP c=1    filtered search (10 % of points, no payload index) ${fmt(lat3.length / ((performance.now() - t0) / 1000))} q/s  p50 ${fmt(pct(lat3, 0.5), 2)} ms  p99 ${fmt(pct(lat3, 0.99), 2)} ms`);
    await client.createPayloadIndex('bench', { field_name: 'group', field_schema: 'integer', wait: true });
    const lat4: number[] = [];
    t0 = performance.now();
    for (let q = 0; q < Math.min(Q, 300); q++) {
      const a = performance.now();
      await client.search('bench', { vector: Array.from(row(QX, q)), limit: K, params: { hnsw_ef: EF }, filter: { must: [{ key: 'group', match: { value: q % 10 } }] } });
      lat4.push(performance.now() - a);
    }
    console.log(`HTTP c=1    filtered search (same, integer payload index) ${fmt(lat4.length / ((performance.now() - t0) / 1000))} q/s  p50 ${fmt(pct(lat4, 0.5), 2)} ms  p99 ${fmt(pct(lat4, 0.99), 2)} ms`);
    // upserts through the server at 1, 8 and 64 connections: one point per request, wait=true
    // (acknowledged once its WAL record is fsynced; group commit shares an fsync between the
    // requests that arrive together); ids N.. N+999 cycle, so after the first pass they overwrite
    const upBodies = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ points: [{ id: N + i, vector: Array.from(row(QX, i % Q)), payload: { i: N + i, group: i % 10 } }] }));
    for (const c of CONC) {
      const r = await autocannon({
        url: `${url}/collections/bench/points?wait=true`, connections: c, duration: Number(opt('seconds', '5')),
        requests: upBodies.map((body) => ({ method: 'PUT' as const, headers: { 'content-type': 'application/json' }, body })),
      });
      console.log(`autocannon c=${String(c).padEnd(3)} upsert (1 point, wait=true) ${fmt(r.requests.average)} req/s  p50 ${fmt(r.latency.p50, 2)} ms  p99 ${fmt(r.latency.p99, 2)} ms  (${r['2xx']} ok, ${r.non2xx + r.errors} failed)  load ${load().split(' ')[0]}`);
    }
    const metricsText = await (await fetch(`${url}/metrics`)).text();
    const mv = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metricsText)?.[1] ?? NaN);
    console.log(`server micro-batching: ${mv('knnkit_search_batched_queries_total')} plain searches in ${mv('knnkit_search_batches_total')} index searches (${mv('knnkit_search_worker_batches_total')} on the worker thread)`);
    if (COMPARE) {
      // the same server on the same data with every search on the event loop, then the levels again
      await stopServer(child);
      ({ child, url } = await startServer(0));
      const third = inProcess();
      console.log(`in-process  search, third pass ${fmt(third.qps)} q/s (${fmt(third.cpuUs, 1)} us CPU/query); the event-loop rows use max(${fmt(inQps)}, this)`);
      const ref = third.qps > inQps ? { qps: third.qps, cpuUs: third.cpuUs } : { qps: inQps, cpuUs: inCpuUs };
      await levels('event loop', ref);
    }
    console.log(`load average ${load()} (1, 5, 15 min)`);
  } finally {
    await stopServer(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
