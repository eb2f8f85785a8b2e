// Parallel HNSW build on the shared worker pool (src/parallel), as hnswlib builds from several
// threads: the calling thread and threads - 1 workers insert points concurrently into the one
// shared WebAssembly memory of the index, each with its own kernel instance and scratch block,
// under a lock word per node (build-loop.ts, assembly/_hnsw_core.ts setLocks). The call stays
// synchronous: the calling thread inserts too, and when no point is left to claim it waits
// (Atomics.wait) for the workers still inside an insert. A worker that starts late finds
// nothing to claim and leaves. Levels are drawn here in point order from the index's seeded
// stream, so that each point gets the level a serial build would give it; the links depend on
// the interleaving of the threads, so the graph differs from run to run (use
// `deterministic: true` for a serial, reproducible build).
import { KnnkitError } from '../../core/errors.js';
import { sharedPool, taskUrl } from '../../parallel/index.js';
import type { HnswIndex } from './hnsw-index.js';
import type { WasmKernel } from './kernel-wasm.js';
import { C_ACTIVE, C_DONE, C_EP, C_FAILED, C_MAXL, CONTROL_WORDS, insertLoop, type InsertJob } from './build-loop.js';
import type { BuildTask } from './build-task.js';

const TASK = taskUrl(import.meta.url, './build-task');

/** Fewer new points than this are inserted serially: starting threads would cost more than they save. */
export const MIN_PARALLEL_POINTS = 2048;
/** Points the calling thread inserts between two progress reports. */
const REPORT_EVERY = 64;

/**
 * True when this index can build on worker threads: the WebAssembly kernel on shared memory, in
 * Node (the calling thread waits with Atomics.wait, which a browser's main thread may not do;
 * browsers build serially).
 */
export function canBuildInParallel(idx: HnswIndex): boolean {
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return node && idx.wasm !== null && idx.wasm.shared && idx.arena.memory !== undefined && typeof SharedArrayBuffer !== 'undefined';
}

/**
 * Inserts rows [from, to) of `src` (row-major, idx.dim columns) as fresh slots with ids
 * ids[from..to) on `threads` threads (the calling thread included). `report(done)` receives
 * the points inserted so far.
 */
export function insertParallel(idx: HnswIndex, src: Float32Array, from: number, to: number, ids: Int32Array, threads: number, report: (done: number) => void): void {
  const n = to - from, M = idx.M;
  // 1. levels (the serial build's draws, in the same order) and the upper-layer space they need
  const levels = new Uint8Array(n);
  let words = 0;
  for (let i = 0; i < n; i++) { levels[i] = idx.drawLevel(); words += levels[i] * (1 + M); }
  idx.reserve(idx.count + n, idx.upperUsed + words, threads, idx.efConstruction);
  // 2. vectors, levels and upper blocks of every new slot, written before any thread starts
  const first = idx.count;
  let l = idx.layout;
  {
    const { u8, i32 } = idx.views;
    for (let i = 0; i < n; i++) {
      const slot = first + i;
      idx.writeVector(slot, src, (from + i) * idx.dim);
      u8[l.levels + slot] = levels[i];
      i32[(l.upos >> 2) + slot] = idx.upperUsed;
      idx.upperUsed += levels[i] * (1 + M);
    }
  }
  idx.count += n;
  // 3. the lock words, one per slot, past the end of the layout (nothing else lives there;
  //    relocate() zeroes them with the scratch when the layout next grows)
  const locks = (l.total + 63) & ~63;
  idx.arena.ensure(locks + l.cap * 4);
  idx.refreshViews();
  idx.views.u8.fill(0, locks, locks + l.cap * 4);
  // 4. the control block: with no live point, the graph restarts from the first inserted one
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const restart = idx.live === 0;
  ctl[C_EP] = restart ? -1 : idx.ep;
  ctl[C_MAXL] = restart ? -1 : idx.maxLevel;
  const kernel = idx.kernel as WasmKernel;
  l = idx.layout;
  const job: InsertJob = { ctl, levels: idx.views.u8, levelsAt: l.levels, first, n, efC: idx.efConstruction, exclusions: idx.deleted };
  const key = `${idx.instanceId}:${l.total}:${idx.arena.byteLength}:build`;
  const pool = sharedPool(threads - 1);
  for (let w = 0; w < threads - 1; w++) {
    const task: BuildTask = {
      key, wasmModule: idx.wasm!.module, memory: idx.arena.memory!, layout: l, nativeKind: idx.nativeKind,
      thread: w + 1, locks, ctl, first, n, efC: idx.efConstruction, exclusions: idx.deleted,
    };
    // failures are seen through C_FAILED (this call returns before the reply is read)
    pool.run(TASK, 'insert', task).catch(() => undefined);
  }
  idx.setBusy(true);
  kernel.setLocks(locks);
  let failure: unknown;
  try {
    // 5. insert alongside the workers, reporting progress between small batches
    while (insertLoop(kernel, job, -1, REPORT_EVERY) === REPORT_EVERY) report(Atomics.load(ctl, C_DONE));
  } catch (e) {
    failure = e;
    Atomics.store(ctl, C_FAILED, 1);
  }
  // 6. wait for the workers still inside an insert (also after a failure: they write this memory)
  for (let a = Atomics.load(ctl, C_ACTIVE); a !== 0; a = Atomics.load(ctl, C_ACTIVE)) {
    Atomics.wait(ctl, C_ACTIVE, a, 100);
    if (failure === undefined) report(Atomics.load(ctl, C_DONE));
  }
  kernel.setLocks(0);
  idx.setBusy(false);
  if (failure !== undefined) throw failure;
  if (Atomics.load(ctl, C_FAILED) !== 0 || Atomics.load(ctl, C_DONE) !== n) {
    throw new KnnkitError('threads', `threads: a worker thread failed during the parallel HNSW build (${Atomics.load(ctl, C_DONE)} of ${n} points inserted); the index is incomplete: rebuild it, or build with threads: 1`);
  }
  // 7. entry point, ids
  idx.ep = ctl[C_EP];
  idx.maxLevel = ctl[C_MAXL];
  for (let i = 0; i < n; i++) idx.setLabel(first + i, ids[from + i]);
  idx.live += n;
  report(n);
}

