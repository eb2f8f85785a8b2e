// The parallel Vamana build's task module, run by the shared worker pool (src/parallel): one
// worker inserts claimed points of both passes into the graph's shared WebAssembly memory with
// its own kernel instance and scratch block (./build-loop.ts for the protocol, ./build-parallel.ts
// for the caller).
import { C_ACTIVE, C_FAILED, awaitPass, claim, passLoop, type BuildJob } from './build-loop.js';
import { bindKernel, type GraphRegions, type ScratchBlock, type VamanaExports } from './store.js';

export interface BuildTask extends BuildJob {
  /** Graph identity and layout generation (an instance is reused while they stay the same). */
  key: string;
  wasmModule: WebAssembly.Module;
  memory: WebAssembly.Memory;
  regions: GraphRegions;
  /** This worker's scratch block. */
  block: ScratchBlock;
  cap: number;
  /** Address of the per-node lock words. */
  locks: number;
}

const cache = new Map<string, VamanaExports>();

/** The kernel instance of this worker for the task's memory, bound to its scratch block. */
function kernelFor(t: BuildTask): VamanaExports {
  let ex = cache.get(t.key);
  if (!ex) {
    if (cache.size >= 4) cache.delete(cache.keys().next().value!);
    const inst = new WebAssembly.Instance(t.wasmModule, { env: { memory: t.memory, abort: () => { throw new Error('vamana kernel: abort'); } } });
    ex = inst.exports as unknown as VamanaExports;
    cache.set(t.key, ex);
  }
  bindKernel(ex, t.regions, t.block, t.cap);
  ex.setLocks(t.locks);
  return ex;
}

/** Inserts points of both passes until none is left; returns how many this worker inserted. */
export function insertPasses(t: BuildTask): number {
  const ctl = t.ctl;
  Atomics.add(ctl, C_ACTIVE, 1);
  let ex: VamanaExports | null = null;
  let done = 0;
  try {
    for (let pass = 0; pass < t.orders.length; pass++) {
      if (pass > 0) awaitPass(t, pass - 1);
      // claim before touching the memory: a task that arrives after the build ended (its worker
      // was busy) finds nothing to claim and leaves the memory, which may have moved, alone
      const i = claim(t, pass);
      if (i < 0) continue;
      ex ??= kernelFor(t);
      done += passLoop(ex, t, pass, i, Infinity);
    }
    return done;
  } catch (e) {
    Atomics.store(ctl, C_FAILED, 1);
    throw e;
  } finally {
    ex?.setLocks(0);
    Atomics.sub(ctl, C_ACTIVE, 1);
    Atomics.notify(ctl, C_ACTIVE);
  }
}
