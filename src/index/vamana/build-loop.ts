// The insert loop of the parallel Vamana build (./build-parallel.ts), run by the calling thread
// and by each worker (./build-task.ts) on the same shared graph memory: the points of a pass's
// random order are claimed one at a time from a shared counter and inserted by the kernel
// (assembly/_vamana_core.ts insertNode with setLocks: DiskANN's per-node locks). One task runs
// both passes (the calling thread is blocked in the build, so it cannot hand a worker a second
// task); between them every thread waits until all of pass 1's inserts are done (the barrier).
import type { VamanaExports } from './store.js';

/** Int32 words of the control block (one SharedArrayBuffer per build). */
export const C_ACTIVE = 0;  // threads inside a task (the caller waits for 0 before returning)
export const C_FAILED = 1;  // 1 once a thread failed: the others stop claiming
const C_NEXT = 2;           // + 2 pass: next position of the pass's order to claim
const C_DONE = 3;           // + 2 pass: points of the pass inserted
export const CONTROL_WORDS = 6;

/** The two passes: insert orders[pass] with list size L and a2s[pass] = α², from the medoid, degree bound R. */
export interface BuildJob {
  ctl: Int32Array;
  orders: Int32Array[];
  a2s: number[];
  medoid: number;
  L: number;
  R: number;
}

/** Points of a pass inserted so far. */
export function doneOf(ctl: Int32Array, pass: number): number {
  return Atomics.load(ctl, C_DONE + 2 * pass);
}

/** Claims the next position of a pass, or -1 when none is left (or a thread failed). */
export function claim(job: BuildJob, pass: number): number {
  const ctl = job.ctl;
  if (Atomics.load(ctl, C_FAILED) !== 0) return -1;
  const i = Atomics.add(ctl, C_NEXT + 2 * pass, 1);
  return i < job.orders[pass].length ? i : -1;
}

/**
 * Inserts claimed points of a pass until none is left or `limit` were inserted by this call
 * (the calling thread returns now and then to report progress). `first` is a position already
 * claimed, or -1. The insert that completes the pass wakes the threads at the barrier.
 */
export function passLoop(ex: VamanaExports, job: BuildJob, pass: number, first: number, limit: number): number {
  const order = job.orders[pass], a2 = job.a2s[pass], at = C_DONE + 2 * pass;
  let done = 0;
  let i = first >= 0 ? first : claim(job, pass);
  while (i >= 0) {
    ex.insertNode(order[i], job.medoid, job.L, a2, job.R);
    if (Atomics.add(job.ctl, at, 1) + 1 === order.length) Atomics.notify(job.ctl, at);
    if (++done >= limit) break;
    i = claim(job, pass);
  }
  return done;
}

/** The barrier: waits until every point of the pass is inserted (or a thread failed). */
export function awaitPass(job: BuildJob, pass: number, tick?: () => void): void {
  const ctl = job.ctl, at = C_DONE + 2 * pass, n = job.orders[pass].length;
  for (let d = Atomics.load(ctl, at); d < n && Atomics.load(ctl, C_FAILED) === 0; d = Atomics.load(ctl, at)) {
    Atomics.wait(ctl, at, d, 20);
    tick?.();
  }
}
