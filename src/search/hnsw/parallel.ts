import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { MatrixInput } from '../../core/data.js';
import { toDense } from '../../core/matrix.js';
import { checkInteger } from '../../core/errors.js';
import { SearchResult } from '../results.js';
import type { ParallelOptions } from '../types.js';
import type { HnswIndex, HnswSearchParams } from './hnsw-index.js';
import { FILTER_BITMAP, FILTER_NONE } from './kernel.js';
import { normaliseFilter } from './filter.js';

/** Message a search worker receives (see worker.ts). */
export interface WorkerJob {
  wasmModule: WebAssembly.Module | null;
  memory: WebAssembly.Memory | null;
  buffer: SharedArrayBuffer | null;
  layout: HnswIndex['layout'];
  nativeKind: number;
  metric: unknown;
  thread: number;
  queries: SharedArrayBuffer; qFrom: number; qTo: number;
  k: number; ef: number; mode: number;
  ep: number; maxLevel: number; deleted: number;
  outSlots: SharedArrayBuffer; outDist: SharedArrayBuffer;
}

/**
 * searchAsync: queries are split into contiguous blocks, one per worker; every worker
 * instantiates the graph kernels on the index's shared memory with its own scratch block,
 * walks the same bytes as `search` and writes slots and reduced distances into shared
 * output arrays, which this thread maps to ids and distances exactly as `search` does.
 * A predicate filter is evaluated here once per point into the allow bitmap (functions do
 * not cross threads). Falls back to `search` when there is nothing to share or 1 thread.
 */
export async function parallelSearch(idx: HnswIndex, queries: MatrixInput, k: number, params: HnswSearchParams & ParallelOptions): Promise<SearchResult> {
  checkInteger('k', k, 1);
  const threads = params.threads === undefined ? availableParallelism() : checkInteger('threads', params.threads, 1, 1024);
  const Q = toDense(queries, { name: 'queries', cols: idx.dim });
  const shared = idx.arena.shared && typeof SharedArrayBuffer !== 'undefined';
  const kk = Math.min(k, idx.size);
  const ef = Math.max(params.ef === undefined ? idx.ef : checkInteger('ef', params.ef, 1), kk);
  const workers = Math.min(threads, Q.rows);
  if (workers <= 1 || !shared || kk === 0 || (idx.kernelName === 'js' && !serialisableMetric(idx))) {
    return idx.search(Q, k, params);
  }
  // filters: an allow bitmap shared by all workers; selective ones take the exact-scan path in `search`
  const f = normaliseFilter(params.filter);
  let mode = FILTER_NONE;
  if (f.kind !== 'none') {
    const plan = idx.planFilter(params.filter, ef, params.filterStrategy);
    idx.kernel.setHostFilter(undefined);
    if (plan.list >= 0) return idx.search(Q, k, params);
    if (f.kind === 'predicate') {
      const l = idx.layout, u8 = idx.views.u8;
      u8.fill(0, l.allow, l.allow + Math.ceil(l.cap / 8));
      for (let s = 0; s < idx.count; s++) {
        const id = idx.labels[s];
        if (id >= 0 && f.fn(id)) u8[l.allow + (s >> 3)] |= 1 << (s & 7);
      }
    }
    mode = FILTER_BITMAP;
  }
  idx.reserve(idx.layout.cap, idx.layout.upperCap, workers + 1, ef);
  const qbuf = new SharedArrayBuffer(Q.data.byteLength);
  new Float32Array(qbuf).set(Q.data);
  const outSlots = new SharedArrayBuffer(Q.rows * kk * 4);
  const outDist = new SharedArrayBuffer(Q.rows * kk * 4);
  new Int32Array(outSlots).fill(-1);
  const per = Math.ceil(Q.rows / workers);
  const url = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
  idx.setBusy(true);
  try {
    await Promise.all(Array.from({ length: workers }, (_, w) => {
      const job: WorkerJob = {
        wasmModule: idx.wasm ? idx.wasm.module : null,
        memory: idx.wasm ? (idx.arena.memory ?? null) : null,
        buffer: idx.wasm ? null : (idx.arena.buffer as SharedArrayBuffer),
        layout: idx.layout, nativeKind: idx.nativeKind, metric: idx.metricSpec(), thread: w + 1,
        queries: qbuf, qFrom: w * per, qTo: Math.min(Q.rows, (w + 1) * per),
        k: kk, ef, mode, ep: idx.ep, maxLevel: idx.maxLevel, deleted: idx.deleted, outSlots, outDist,
      };
      return runWorker(url, job);
    }));
  } finally {
    idx.setBusy(false);
  }
  const res = SearchResult.empty(Q.rows, kk);
  const slots = new Int32Array(outSlots), dist = new Float32Array(outDist);
  const m = idx.metric, cos = idx.shape.cosine;
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i];
    if (s < 0) continue;
    res.indices[i] = idx.labels[s];
    let r = m.reducedToDistance(dist[i]);
    if (cos) r = r < 0 ? 0 : r > 2 ? 2 : r;
    res.distances[i] = r;
  }
  return res;
}

function serialisableMetric(idx: HnswIndex): boolean {
  try { JSON.stringify(idx.metricSpec()); return true; } catch { return false; }
}

function runWorker(url: URL, job: WorkerJob): Promise<void> {
  return new Promise((resolve, reject) => {
    // From TypeScript sources (tests, benchmarks under tsx) the worker registers tsx itself:
    // Node 20 does not hand --import loader hooks to worker threads.
    const w = url.pathname.endsWith('.ts')
      ? new Worker(`import(${JSON.stringify('tsx/esm/api')}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true, workerData: job })
      : new Worker(url, { workerData: job });
    w.once('message', (m: { ok: boolean; error?: string }) => {
      if (m.ok) resolve(); else reject(new Error(`hnsw worker: ${m.error}`));
    });
    w.once('error', reject);
    w.once('exit', (code) => { if (code !== 0) reject(new Error(`hnsw worker exited with code ${code}`)); });
  });
}
