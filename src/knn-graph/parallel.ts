import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ColumnSolution } from './columns.js';
import type { OnProgress } from '../core/progress.js';
import { completeLocal, ensurePlan, type LocalWork, type Prepared } from './train.js';

/** Default thread count: the machine's cores, at most 8. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Starts one worker. In the build this module is .js and so is the worker. Run from source
 * (tests, CLI through tsx) the worker is a .ts file and Node does not hand the tsx loader to
 * worker threads, so a tiny bootstrap registers tsx in the worker before importing it.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  const url = new URL('./worker.ts', import.meta.url).href;
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); }).catch((e) => { throw e; });`;
  return new Worker(boot, { eval: true });
}

/**
 * Workers are kept between fits (starting one costs more than a small fit: cross-validation
 * fits ten models in a row) and unref'd while idle, so they never keep the process alive.
 */
const pool: Worker[] = [];

function acquire(n: number): Worker[] {
  while (pool.length < n) {
    const w = startWorker();
    w.on('error', () => { const i = pool.indexOf(w); if (i >= 0) pool.splice(i, 1); });
    w.on('exit', () => { const i = pool.indexOf(w); if (i >= 0) pool.splice(i, 1); });
    pool.push(w);
  }
  const ws = pool.slice(0, n);
  ws.forEach((w) => w.ref());
  return ws;
}

/** Stops the pooled worker threads (they are also unref'd, so this is optional). */
export async function shutdownWorkers(): Promise<void> {
  const ws = pool.splice(0, pool.length);
  await Promise.all(ws.map((w) => w.terminate()));
}

const GRAM_ROWS = 16;
const SOLVE_COLS = 16;

/**
 * Step 4 on worker threads: H = A A in row blocks, then the columns in chunks, both handed out
 * dynamically (a worker asks for the next chunk when it is done), on the shared A and H.
 * The per-column results do not depend on the thread count.
 */
export async function solveAllParallel(p: Prepared, threads: number, onProgress?: OnProgress): Promise<ColumnSolution[]> {
  const n = p.ctx.n;
  const nWorkers = Math.max(1, Math.min(threads, Math.ceil(n / SOLVE_COLS)));
  const workers = acquire(nWorkers);
  let ok = false;
  try {
    if (p.pending) {
      // candidates mode: the row passes of the preparation on the same workers, then the rest
      const w = p.pending.work;
      ensurePlan(w); // drawn here, in the calling thread, while the workers start
      await runQueue(workers, workers.map(() => ({ type: 'prep', work: w })), () => undefined, true);
      await runQueue(workers, localTasks(w, nWorkers), () => undefined);
      completeLocal(p);
    }
    await runQueue(workers, workers.map((_, w) => ({ type: 'init', init: { ctx: p.ctx, A: p.A, slot: w + 1 } })), () => undefined, true);
    if (p.needsGram) {
      const tasks: Array<{ type: 'gram'; r0: number; r1: number }> = [];
      for (let r0 = 0; r0 < n; r0 += GRAM_ROWS) tasks.push({ type: 'gram', r0, r1: Math.min(n, r0 + GRAM_ROWS) });
      await runQueue(workers, tasks, () => undefined);
    }
    const out: ColumnSolution[] = new Array(n);
    const tasks: Array<{ type: 'solve'; cols: Int32Array }> = [];
    for (let j0 = 0; j0 < n; j0 += SOLVE_COLS) {
      const cols = new Int32Array(Math.min(SOLVE_COLS, n - j0));
      for (let t = 0; t < cols.length; t++) cols[t] = j0 + t;
      tasks.push({ type: 'solve', cols });
    }
    let solved = 0;
    await runQueue(workers, tasks, (msg) => {
      const m = msg as { cols: Int32Array; offsets: Int32Array; idx: Int32Array; val: Float64Array; iters: Int32Array };
      for (let t = 0; t < m.cols.length; t++) {
        out[m.cols[t]] = {
          idx: m.idx.slice(m.offsets[t], m.offsets[t + 1]),
          val: m.val.slice(m.offsets[t], m.offsets[t + 1]),
          iterations: m.iters[t],
        };
      }
      solved += m.cols.length;
      onProgress?.({ phase: 'knn-graph solve', done: solved, total: n });
    });
    ok = true;
    return out;
  } finally {
    if (ok) workers.forEach((w) => w.unref());
    else {
      // a failed fit may leave a worker mid-task: do not reuse any of them
      for (const w of workers) { const i = pool.indexOf(w); if (i >= 0) pool.splice(i, 1); }
      await Promise.all(workers.map((w) => w.terminate()));
    }
  }
}

