// Payload edits of Qdrant's payload operations, shared by the single server (collection.ts) and
// the cluster's followers (cluster/payload-ops.ts), so both give the same payload for a request.
import type { Payload } from './filter.js';

/** set_payload: merge keys into the payload, or into the object at a dotted path. */
export function mergeAt(old: Payload, add: Payload, path: string | null): Payload {
  const next = structuredClone(old);
  let target: Record<string, unknown> = next;
  if (path) {
    for (const part of path.split('.')) {
      const v = target[part];
      if (v === null || typeof v !== 'object' || Array.isArray(v)) target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
  }
  Object.assign(target, structuredClone(add));
  return next;
}

/** delete_payload: removes a dotted key. */
export function deletePath(p: Payload, path: string): void {
  const parts = path.split('.');
  let cur: unknown = p;
  for (let i = 0; i < parts.length - 1; i++) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string, unknown>)[parts[i]];
  }
  if (cur !== null && typeof cur === 'object') delete (cur as Record<string, unknown>)[parts[parts.length - 1]];
}
