// The worker side of kmeans-parallel.ts, run by the shared pool (src/parallel): one worker serves
// the session's jobs until told to quit, each job's chunks claimed from the shared counter and
// assigned by this thread's own instance of the tile kernel.
import { TileAssigner } from './kmeans-kernel.js';
import { C_BASE, C_C, C_CHUNKS, C_D, C_DONE, C_FAILED, C_GEN, C_K, C_L, C_N, C_QUIT, C_ROWS, C_SEQ, C_WORKERS, C_X, claim } from './kmeans-parallel.js';

export interface ServeTask { ctl: Int32Array; memory: WebAssembly.Memory; worker: number }

/** Serves jobs until the session ends; returns the chunks this worker assigned. */
export function serve(t: ServeTask): number {
  const { ctl, memory } = t;
  let gen = 0, chunksDone = 0;
  let a: TileAssigner | null = null;
  try {
    for (;;) {
      // park until the next job (the timeout re-reads QUIT: a notify may come before the wait)
      while (Atomics.load(ctl, C_QUIT) === 0 && Atomics.load(ctl, C_GEN) === gen) Atomics.wait(ctl, C_GEN, gen, 200);
      if (Atomics.load(ctl, C_QUIT) !== 0) return chunksDone;
      gen = Atomics.load(ctl, C_GEN);
      // the job's fields, read whole (seqlock: retry while the caller writes the next job's)
      let base = 0, chunks = 0, rows = 0, n = 0, d = 0, k = 0, xOff = 0, cOff = 0, lOff = 0, workers = 0;
      for (;;) {
        const s1 = Atomics.load(ctl, C_SEQ);
        if (s1 & 1) continue;
        base = ctl[C_BASE]; chunks = ctl[C_CHUNKS]; rows = ctl[C_ROWS];
        n = ctl[C_N]; d = ctl[C_D]; k = ctl[C_K]; xOff = ctl[C_X]; cOff = ctl[C_C]; lOff = ctl[C_L]; workers = ctl[C_WORKERS];
        if (Atomics.load(ctl, C_SEQ) === s1) break;
      }
      if (t.worker >= workers) continue;
      let tk = claim(ctl, base + chunks);
      if (tk < 0) continue;
      if (!a || a.k !== k || a.d !== d) a = TileAssigner.create(k, d);
      if (!a) throw new Error('kmeans worker: the WebAssembly kernel is unavailable in this thread');
      const buf = memory.buffer as unknown as ArrayBuffer;
      a.setCentres(new Float32Array(buf, cOff, k * d));
      const X = new Float32Array(buf, xOff, n * d), L = new Int32Array(buf, lOff, n);
      for (; tk >= 0; tk = claim(ctl, base + chunks)) {
        const c = tk - base;
        a.assign(X, c * rows, Math.min(n, (c + 1) * rows), L);
        Atomics.add(ctl, C_DONE, 1);
        Atomics.notify(ctl, C_DONE);
        chunksDone++;
      }
    }
  } catch (e) {
    Atomics.store(ctl, C_FAILED, 1);
    Atomics.notify(ctl, C_DONE);
    throw e;
  }
}
