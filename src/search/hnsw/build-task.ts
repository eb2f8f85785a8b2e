// The parallel build's task module, run by the shared worker pool (src/parallel): one worker
// inserts claimed points into the index's shared WebAssembly memory with its own kernel
// instance and scratch block (see build-loop.ts for the protocol, build-parallel.ts for the caller).
import { WasmKernel } from './kernel-wasm.js';
import type { Layout } from './layout.js';
import { C_ACTIVE, C_FAILED, claim, insertLoop, type InsertJob } from './build-loop.js';

export interface BuildTask {
  /** Index identity and memory generation (a kernel is reused between builds of the same one). */
  key: string;
  wasmModule: WebAssembly.Module;
  memory: WebAssembly.Memory;
  layout: Layout;
  nativeKind: number;
  /** Scratch block of this worker (1..threads - 1; 0 is the calling thread's). */
  thread: number;
  /** Address of the per-slot lock words. */
  locks: number;
  ctl: Int32Array;
  first: number; n: number; efC: number; exclusions: number;
}

const cache = new Map<string, WasmKernel>();

/** Inserts points until none is left; returns how many this worker inserted. */
export function insert(t: BuildTask): number {
  const ctl = t.ctl;
  Atomics.add(ctl, C_ACTIVE, 1);
  let done = 0;
  try {
    // Claim before touching the memory: a task that arrives after the caller finished (its
    // worker was still busy) finds nothing to claim and leaves the memory, which may have moved, alone.
    const i = claim(ctl, t.n);
    if (i < 0) return 0;
    let kernel = cache.get(t.key);
    if (!kernel) {
      if (cache.size >= 4) cache.delete(cache.keys().next().value!);
      kernel = new WasmKernel({ module: t.wasmModule, relaxed: false, shared: true }, t.memory, t.nativeKind);
      cache.set(t.key, kernel);
    }
    kernel.bind(t.layout, t.thread);
    kernel.setLocks(t.locks);
    try {
      const job: InsertJob = { ctl, levels: new Uint8Array(t.memory.buffer), levelsAt: t.layout.levels, first: t.first, n: t.n, efC: t.efC, exclusions: t.exclusions };
      done = insertLoop(kernel, job, i, Infinity);
    } finally {
      kernel.setLocks(0);
    }
    return done;
  } catch (e) {
    Atomics.store(ctl, C_FAILED, 1);
    throw e;
  } finally {
    Atomics.sub(ctl, C_ACTIVE, 1);
    Atomics.notify(ctl, C_ACTIVE);
  }
}
