// Runs inside a worker thread (src/parallel): a compaction's merge and index build, off the
// node's event loop. Segments travel as their stored bytes (segment.ts) both ways.
import { transferring } from '../../parallel/index.js';
import { Collection, type Distance } from '../collection.js';
import { mergeSegments } from './compaction.js';
import { decodeSegment, encodeSegment } from './segment.js';

export interface MergeTask {
  segments: Uint8Array[];
  i: number;
  j: number;
  index: { family: string; familyOptions: Record<string, unknown>; size: number; distance: Distance };
}

/** mergeSegments over decoded segments; the merged segment's bytes, or null when nothing is left. */
export function merge(t: MergeTask): { bytes: Uint8Array } | null {
  const segs = t.segments.map((b, x) => decodeSegment(b, `compaction input ${x}`));
  const merged = mergeSegments(segs, t.i, t.j, () => Collection.makeIndex(t.index));
  if (!merged) return null;
  const bytes = encodeSegment(merged); // a fresh buffer of its own: safe to move to the caller
  return transferring({ bytes }, [bytes.buffer as ArrayBuffer]);
}
