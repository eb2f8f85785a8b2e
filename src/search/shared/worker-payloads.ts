import type { Metric } from '../../metrics/types.js';
import { metricToSpec, resolveMetric } from '../../metrics/registry.js';
import { existingSharedPool } from '../../parallel/pool.js';

/** How a metric travels to a worker: its registry spec (functions cannot be posted). */
export type PortableMetric = ReturnType<typeof metricToSpec>;

/**
 * The spec a worker rebuilds `metric` from, or null when it cannot: a metric object built
 * outside the registry (its name does not resolve to itself) must be searched in the calling
 * thread, since its kernels are functions.
 */
export function portableMetric(metric: Metric): PortableMetric | null {
  const spec = metricToSpec(metric);
  try {
    return resolveMetric(spec).name === metric.name ? spec : null;
  } catch {
    return null;
  }
}

/**
 * Per index, the one-time payload its workers build their engine from (id + shared copies of
 * the arrays), made on the first searchAsync and kept while the index lives. When the index is
 * collected, the workers are told to drop the engine they built for its id (their copies of
 * WebAssembly memories and wrappers would otherwise outlive it). One cache per task module:
 * ids only need to be unique within the module's engine table.
 */
export class WorkerPayloads<P extends { id: number }> {
  private readonly byOwner = new WeakMap<object, P | null>();
  private nextId = 1;
  private readonly finalizer: FinalizationRegistry<number> | undefined;

  constructor(task: string) {
    this.finalizer = typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<number>((id) => { void existingSharedPool()?.broadcast(task, 'drop', { id }).catch(() => undefined); })
      : undefined;
  }

  /** The owner's payload (null: search it in the calling thread); `make` runs once per owner. */
  get(owner: object, metric: Metric, make: (id: number, metric: PortableMetric) => P): P | null {
    if (this.byOwner.has(owner)) return this.byOwner.get(owner)!;
    const spec = portableMetric(metric);
    const p = spec ? make(this.nextId++, spec) : null;
    this.byOwner.set(owner, p);
    if (p && this.finalizer) this.finalizer.register(owner, p.id);
    return p;
  }
}
