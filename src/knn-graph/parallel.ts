import { threadId } from 'node:worker_threads';
import type { ColumnSolution } from './columns.js';
import type { OnProgress } from '../core/progress.js';
import { sharedPool, taskUrl, toShared, defaultThreads as poolThreads } from '../parallel/index.js';
import { completeLocal, ensurePlan, type LocalWork, type Prepared } from './train.js';
import type { SolveState, SolvedColumns } from './solve-tasks.js';

/** Default thread count: the shared pool's (every core). */
export function defaultThreads(): number {
  return poolThreads();
}

const TASKS = taskUrl(import.meta.url, './solve-tasks');
const GRAM_ROWS = 16;
const SOLVE_COLS = 16;
let fits = 0;

/**
 * The candidates-mode row passes (if still pending) and step 4 on the shared worker pool:
 * H = A A in row blocks, then the columns in chunks, handed out dynamically (a worker takes
 * the next chunk when it is done), on the shared A and H. The per-column results do not depend
 * on the thread count. At most `threads` tasks run at once, each with its own scratch slot
 * (1..threads; slot 0 is the calling thread's) of the shared kernel memory.
 */
export async function solveAllParallel(p: Prepared, threads: number, onProgress?: OnProgress): Promise<ColumnSolution[]> {
  const n = p.ctx.n;
  const width = Math.max(1, Math.min(threads, Math.ceil(n / SOLVE_COLS)));
  const fit = `${threadId}:${++fits}`;
  const run = runner(fit, width);
  if (p.pending) {
    const w = p.pending.work;
    ensurePlan(w);
    const work = shareDeep(w);
    await run(localTasks(work, width).map((t) => ({ ...t, work })));
    completeLocal(p);
  }
  // shared after completeLocal: lambda and sigma are final only now
  const state: SolveState = shareDeep({ ctx: p.ctx, A: p.needsGram && !p.ctx.layout ? p.A : undefined });
  if (p.needsGram) {
    const tasks = [];
    for (let r0 = 0; r0 < n; r0 += GRAM_ROWS) tasks.push({ fn: 'gram', state, r0, r1: Math.min(n, r0 + GRAM_ROWS) });
    await run(tasks);
  }
  const out: ColumnSolution[] = new Array(n);
  const tasks = [];
  for (let j0 = 0; j0 < n; j0 += SOLVE_COLS) {
    const cols = new Int32Array(Math.min(SOLVE_COLS, n - j0));
    for (let t = 0; t < cols.length; t++) cols[t] = j0 + t;
    tasks.push({ fn: 'solve', state, cols });
  }
  let solved = 0;
  await run(tasks, (r) => {
    const m = r as SolvedColumns;
    for (let t = 0; t < m.cols.length; t++) {
      out[m.cols[t]] = { idx: m.idx.slice(m.offsets[t], m.offsets[t + 1]), val: m.val.slice(m.offsets[t], m.offsets[t + 1]), iterations: m.iters[t] };
    }
    solved += m.cols.length;
    onProgress?.({ phase: 'knn-graph solve', done: solved, total: n });
  });
  return out;
}

type Task = { fn: string } & Record<string, unknown>;

/**
 * Runs tasks on the shared pool, at most `width` at a time, each with a free scratch slot; the
 * first failure rejects (tasks already running finish, none is started after it).
 */
function runner(fit: string, width: number) {
  const pool = sharedPool(width);
  return (tasks: Task[], onResult?: (r: unknown) => void): Promise<void> => new Promise((resolve, reject) => {
    const free = Array.from({ length: width }, (_, i) => width - i); // slots width..1, popped from 1
    let next = 0, running = 0, failed = false;
    const feed = (): void => {
      while (!failed && running < width && next < tasks.length) {
        const { fn, ...args } = tasks[next++];
        const slot = free.pop()!;
        running++;
        pool.run(TASKS, fn, { ...args, fit, slot }).then((r) => {
          running--; free.push(slot);
          if (failed) return;
          onResult?.(r);
          if (next >= tasks.length && running === 0) resolve(); else feed();
        }, (e: unknown) => {
          running--; free.push(slot);
          if (!failed) { failed = true; reject(new Error(`knn-graph worker: ${(e as Error)?.message ?? e}`, { cause: e })); }
        });
      }
    };
    if (tasks.length === 0) resolve(); else feed();
  });
}

/**
 * The preparation's row passes cut into tasks of about equal cost, a few per thread (handed
 * out dynamically, which balances a shared machine): candidate searches by row ranges, median
 * pairs by rows (exact: ranges holding equal pair counts) or by pair ranges (sampled), and one
 * task per class. The largest first.
 */
function localTasks(w: LocalWork, threads: number): Task[] {
  const n = w.X.rows, parts = threads * 6;
  const tasks: Task[] = [];
  const step = Math.max(64, Math.ceil(n / parts));
  for (let r0 = 0; r0 < n; r0 += step) tasks.push({ fn: 'cand', r0, r1: Math.min(n, r0 + step) });
  if (w.pairD2.length > 0) {
    if (w.plan.exact) {
      const per = Math.max(1, Math.ceil(w.plan.count / parts));
      let i0 = 0, acc = 0;
      for (let i = 0; i < n; i++) {
        acc += n - 1 - i;
        if (acc >= per || i === n - 1) { tasks.push({ fn: 'pairs', lo: i0, hi: i + 1 }); i0 = i + 1; acc = 0; }
      }
    } else {
      const per = Math.ceil(w.plan.count / parts);
      for (let lo = 0; lo < w.plan.count; lo += per) tasks.push({ fn: 'pairs', lo, hi: Math.min(w.plan.count, lo + per) });
    }
  }
  const order = w.members.map((_, c) => c).sort((a, b) => w.members[b].length - w.members[a].length);
  for (const c of order) tasks.push({ fn: 'classNb', c });
  return tasks;
}

/**
 * A copy of a plain state object whose typed arrays all live on SharedArrayBuffers (shared
 * ones are kept, others copied once), so that posting it with every task copies no array.
 * Outputs the workers write (candidate lists, pair distances, neighbourhoods, H) are shared
 * already, so writes land in the caller's arrays.
 */
function shareDeep<T>(v: T): T {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return toShared(v as never) as T;
  if (Array.isArray(v)) return v.map((x) => shareDeep(x)) as T;
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = shareDeep(x);
    return out as T;
  }
  return v; // numbers, strings, WebAssembly.Memory (shared), undefined
}
