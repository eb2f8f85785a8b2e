import type { Payload } from '../filter.js';
import type { SelectChange } from './codec.js';

// The single server's payload operations (src/server/collection.ts keeps its copies private and
// is another area's file), with the same semantics: a follower applying a stream record must
// give exactly what the single server gives for the same request.

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

/** delete_payload: removes a dotted key (in place). */
export function deletePath(p: Payload, path: string): void {
  const parts = path.split('.');
  let cur: unknown = p;
  for (let i = 0; i < parts.length - 1; i++) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string, unknown>)[parts[i]];
  }
  if (cur !== null && typeof cur === 'object') delete (cur as Record<string, unknown>)[parts[parts.length - 1]];
}

/** The payload a payload change leaves on one point. */
export function nextPayload(c: Exclude<SelectChange, { op: 'delete' }>, old: Payload): Payload {
  switch (c.op) {
    case 'set_payload': return mergeAt(old, c.payload, c.path);
    case 'overwrite_payload': return structuredClone(c.payload);
    case 'clear_payload': return {};
    case 'delete_payload': { const next = structuredClone(old); for (const f of c.fields) deletePath(next, f); return next; }
  }
}
