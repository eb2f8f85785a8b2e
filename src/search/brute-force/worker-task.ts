// Worker-side half of BruteForce.searchAsync (a WorkerPool task module, see src/parallel).
// Each worker builds the engine once per index and keeps it for later calls: over the index's
// shared panel store when it has one (the worker instantiates the kernels on that very memory
// and takes only a scratch region of it: no copy of the data), else over the shared copy of
// the rows (small bases, sparse data, scalar metrics, the TS path).
import type { Matrix } from '../../core/data.js';
import { resolveMetric } from '../../metrics/registry.js';
import type { PortableMetric } from '../shared/worker-payloads.js';
import type { SearchChunk } from '../shared/search-task.js';
import { BruteCore } from './core.js';
import type { ScannerPayload } from './dot-scanner.js';

export interface InitPayload { id: number; data: Matrix | null; panels: ScannerPayload | null; metric: PortableMetric; wasm: boolean }
export type SearchTask = SearchChunk<InitPayload, Matrix>;

const engines = new Map<number, BruteCore>();

export function search(t: SearchTask): number {
  let core = engines.get(t.init.id);
  if (!core) {
    const { data, panels } = t.init;
    if (panels) core = BruteCore.attach(panels, resolveMetric(t.init.metric));
    else core = new BruteCore(data!, resolveMetric(t.init.metric, data!.kind === 'dense' ? data! : undefined), { wasm: t.init.wasm });
    engines.set(t.init.id, core);
  }
  core.search(t.q, t.q0, t.q1, t.k, t.allowed, t.outIdx, t.outDist, 0);
  return t.q1 - t.q0;
}

export function drop(a: { id: number }): void {
  engines.delete(a.id);
}
