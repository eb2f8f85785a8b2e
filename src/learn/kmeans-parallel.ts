// Nearest-centre assignment on several threads: the calling thread and threads - 1 workers of the
// shared pool (src/parallel) split the rows into chunks claimed from a shared counter, the centres
// shared by all, each thread running its own instance of the tile kernel (kmeans-kernel.ts). A
// row's label depends on that row and the centres only, so the labels are those of one thread
// whatever the split (test/learn/kmeans-threads.test.ts).
//
// The call stays synchronous (KMeans.fit, an index's train / add): the calling thread works too
// and then waits with Atomics.wait. The workers stay parked in one session until the calling
// thread next yields to its event loop (a setImmediate ends it): a synchronous caller that runs
// several k-means (IVF-PQ: the coarse quantiser, then a codebook per sub-space, then the lists of
// the added vectors) reaches the same workers each time, which the pool could not hand it a
// second time before the replies of the first were read. Data travel through one growable shared
// WebAssembly.Memory (a SharedArrayBuffer cannot grow) and job fields in a control block.
import { KnnkitError } from '../core/errors.js';
import { sharedPool, taskUrl } from '../parallel/index.js';
import { TileAssigner } from './kmeans-kernel.js';

const TASK = taskUrl(import.meta.url, './kmeans-task');

/** Int32 words of the control block. */
export const C_GEN = 0;     // job number; bumped (and notified) to start a job
export const C_NEXT = 1;    // next chunk ticket (monotonic over the session's jobs)
export const C_DONE = 2;    // chunk tickets completed (monotonic)
export const C_QUIT = 3;    // 1: workers leave
export const C_FAILED = 4;  // 1 once a worker failed
export const C_BASE = 5;    // the job's first ticket
export const C_CHUNKS = 6;  // the job's tickets
export const C_ROWS = 7;    // rows per chunk
export const C_N = 8, C_D = 9, C_K = 10;
export const C_X = 11, C_C = 12, C_L = 13;   // byte offsets of X (n x d f32), centres (k x d f32), labels (n i32)
export const C_WORKERS = 14; // workers the job may use (worker w takes part when w < this)
export const C_SEQ = 15;     // odd while the job fields are being written (a seqlock: readers retry)
export const CONTROL_WORDS = 16;

/** Below this many multiply-adds per pass (n k d), a pass stays on the calling thread. */
export const MIN_PARALLEL_WORK = 1 << 24;

/** @internal Chunks assigned by workers (not the calling thread) since the process started: tests check that workers take part. */
export const parallelStats = { workerChunks: 0 };

interface Session { ctl: Int32Array; memory: WebAssembly.Memory; threads: number; owner: object | null }
let session: Session | null = null;

/** True where workers can share the work: Node (the caller blocks in Atomics.wait) with shared memory and the WebAssembly kernel. */
function parallelAvailable(): boolean {
  const node = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  return node && typeof SharedArrayBuffer === 'function' && typeof Atomics?.wait === 'function';
}

/** The open session (at most one: its workers hold the pool's slots until it ends), else a new one with threads - 1 workers. */
function openSession(threads: number): Session {
  if (session) return session;
  const ctl = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const s: Session = { ctl, memory, threads, owner: null };
  const pool = sharedPool(threads - 1);
  // failures are seen through C_FAILED (the replies are read only after the caller yields)
  for (let w = 0; w < threads - 1; w++) pool.run(TASK, 'serve', { ctl, memory, worker: w }).catch(() => undefined);
  closeLater(s);
  session = s;
  return s;
}

function closeLater(s: Session): void {
  setImmediate(() => closeSession(s));
}

function closeSession(s: Session): void {
  Atomics.store(s.ctl, C_QUIT, 1);
  Atomics.notify(s.ctl, C_GEN);
  if (session === s) session = null;
}

/**
 * Repeated assignments of the same n rows (Lloyd's passes) to changing centres on `threads`
 * threads; the rows are copied into the session's shared memory once. Falls back to the
 * calling thread alone for small work, one thread, or where workers cannot share memory.
 */
export class ParallelAssigner {
  private readonly local: TileAssigner;
  private readonly s: Session | null;
  private readonly labels: Int32Array;

