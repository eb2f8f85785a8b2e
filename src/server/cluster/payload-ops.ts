import type { Payload } from '../filter.js';
import { deletePath, mergeAt } from '../payload-edit.js';
import type { SelectChange } from './codec.js';

/** The payload a payload change leaves on one point. */
export function nextPayload(c: Exclude<SelectChange, { op: 'delete' }>, old: Payload): Payload {
  switch (c.op) {
    case 'set_payload': return mergeAt(old, c.payload, c.path);
    case 'overwrite_payload': return structuredClone(c.payload);
    case 'clear_payload': return {};
    case 'delete_payload': { const next = structuredClone(old); for (const f of c.fields) deletePath(next, f); return next; }
  }
}
