// Worker-side half of BruteForce.searchAsync (a WorkerPool task module, see src/parallel).
// Each worker rebuilds the engine once per index over the shared base vectors (only its
// WebAssembly memory, the packed panels, is its own) and keeps it for later calls.
import type { Matrix } from '../../core/data.js';
import { resolveMetric } from '../../metrics/registry.js';
import type { PortableMetric } from '../shared/worker-payloads.js';
import type { SearchChunk } from '../shared/search-task.js';
import { BruteCore } from './core.js';

export interface InitPayload { id: number; data: Matrix; metric: PortableMetric; wasm: boolean }
export type SearchTask = SearchChunk<InitPayload, Matrix>;

const engines = new Map<number, BruteCore>();

export function search(t: SearchTask): number {
  let core = engines.get(t.init.id);
  if (!core) {
    const metric = resolveMetric(t.init.metric, t.init.data.kind === 'dense' ? t.init.data : undefined);
    core = new BruteCore(t.init.data, metric, { wasm: t.init.wasm });
    engines.set(t.init.id, core);
  }
  core.search(t.q, t.q0, t.q1, t.k, t.allowed, t.outIdx, t.outDist, 0);
  return t.q1 - t.q0;
}

export function drop(a: { id: number }): void {
  engines.delete(a.id);
}
