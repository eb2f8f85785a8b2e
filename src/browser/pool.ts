/**
 * The browser build's src/parallel/pool.ts (scripts/build-dist.mjs substitutes it): the same
 * exports, on Web Workers. A task module is named by the `knnkit:/src/...` URL its caller's
 * `taskUrl(import.meta.url, ...)` gives (the build writes each file's own path in place of
 * import.meta.url); the worker script (./worker.ts, bundled into a string by the build and
 * started from a Blob URL, so that any bundler ships it with no configuration) holds every
 * task module. Shared memory needs a cross-origin isolated page; without it the engines never
 * reach the pool (sharedMemoryAvailable() is false) and search in the calling thread.
 */
import workerSource from 'knnkit:browser-worker-source';

export interface TaskRequest { module: string; fn: string; args: unknown }

interface Pending { req: TaskRequest; resolve: (v: unknown) => void; reject: (e: unknown) => void }
interface Slot { worker: Worker; busy: Pending | null }
interface Reply { id: number; ok: boolean; result?: unknown; quiet?: boolean; error?: { message: string; name: string; param?: string } }

let nextId = 1;
let scriptUrl: string | undefined;

/** Threads to use by default: navigator.hardwareConcurrency (1 when unknown). */
export function defaultThreads(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? n : 1;
}

/** The task name of a sibling module of `fromUrl`, with the caller's extension (as in Node). */
export function taskUrl(fromUrl: string, relative: string): string {
  const ext = /\.(ts|mts|js|mjs|cjs)$/.exec(new URL(fromUrl).pathname)?.[0] ?? '.js';
  return new URL(relative + ext, fromUrl).href;
}

function startWorker(): Worker {
  scriptUrl ??= URL.createObjectURL(new Blob([workerSource], { type: 'text/javascript' }));
  return new Worker(scriptUrl, { name: 'knnkit' });
}

export class WorkerPool {
  readonly size: number;
  private slots: Slot[] = [];
  private queue: Pending[] = [];
  private closed = false;
  private retiring = false;

  constructor(size = defaultThreads()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`WorkerPool size must be an integer >= 1; got ${size}`);
    this.size = size;
  }

  run<T = unknown>(module: string, fn: string, args: unknown): Promise<T> {
    if (this.closed || this.retiring) return Promise.reject(new Error('WorkerPool is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ req: { module, fn, args }, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  async broadcast(module: string, fn: string, args: unknown): Promise<void> {
    await Promise.all(this.slots.map((s) => new Promise<void>((resolve) => {
      const id = nextId++;
      const onMsg = (e: MessageEvent<Reply>) => { if (e.data.id === id) { s.worker.removeEventListener('message', onMsg); resolve(); } };
      s.worker.addEventListener('message', onMsg);
      s.worker.postMessage({ id, module, fn, args, quiet: true });
    })));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('WorkerPool closed'));
    for (const s of this.slots.splice(0)) {
      const p = s.busy; s.busy = null;
      if (p) p.reject(new Error('WorkerPool closed'));
      s.worker.terminate();
    }
  }

  retire(): void {
    this.retiring = true;
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.retiring && this.queue.length === 0 && this.slots.every((s) => !s.busy)) void this.close();
  }

  private spawn(): Slot {
    const worker = startWorker();
    const slot: Slot = { worker, busy: null };
    worker.addEventListener('message', (e: MessageEvent<Reply>) => {
      const m = e.data;
      if (m.quiet) return;
      const p = slot.busy;
      if (!p) return;
      slot.busy = null;
      if (m.ok) p.resolve(m.result);
      else {
        const err = new Error(m.error!.message);
        err.name = m.error!.name;
        if (m.error!.param !== undefined) (err as Error & { param?: string }).param = m.error!.param;
        p.reject(err);
      }
      this.dispatch();
      this.maybeFinish();
    });
    worker.addEventListener('error', (e) => {
      const p = slot.busy;
      slot.busy = null;
      this.slots = this.slots.filter((s) => s !== slot);
      worker.terminate();
      if (p) p.reject(new Error(`knnkit worker failed: ${e.message}`));
      this.dispatch();
    });
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
      slot.worker.postMessage({ id: nextId++, ...p.req });
    }
  }
}

let shared: WorkerPool | undefined;

export function sharedPool(threads = defaultThreads()): WorkerPool {
  if (!shared || shared.size < threads) {
    const old = shared;
    shared = new WorkerPool(threads);
    old?.retire();
  }
  return shared;
}

export function existingSharedPool(): WorkerPool | undefined {
  return shared;
}

export async function closeSharedPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  if (p) await p.close();
}
