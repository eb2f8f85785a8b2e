import { KnnkitError, invalidParam } from '../../core/errors.js';
import { SectorLayout } from './layout.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const ACCEPTED = 'a byte count: a non-negative number, optionally with a unit K, KB, KiB, M, MB, MiB, G, GB or GiB (powers of 1024), e.g. "128MB"; "0" = no budget';

/** "128MB" -> 134217728 (units are powers of 1024, as DiskANN's -M / -B in GB are). */
export function parseBytes(value: unknown, param: string): number {
  if (typeof value === 'number') {
    if (!(Number.isFinite(value) && value >= 0)) throw invalidParam(param, value, ACCEPTED);
    return Math.floor(value);
  }
  const m = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value) : null;
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw invalidParam(param, value, ACCEPTED);
  return Math.floor(Number(m[1]) * unit);
}

/** How the RAM of a served index is spent: PQ code bytes per node (m) and cached nodes. */
export interface RamPlan {
  /** PQ sub-quantisers = bytes per code. */
  m: number;
  /** Bits per sub-code: 8, fewer when n < 256 (a codebook cannot have more centroids than points). */
  nbits: number;
  /** Nodes cached from the medoid outwards. */
  cacheNodes: number;
  /** The stated budget in bytes (0 = none). */
  budget: number;
  /** What the plan expects the served index to hold (codes, cache, scratch, codebooks). */
  plannedBytes: number;
}

/** The largest divisor of d that is <= cap (0 when cap < 1). */
function divisorAtMost(d: number, cap: number): number {
  for (let m = Math.min(d, Math.floor(cap)); m >= 1; m--) if (d % m === 0) return m;
  return 0;
}

/**
 * The RAM plan. Always in RAM per node: the PQ code (m bytes), the cache slot index (4) and, for
 * cosine, the vector's norm (4, for getVector); fixed: the codebooks and the query's ADC table
 * (256 x d floats each), the read buffers and the walk's visited set (a hash set of the few
 * thousand nodes a query meets, ./visited.ts; it was a 4-byte tag per node). With a budget,
 * the codes take the largest m dividing d that fits in 3/4 of what is left (at most d / 2,
 * i.e. sub-spaces of >= 2 coordinates; DiskANN's 100k SIFT example uses 32 bytes for d = 128)
 * and the cache takes the rest in whole node records (4 d + 4 + 4 R bytes each). Explicit
 * `pqBytes` / `cacheNodes` win, and must fit the budget.
 */
export function planRam(n: number, d: number, R: number, cosine: boolean, o: { ramBudget: number; pqBytes?: number; cacheNodes?: number; beamWidth?: number }): RamPlan {
  const nbits = n >= 256 ? 8 : Math.max(0, Math.floor(Math.log2(Math.max(1, n))));
  const layout = new SectorLayout(n, d, R);
  const fixed = 2 * (1 << nbits) * d * 4 + (o.beamWidth ?? 16) * layout.readBytes + 65536;
  const perNode = 4 + (cosine ? 4 : 0);
  const cost = (m: number, cache: number) => fixed + n * (perNode + m) + cache * layout.nodeBytes;
  if (o.pqBytes !== undefined && d % o.pqBytes !== 0) throw invalidParam('pqBytes', o.pqBytes, `a divisor of the dimension ${d} (bytes per PQ code)`);
  const B = o.ramBudget;
  if (B === 0) {
    const m = o.pqBytes ?? divisorAtMost(d, d % 4 === 0 ? d / 4 : d % 2 === 0 ? d / 2 : d);
    const cacheNodes = Math.min(n, o.cacheNodes ?? 0);
    return { m, nbits, cacheNodes, budget: 0, plannedBytes: cost(m, cacheNodes) };
  }
  const room = B - fixed - n * perNode;
  const m = o.pqBytes ?? divisorAtMost(d, Math.min(d % 2 === 0 ? d / 2 : d, (0.75 * room) / Math.max(1, n)));
  if (m < 1 || cost(m, 0) > B) {
    throw new KnnkitError('ramBudget', `ramBudget: got ${B} bytes; ${n} nodes of dimension ${d} need at least ${cost(Math.max(1, m), 0)} bytes (${o.pqBytes ?? 1}-byte PQ codes, cache slots and codebooks); give a larger budget or "0" for none`);
  }
  const fit = Math.max(0, Math.floor((B - cost(m, 0)) / layout.nodeBytes));
  const cacheNodes = Math.min(n, o.cacheNodes ?? fit);
  if (o.cacheNodes !== undefined && cost(m, cacheNodes) > B) {
    throw new KnnkitError('cacheNodes', `cacheNodes: got ${o.cacheNodes}; with ${m}-byte codes the ramBudget of ${B} bytes holds at most ${fit} cached nodes of ${layout.nodeBytes} bytes`);
  }
  return { m, nbits, cacheNodes, budget: B, plannedBytes: cost(m, cacheNodes) };
}
