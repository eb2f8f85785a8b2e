import { Worker } from 'node:worker_threads';
import { availableParallelism, cpus } from 'node:os';

/**
 * A small pool of worker threads that run *task functions*: named exports of an ES module that
 * each worker imports (once) by URL. Engines write a task module next to their code, e.g.
 *
 *   // my-task.ts
 *   const engines = new Map<number, Engine>();        // per-worker state, kept between calls
 *   export function search(args: { id: number; ... }) { ... return something cloneable; }
 *
 *   // caller
 *   const pool = sharedPool();
 *   await pool.run(taskUrl(import.meta.url, './my-task'), 'search', args);
 *
 * Large inputs and outputs travel as SharedArrayBuffer-backed typed arrays (`toShared`,
 * `sharedArray`): posting them shares memory, nothing is copied. Tasks are queued and handed
 * to idle workers (dynamic load balance). Workers are unref'd while idle, so a pool never
 * keeps the process alive; `close()` terminates them.
 *
 * Worker entry resolution works under tsx (module URLs end in .ts) and in compiled JS (.js):
 * the entry is resolved next to this module with this module's own extension.
 */
export interface TaskRequest {
  /** URL (file:// or absolute) of the task module. */
  module: string;
  /** Name of the exported function; it receives `args` and may return a promise. */
  fn: string;
  args: unknown;
}

interface Pending {
  req: TaskRequest;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
}

let nextId = 1;

/** Threads to use by default: every core (os.availableParallelism()). */
export function defaultThreads(): number {
  return typeof availableParallelism === 'function' ? availableParallelism() : Math.max(1, cpus().length);
}

/** The URL of a sibling module of `fromUrl` (pass import.meta.url), with the caller's extension. */
export function taskUrl(fromUrl: string, relative: string): string {
  const ext = /\.(ts|mts|js|mjs|cjs)$/.exec(new URL(fromUrl).pathname)?.[0] ?? '.js';
  return new URL(relative + ext, fromUrl).href;
}

export class WorkerPool {
  readonly size: number;
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private closed = false;

  constructor(size = defaultThreads()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`WorkerPool size must be an integer >= 1; got ${size}`);
    this.size = size;
  }

  /** Runs `fn(args)` from `module` on a worker; resolves with its return value. */
  run<T = unknown>(module: string, fn: string, args: unknown): Promise<T> {
    if (this.closed || this.retiring) return Promise.reject(new Error('WorkerPool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ req: { module, fn, args }, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Runs the same call on every worker (e.g. to drop cached state); starts missing workers. */
  async broadcast(module: string, fn: string, args: unknown): Promise<void> {
    // Only workers that exist hold state; nothing to do for the others.
    await Promise.all(this.slots.map((s) => this.direct(s, { module, fn, args })));
  }

  /** Terminates every worker. Queued and running tasks are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('WorkerPool closed'));
    const slots = this.slots;
    this.slots = [];
    for (const s of slots) { const p = s.busy; s.busy = null; if (p) p.reject(new Error('WorkerPool closed')); }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Accepts no new tasks; terminates the workers once the queued and running ones are done. */
  retire(): void {
    this.retiring = true;
    this.maybeFinish();
  }

  private retiring = false;
  private maybeFinish(): void {
    if (this.retiring && this.queue.length === 0 && this.slots.every((s) => !s.busy)) void this.close();
  }

  private direct(slot: Slot, req: TaskRequest): Promise<void> {
    // Queued like any task but pinned to this slot: simplest is a dedicated one-off worker
    // message that does not go through `busy` (broadcasts are rare and tiny).
    return new Promise((resolve) => {
      const id = nextId++;
      const onMsg = (m: { id: number }) => {
        if (m.id === id) { slot.worker.off('message', onMsg); resolve(); }
      };
      slot.worker.on('message', onMsg);
      slot.worker.postMessage({ id, ...req, quiet: true });
    });
  }

  private spawn(): Slot {
    const worker = startWorker(taskUrl(import.meta.url, './worker'));
    worker.unref();
    const slot: Slot = { worker, busy: null };
    worker.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: { message: string; name: string; param?: string; stack?: string } ; quiet?: boolean }) => {
      if (m.quiet) return;
      const p = slot.busy;
      if (!p) return;
      slot.busy = null;
      worker.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(reviveError(m.error!));
      this.dispatch();
      this.maybeFinish();
    });
    const lost = (err: unknown) => {
      const p = slot.busy;
      slot.busy = null;
      if (!this.slots.includes(slot)) return;
      this.slots = this.slots.filter((s) => s !== slot);
      if (p) p.reject(err);
      this.dispatch();
    };
    worker.on('error', lost);
    // a worker that dies without an 'error' (killed, out of memory) must not leave a task hanging
    worker.on('exit', (code) => lost(new Error(`worker thread exited (code ${code}) while running a task`)));
    this.slots.push(slot);
    return slot;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot) {
        if (this.slots.length >= this.size) return;
        slot = this.spawn();
      }
      const p = this.queue.shift()!;
      slot.busy = p;
      slot.worker.ref(); // keep the process alive while a result is owed
      slot.worker.postMessage({ id: nextId++, ...p.req });
    }
  }
}

/**
 * Starts the worker entry. Compiled JS loads directly; a .ts entry (tests and benchmarks run
 * the sources under tsx) first registers tsx's loader inside the new thread, because the
 * loader hooks of the parent's `--import tsx` do not reach worker threads in Node 20.
 */
function startWorker(entry: string): Worker {
  if (!/\.[mc]?ts$/.test(new URL(entry).pathname)) return new Worker(new URL(entry));
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true });
}

function reviveError(e: { message: string; name: string; param?: string; stack?: string }): Error {
  const err = new Error(e.message);
  err.name = e.name;
  if (e.param !== undefined) (err as Error & { param?: string }).param = e.param;
  if (e.stack) err.stack = e.stack;
  return err;
}

let shared: WorkerPool | undefined;

/**
 * The process-wide pool (created on first use, grown when more threads are asked for). Its
 * workers are unref'd while idle: no need to close it before exiting.
 */
export function sharedPool(threads = defaultThreads()): WorkerPool {
  if (!shared || shared.size < threads) {
    const old = shared;
    shared = new WorkerPool(threads);
    old?.retire(); // finishes what it runs, then terminates
  }
  return shared;
}

/** The process-wide pool if one was started (does not start one). */
export function existingSharedPool(): WorkerPool | undefined {
  return shared;
}

/** Terminates the process-wide pool (a later sharedPool() starts a fresh one). */
export async function closeSharedPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  if (p) await p.close();
}
