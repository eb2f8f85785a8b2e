import { KnnkitError } from '../core/errors.js';
import { resolveMetric } from '../metrics/registry.js';
import type { MetricSpec } from '../metrics/types.js';
import { decodeEnvelope, envelopeChunks, isEnvelope, openEnvelopeFile, type Envelope } from './envelope.js';
import { IdMap } from './ids.js';
import { ManagedIndex } from './managed-index.js';
import { getFamily } from './registry.js';
import type { VectorIndex } from './types.js';
import { legacyLoaders } from './legacy.js';
import './families.js';

export interface LoadOptions {
  /**
   * Search straight from the bytes: sections become the index's arrays (typed-array views, no
   * parse, no copy) where the family can (`capabilities.view`); others copy. Default false.
   */
  view?: boolean;
  /** Check every section's CRC-32 (default true; header and section table are always checked). */
  verify?: boolean;
  /**
   * A family that serves from the index file (diskann) reads it with O_DIRECT (Linux), as DiskANN
   * does: no OS page cache holds the index and no read-ahead runs around each 4 KB read, so the
   * RAM budget bounds all the memory the index uses and every read is a device read. Default
   * false (buffered reads: repeated reads are served from the page cache). Other families ignore it.
   */
  direct?: boolean;
  /**
   * A family served within a RAM budget (diskann): serve within this one instead of the budget
   * it was built with (a byte count or "96MB"); the node cache is re-planned to what the budget
   * leaves after the codes (DiskANN's nodes-to-cache, chosen at load). Refused where the codes
   * alone do not fit, and for families without a budget.
   */
  ramBudget?: number | string;
}

/** An index from an envelope (any family), or a legacy HNSW / kNN-Graph-era HNSW file. */
export function indexFromBytes(bytes: Uint8Array | ArrayBuffer, opts: LoadOptions & { source?: string } = {}): VectorIndex {
  const b = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : null;
  if (!b) throw new KnnkitError('bytes', 'bytes: expected a Uint8Array or an ArrayBuffer');
  if (!isEnvelope(b)) {
    for (const l of legacyLoaders()) if (l.matches(b)) return l.load(b, opts.source);
    throw new KnnkitError('index', `index: ${opts.source ? JSON.stringify(opts.source) : 'the bytes'} is not a knnkit index (unknown magic)`);
  }
  const env = decodeEnvelope(b, { source: opts.source, verify: opts.verify });
  return fromEnvelope(env, opts.view ?? false, opts.ramBudget);
}

/** @internal */
export function fromEnvelope(env: Envelope, view: boolean, ramBudget?: number | string): ManagedIndex {
  const h = env.header;
  const family = getFamily(h.family, 'family');
  if (ramBudget !== undefined && !family.options.some((o) => o.name === 'ramBudget')) {
    throw new KnnkitError('ramBudget', `ramBudget: the "${family.name}" index has no RAM budget to change at load (only families served from disk, such as diskann)`);
  }
  if (h.familyVersion > family.formatVersion) {
    throw new KnnkitError('index', `index: the "${h.family}" section format version ${h.familyVersion} is newer than this knnkit reads (${family.formatVersion}); upgrade knnkit`);
  }
  const metric = resolveMetric(h.metric as MetricSpec);
  const core = family.load(env, { metric, options: h.options, view: view && family.capabilities.view, ...(ramBudget !== undefined ? { ramBudget } : {}) });
  const st = h.state.ids as { count: number; nextId: number; live: number; identity: boolean };
  let ids: IdMap;
  if (env.has('ids.table')) {
    ids = IdMap.restore(env.typed('ids.table', Float64Array, true), st.count, st.nextId);
  } else {
    ids = IdMap.identityOf(st.count, st.nextId);
  }
  const dead = env.has('ids.dead') ? env.typed('ids.dead', Uint8Array, true) : null;
  return new ManagedIndex(family, core, h.options, ids, dead);
}

/**
 * Writes an index atomically: the envelope is streamed section by section into a temporary
 * file next to the target (no copy of the index in memory), flushed, and renamed over the target.
 * A failure removes the temporary file; a stale one left by a killed save is removed by the next
 * save to the same target. Errors name the target path.
 */
export async function saveIndex(index: VectorIndex, path: string): Promise<void> {
  if (!(index instanceof ManagedIndex)) throw new KnnkitError('index', 'index: expected an index made by createIndex / loadIndex');
  if (typeof path !== 'string' || path === '') throw new KnnkitError('path', `path: got ${JSON.stringify(path)}; expected a file path`);
  const { header, sections } = index.envelope();
  const { streamAtomic } = await import('../io/atomic.js');
  await streamAtomic(path, envelopeChunks(header, sections));
}

/**
 * Reads an index file (any family, or a legacy HNSW file). Without `view`, sections are read
 * from disk one by one straight into the family's memory (peak memory: the index, not the index
 * plus the file); with `view`, the file is read once and families that can search its bytes in
 * place do so.
 */
export async function loadIndex(path: string, opts: LoadOptions = {}): Promise<VectorIndex> {
  const { readFileChecked, openForReading } = await import('../io/atomic.js');
  const file = await openForReading(path);
  try {
    const head = new Uint8Array(8);
    file.readAt(head, 0);
    if (isEnvelope(head)) {
      const env = openEnvelopeFile(file.readAt, file.size, { source: path, verify: opts.verify, path, direct: opts.direct });
      // a family that cannot search the bytes in place gains nothing from reading the whole file;
      // one that reads its view from the file (viewReadsFile) gets the file envelope
      const family = getFamily(env.header.family, 'family');
      if (!opts.view || !family.capabilities.view) return fromEnvelope(env, false, opts.ramBudget);
      if (family.viewReadsFile) return fromEnvelope(env, true, opts.ramBudget);
    }
  } finally {
    file.close();
  }
  const bytes = await readFileChecked(path);
  return indexFromBytes(bytes, { ...opts, source: path });
}

/** Header facts of an index file without building it (`knnkit info`). */
export function describeBytes(bytes: Uint8Array, source?: string): Record<string, unknown> {
  if (!isEnvelope(bytes)) {
    const idx = indexFromBytes(bytes, { source });
    return { family: idx.kind, formatVersion: 'legacy', dim: idx.dim, size: idx.size, metric: idx.metric.name, options: idx.options, bytes: bytes.length, checksum: 'ok' };
  }
  let checksum = 'ok';
  let env: Envelope;
  try {
    env = decodeEnvelope(bytes, { source, verify: true });
  } catch (e) {
    checksum = (e as Error).message;
    env = decodeEnvelope(bytes, { source, verify: false });
  }
  const h = env.header;
  return {
    family: h.family, envelopeVersion: env.version, formatVersion: h.familyVersion, dim: h.dim, size: h.size,
    metric: h.metric, options: h.options, codec: (h.options as Record<string, unknown>).codec ?? 'f32', bytes: bytes.length,
    sections: env.sectionNames(), checksum,
  };
}