/**
 * The preparation's row passes cut into tasks of about equal cost, a few per thread (handed
 * out dynamically, which balances a shared machine): candidate searches by row ranges, median
 * pairs by rows (exact: ranges holding equal pair counts) or by pair ranges (sampled), and one
 * task per class. The largest first.
 */
function localTasks(w: LocalWork, threads: number): object[] {
  const n = w.X.rows, parts = threads * 6;
  const tasks: object[] = [];
  const step = Math.max(64, Math.ceil(n / parts));
  for (let r0 = 0; r0 < n; r0 += step) tasks.push({ type: 'cand', r0, r1: Math.min(n, r0 + step) });
  if (w.pairD2.length > 0) {
    if (w.plan.exact) {
      const per = Math.max(1, Math.ceil(w.plan.count / parts));
      let i0 = 0, acc = 0;
      for (let i = 0; i < n; i++) {
        acc += n - 1 - i;
        if (acc >= per || i === n - 1) { tasks.push({ type: 'pairs', lo: i0, hi: i + 1 }); i0 = i + 1; acc = 0; }
      }
    } else {
      const per = Math.ceil(w.plan.count / parts);
      for (let lo = 0; lo < w.plan.count; lo += per) tasks.push({ type: 'pairs', lo, hi: Math.min(w.plan.count, lo + per) });
    }
  }
  const order = w.members.map((_, c) => c).sort((a, b) => w.members[b].length - w.members[a].length);
  for (const c of order) tasks.push({ type: 'class', c });
  return tasks;
}

/** Hands tasks out as workers become free; `oneEach` sends task i to worker i (the inits). */
function runQueue(workers: Worker[], tasks: object[], onResult: (msg: unknown) => void, oneEach = false): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0, pending = 0, failed = false;
    const cleanups: Array<() => void> = [];
    const finish = (err?: Error) => {
      if (failed) return;
      if (err) failed = true;
      cleanups.forEach((c) => c());
      if (err) reject(err); else resolve();
    };
    const feed = (w: Worker) => {
      if (oneEach) {
        const i = workers.indexOf(w);
        if (!sent[i]) { sent[i] = true; pending++; next++; w.postMessage(tasks[i]); return; }
        if (pending === 0) finish();
        return;
      }
      if (next < tasks.length) { pending++; w.postMessage(tasks[next++]); }
      else if (pending === 0) finish();
    };
    const sent = workers.map(() => false);
    for (const w of workers) {
      const onMsg = (msg: { type: string; message?: string }) => {
        if (msg.type === 'error') { finish(new Error(`knn-graph worker: ${msg.message}`)); return; }
        pending--;
        if (msg.type === 'solved') onResult(msg);
        feed(w);
      };
      const onErr = (e: Error) => finish(e);
      const onExit = (code: number) => { if (code !== 0) finish(new Error(`knn-graph worker exited with code ${code}`)); };
      w.on('message', onMsg); w.on('error', onErr); w.on('exit', onExit);
      cleanups.push(() => { w.off('message', onMsg); w.off('error', onErr); w.off('exit', onExit); });
    }
    if (tasks.length === 0) { finish(); return; }
    for (const w of workers) feed(w);
  });
}
