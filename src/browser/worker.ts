/**
 * The Web Worker script of the browser build's pool (./pool.ts): every task module of the
 * engines, keyed by the task name their callers compute (`knnkit:/src/<path>.ts`, see
 * scripts/build-dist.mjs). Replies as src/parallel/worker.ts does.
 */
import * as bruteTask from '../search/brute-force/worker-task.js';
import * as treeTask from '../search/tree/worker-task.js';
import * as hnswTask from '../search/hnsw/search-task.js';
import * as similarityTask from '../recommend/similarity-task.js';
import * as predictTask from '../recommend/predict-task.js';

const TASKS: Record<string, Record<string, unknown>> = {
  'src/search/brute-force/worker-task': bruteTask,
  'src/search/tree/worker-task': treeTask,
  'src/search/hnsw/search-task': hnswTask,
  'src/recommend/similarity-task': similarityTask,
  'src/recommend/predict-task': predictTask,
};

interface Request { id: number; module: string; fn: string; args: unknown; quiet?: boolean }

const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<Request>) => void) | null; postMessage(m: unknown): void };

scope.onmessage = async (e) => {
  const m = e.data;
  try {
    const name = m.module.replace(/^knnkit:\/+/, '').replace(/\.[mc]?[jt]s$/, '');
    const mod = TASKS[name];
    if (!mod) throw new Error(`knnkit worker: unknown task module ${m.module}`);
    const f = mod[m.fn];
    if (typeof f !== 'function') throw new Error(`task module ${m.module} has no exported function ${m.fn}`);
    const result = await (f as (a: unknown) => unknown)(m.args);
    scope.postMessage({ id: m.id, ok: true, result, quiet: m.quiet });
  } catch (err) {
    const x = err as Error & { param?: string };
    scope.postMessage({ id: m.id, ok: false, quiet: m.quiet, error: { message: x?.message ?? String(err), name: x?.name ?? 'Error', param: x?.param } });
  }
};
