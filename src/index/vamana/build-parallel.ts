// Parallel passes of the Vamana build on the shared worker pool (src/parallel), as DiskANN builds
// from several threads: the calling thread and threads - 1 workers insert the points of one pass
// concurrently into the graph's one shared WebAssembly memory, each with its own kernel instance
// and scratch block, under a lock word per node (assembly/_vamana_core.ts setLocks). The call
// stays synchronous: the calling thread inserts too, and when no point is left to claim it waits
// (Atomics.wait) for the workers still inside an insert. Every thread waits at the end of pass 1
// (α = 1) until all its inserts are done before pass 2 (α) starts (./build-loop.ts). The orders are the serial build's (same seed, same draws); the links
// depend on the threads' interleaving, so the graph differs from run to run (threads: 1 for a
// reproducible one).
import { KnnkitError } from '../../core/errors.js';
import { sharedPool, taskUrl } from '../../parallel/index.js';
import { C_ACTIVE, C_FAILED, CONTROL_WORDS, awaitPass, doneOf, passLoop, type BuildJob } from './build-loop.js';
import type { BuildTask } from './build-task.js';
import type { VamanaGraph } from './graph.js';
import type { WasmStore } from './store.js';

const TASK = taskUrl(import.meta.url, './build-task');

/** Fewer points than this build serially: starting threads would cost more than they save. */
export const MIN_PARALLEL_POINTS = 2048;
/** Points the calling thread inserts between two progress reports. */
const REPORT_EVERY = 256;

/**
 * @internal The last parallel build's split: inserts of both passes, and how many of them the
 * worker threads made (a worker still starting when the build ends makes none; tests check
 * that the workers took part).
 */
export const lastParallelBuild = { threads: 0, inserts: 0, byWorkers: 0 };

const storeIds = new WeakMap<WasmStore, number>();
let nextStoreId = 1;

/**
 * True when this graph can build on worker threads: the kernel on shared memory, in Node (the
 * calling thread waits with Atomics.wait, which a browser's main thread may not do).
 */
export function canBuildInParallel(g: VamanaGraph): boolean {
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return node && g.store !== null && g.store.shared;
}

/** A copy of `a` on a SharedArrayBuffer (the workers read it without a copy). */
function shared(a: Int32Array): Int32Array {
  const s = new Int32Array(new SharedArrayBuffer(Math.max(1, a.length) * 4), 0, a.length);
  s.set(a);
  return s;
}

/**
 * The two passes of Algorithm 3: orders[pass] (the live nodes in the pass's random order)
 * inserted with list size L and alphas[pass], on `threads` threads (the calling thread
 * included); returns when every point of both passes is inserted. `report(pass, done)`
 * receives the points of the pass inserted so far.
 */
export function passesParallel(g: VamanaGraph, orders: Int32Array[], L: number, alphas: number[], threads: number, report: (pass: number, done: number) => void): void {
  // scratch for L first: a relayout must not move the memory under the workers
  g.fitList(L);
  const st = g.store!;
  const region = st.parallelRegion(threads);
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const job: BuildJob = { ctl, orders: orders.map(shared), a2s: alphas.map((a) => a * a), medoid: g.medoid, L, R: g.R };
  let id = storeIds.get(st);
  if (id === undefined) storeIds.set(st, (id = nextStoreId++));
  const key = `${id}:${st.layouts}`;
  const regions = st.regions();
  const pool = sharedPool(threads - 1);
  for (let w = 0; w < threads - 1; w++) {
    const task: BuildTask = { ...job, key, wasmModule: st.module, memory: st.memory, regions, block: region.blocks[w], cap: st.cap, locks: region.locks };
    // failures are seen through C_FAILED (this call returns before the reply is read)
    pool.run(TASK, 'insertPasses', task).catch(() => undefined);
  }
  const ex = st.ex;
  ex.setLocks(region.locks);
  let failure: unknown, mine = 0;
  try {
    for (let pass = 0; pass < orders.length; pass++) {
      if (pass > 0) awaitPass(job, pass - 1, () => report(pass - 1, doneOf(ctl, pass - 1)));
      for (let k = REPORT_EVERY; k === REPORT_EVERY; mine += k) {
        k = passLoop(ex, job, pass, -1, REPORT_EVERY);
        if (k === REPORT_EVERY) report(pass, doneOf(ctl, pass));
      }
    }
  } catch (e) {
    failure = e;
    Atomics.store(ctl, C_FAILED, 1);
  }
  // wait for the workers still inside an insert (also after a failure: they write this memory)
  const last = orders.length - 1;
  for (let a = Atomics.load(ctl, C_ACTIVE); a !== 0; a = Atomics.load(ctl, C_ACTIVE)) {
    Atomics.wait(ctl, C_ACTIVE, a, 100);
    if (failure === undefined) report(last, doneOf(ctl, last));
  }
  ex.setLocks(0);
  if (failure !== undefined) throw failure;
  const inserted = orders.reduce((s, _, p) => s + doneOf(ctl, p), 0), total = orders.reduce((s, o) => s + o.length, 0);
  if (Atomics.load(ctl, C_FAILED) !== 0 || inserted !== total) {
    throw new KnnkitError('threads', `threads: a worker thread failed during the parallel vamana build (${inserted} of ${total} inserts of the two passes done); the index is incomplete: rebuild it, or build with threads: 1`);
  }
  Object.assign(lastParallelBuild, { threads, inserts: total, byWorkers: total - mine });
}