  private constructor(private readonly X: Float32Array, readonly n: number, readonly d: number, readonly k: number, local: TileAssigner, private readonly threads: number) {
    this.local = local;
    this.labels = new Int32Array(n);
    this.s = threads > 1 && n * k * d >= MIN_PARALLEL_WORK && n >= 8 && parallelAvailable() ? openSession(threads) : null;
  }

  /** Null when WebAssembly is off (the caller runs the TypeScript twin). */
  static create(X: Float32Array, n: number, d: number, k: number, threads: number): ParallelAssigner | null {
    const local = TileAssigner.create(k, d);
    return local ? new ParallelAssigner(X, n, d, k, local, threads) : null;
  }

  /** The nearest of the centres (k x d) for every row; the returned array is overwritten by the next call. */
  assign(centers: Float32Array): Int32Array {
    const { n, d, k } = this;
    const s = this.s;
    if (!s || Atomics.load(s.ctl, C_QUIT) !== 0 || Atomics.load(s.ctl, C_FAILED) !== 0) {
      this.local.setCentres(centers);
      this.local.assign(this.X, 0, n, this.labels);
      return this.labels;
    }
    const ctl = s.ctl;
    // the session's memory: rows (written once per owner), centres, labels
    const xOff = 0, cOff = n * d * 4, lOff = cOff + k * d * 4, end = lOff + n * 4;
    const have = s.memory.buffer.byteLength;
    if (end > have) s.memory.grow(Math.ceil((end - have) / 65536));
    const buf = s.memory.buffer as unknown as ArrayBuffer;
    if (s.owner !== this) {
      new Float32Array(buf, xOff, n * d).set(this.X.subarray(0, n * d));
      s.owner = this;
    }
    const C = new Float32Array(buf, cOff, k * d);
    C.set(centers.subarray(0, k * d));
    const L = new Int32Array(buf, lOff, n);
    // chunks: about 8 per thread for the dynamic balance, 256 .. 4,096 rows, whole quads
    const threads = Math.min(this.threads, s.threads);
    const rows = Math.min(4096, Math.max(256, (Math.ceil(n / (threads * 8)) + 3) & ~3));
    const chunks = Math.ceil(n / rows);
    const base = Atomics.load(ctl, C_NEXT);
    // the job's fields under the seqlock: a late worker of the previous job reads them whole or retries
    Atomics.add(ctl, C_SEQ, 1);
    ctl[C_BASE] = base; ctl[C_CHUNKS] = chunks; ctl[C_ROWS] = rows;
    ctl[C_N] = n; ctl[C_D] = d; ctl[C_K] = k; ctl[C_X] = xOff; ctl[C_C] = cOff; ctl[C_L] = lOff;
    ctl[C_WORKERS] = threads - 1;
    Atomics.add(ctl, C_SEQ, 1);
    Atomics.add(ctl, C_GEN, 1);
    Atomics.notify(ctl, C_GEN);
    this.local.setCentres(C);
    const X = new Float32Array(buf, xOff, n * d);
    let mine = 0;
    for (let t = claim(ctl, base + chunks); t >= 0; t = claim(ctl, base + chunks)) {
      const c = t - base;
      this.local.assign(X, c * rows, Math.min(n, (c + 1) * rows), L);
      Atomics.add(ctl, C_DONE, 1);
      mine++;
    }
    // wait for the chunks the workers hold
    for (let done = Atomics.load(ctl, C_DONE); done < base + chunks; done = Atomics.load(ctl, C_DONE)) {
      if (Atomics.load(ctl, C_FAILED) !== 0) {
        closeSession(s);
        throw new KnnkitError('threads', `threads: a worker thread failed while assigning rows to k-means centres; retry, or pass threads: 1`);
      }
      Atomics.wait(ctl, C_DONE, done, 50);
    }
    parallelStats.workerChunks += chunks - mine;
    this.labels.set(L);
    return this.labels;
  }
}

/**
 * Claims the next chunk ticket below `end`, or -1 when none is left. With `end` read whole (the
 * seqlock) a success means the job whose fields were read is the current one, and it cannot
 * end (nor its fields change) before this ticket is done.
 */
export function claim(ctl: Int32Array, end: number): number {
  for (;;) {
    const t = Atomics.load(ctl, C_NEXT);
    if (t >= end) return -1;
    if (Atomics.compareExchange(ctl, C_NEXT, t, t + 1) === t) return t;
  }
}
