// The insert loop of the parallel HNSW build (build-parallel.ts), run by the calling thread and
// by each worker (build-task.ts) on the same shared index memory, as hnswlib's addPoint from
// several threads: points are claimed one at a time from a shared counter, and the kernel
// (assembly/_hnsw_core.ts with setLocks) takes a node's lock around each read or rewrite of its
// link lists. The entry point and top layer (the paper's ep and L) live in a small control
// block; an insert whose level l exceeds L holds the global lock for its whole insert (hnswlib's
// `global` mutex), so that ep only ever moves to a fully linked node.
import type { WasmKernel } from './kernel-wasm.js';

/** Int32 words of the control block (one SharedArrayBuffer per build). */
export const C_NEXT = 0;    // next point index to claim
export const C_DONE = 1;    // points inserted (progress)
export const C_ACTIVE = 2;  // threads inside the loop (the caller waits for 0)
export const C_EP = 3;      // entry point slot (-1: empty graph)
export const C_MAXL = 4;    // its level L (-1: empty graph)
export const C_GLOBAL = 5;  // the global lock (0 free, 1 held)
export const C_FAILED = 6;  // 1 once a thread failed: the others stop claiming
export const CONTROL_WORDS = 8;

/** What one thread needs to insert points [first, first + n) whose vectors, levels and upper blocks are written. */
export interface InsertJob {
  ctl: Int32Array;
  /** Level of each slot: the index memory's `levels` region (u8 per slot). */
  levels: Uint8Array;
  levelsAt: number;
  first: number;
  n: number;
  efC: number;
  /** Tombstones in the graph (the walk then keeps going past excluded nodes). */
  exclusions: number;
}

function lockGlobal(ctl: Int32Array): void {
  while (Atomics.compareExchange(ctl, C_GLOBAL, 0, 1) !== 0) Atomics.wait(ctl, C_GLOBAL, 1, 1);
}

function unlockGlobal(ctl: Int32Array): void {
  Atomics.store(ctl, C_GLOBAL, 0);
  Atomics.notify(ctl, C_GLOBAL, 1);
}

/** Claims the next point index, or -1 when none is left (or a thread failed). */
export function claim(ctl: Int32Array, n: number): number {
  if (Atomics.load(ctl, C_FAILED) !== 0) return -1;
  const i = Atomics.add(ctl, C_NEXT, 1);
  return i < n ? i : -1;
}

/**
 * INSERT (Algorithm 1) of point index i of the job. (L, ep) are read in that order: the
 * writer stores ep before L, so a reader that sees the new L also sees the new ep, and an ep
 * newer than L is a node whose level is >= L (its lists exist at every layer <= L).
 */
export function insertPoint(kernel: WasmKernel, job: InsertJob, i: number): void {
  const { ctl } = job;
  const slot = job.first + i, level = job.levels[job.levelsAt + slot];
  let L = Atomics.load(ctl, C_MAXL), ep = Atomics.load(ctl, C_EP);
  if (level > L) {
    lockGlobal(ctl);
    try {
      L = Atomics.load(ctl, C_MAXL); ep = Atomics.load(ctl, C_EP);
      if (level > L) {
        kernel.insert(slot, level, ep, L, job.efC, job.exclusions);
        Atomics.store(ctl, C_EP, slot);
        Atomics.store(ctl, C_MAXL, level);
        return;
      }
    } finally {
      unlockGlobal(ctl);
    }
  }
  kernel.insert(slot, level, ep, L, job.efC, job.exclusions);
}

/**
 * Inserts claimed points until none is left or `limit` were inserted by this call (the
 * calling thread returns now and then to report progress). `first` is a point already claimed
 * by the caller, or -1. Returns how many this call inserted.
 */
export function insertLoop(kernel: WasmKernel, job: InsertJob, first: number, limit: number): number {
  let done = 0;
  let i = first >= 0 ? first : claim(job.ctl, job.n);
  while (i >= 0) {
    insertPoint(kernel, job, i);
    Atomics.add(job.ctl, C_DONE, 1);
    if (++done >= limit) break;
    i = claim(job.ctl, job.n);
  }
  return done;
}
