import { sharedPool, taskUrl } from '../../parallel/index.js';
import type { MergeTask } from './compaction-task.js';
import { decodeSegment, encodeSegment, type SegmentData } from './segment.js';

const TASK = taskUrl(import.meta.url, './compaction-task');

/**
 * A compaction's merge on a worker thread: the segments go over as their bytes (encoding them
 * here costs a copy of each index, not a build), the merge and the merged index's build (an
 * HNSW insert of every point: the long part) run there, and the merged segment comes back as
 * bytes, view-loaded here. The node's event loop keeps serving meanwhile.
 */
export async function mergeOffThread(segs: readonly SegmentData[], i: number, j: number, index: MergeTask['index']): Promise<{ data: SegmentData; bytes: Uint8Array } | null> {
  const task: MergeTask = { segments: segs.map(encodeSegment), i, j, index };
  const r = await sharedPool(1).run(TASK, 'merge', task) as { bytes: Uint8Array } | null;
  if (!r) return null;
  const bytes = new Uint8Array(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
  return { data: decodeSegment(bytes, `merged segment ${segs[i].collection}/${segs[i].shard}`), bytes };
}
