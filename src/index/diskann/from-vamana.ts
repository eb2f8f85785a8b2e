import { KnnkitError } from '../../core/errors.js';
import { IdMap } from '../ids.js';
import { ManagedIndex } from '../managed-index.js';
import { parseOptions } from '../options.js';
import type { VectorIndex } from '../types.js';
import { VamanaCore } from '../vamana/core.js';
import { diskannFamily, diskannOptions } from './descriptor.js';
import { DiskannCore } from './core.js';
import { diskFromGraph } from './build.js';

/**
 * A `diskann` index from a built in-memory `vamana` index (DiskANN builds in memory, then lays
 * the graph out in sectors): the same graph, PQ codes and the sector image; the vamana index is
 * left as it was. Its ids carry over; it must hold no removed points (they would be nodes
 * without a row). `options` are the diskann ones that do not shape the graph (ramBudget,
 * pqBytes, cacheNodes, pqIter, seed); R, L and alpha are the vamana index's.
 */
export function diskannFromVamana(index: VectorIndex, options: Record<string, unknown> = {}): VectorIndex {
  const core = index instanceof ManagedIndex ? index.core : null;
  if (!(core instanceof VamanaCore)) throw new KnnkitError('index', `index: expected a "vamana" index, got ${JSON.stringify(index.kind)}`);
  const g = core.graph;
  if (g.deletedTotal > 0 || index.size !== g.n) throw new KnnkitError('index', `index: the vamana index has ${g.n - index.size} removed points; rebuild it without them first`);
  const vo = index.options as Record<string, unknown>;
  const opts = parseOptions('the "diskann" index', diskannFamily.options, { ...options, R: vo.R, L: vo.L, alpha: vo.alpha });
  const dk = new DiskannCore(index.metric, index.dim, diskannOptions({ options: opts }), null);
  dk.attach(diskFromGraph(g, dk.opts).state);
  const ids = (index as ManagedIndex).idMap;
  const table = Float64Array.from({ length: g.n }, (_, l) => (ids.identity ? l : ids.table[l]));
  return new ManagedIndex(diskannFamily, dk, opts, IdMap.restore(table, g.n, ids.nextId));
}
