import { badRequest } from './errors.js';

/** A point id as Qdrant's JSON carries it: an unsigned integer or a UUID string. */
export type PointId = number | string;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const UUID_BRACED = /^(urn:uuid:|\{)?([0-9a-f-]{32,36})\}?$/i;

/**
 * The canonical key of a point id (the string the collection's KeyMap knows it by): an integer
 * as its decimal digits, a UUID lower-case and hyphenated (Qdrant accepts the simple, braced and
 * urn forms and answers with the hyphenated one). Ids are unsigned integers up to 2^53 - 1 (the
 * integers a JSON number carries exactly) or UUIDs; anything else is a 400 naming the value.
 */
export function pointKey(id: unknown, where = 'point id'): string {
  if (typeof id === 'number') {
    if (!Number.isSafeInteger(id) || id < 0) throw badRequest(`${where}: got ${id}; expected an unsigned integer up to 2^53 - 1 or a UUID`);
    return String(id);
  }
  if (typeof id === 'string') {
    const m = UUID_BRACED.exec(id.trim());
    const core = m ? m[2] : '';
    if (UUID.test(core)) {
      const hex = core.replace(/-/g, '').toLowerCase();
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    }
    throw badRequest(`${where}: got ${JSON.stringify(id).slice(0, 80)}; expected an unsigned integer or a UUID`);
  }
  throw badRequest(`${where}: got ${JSON.stringify(id)?.slice(0, 80)}; expected an unsigned integer or a UUID`);
}

/** The JSON form of a canonical key (numbers back to numbers). */
export function keyToId(key: string): PointId {
  return key.includes('-') ? key : Number(key);
}

/** Qdrant's scroll order: integer ids ascending, then UUIDs in lexical order. */
export function compareKeys(a: string, b: string): number {
  const ua = a.includes('-'), ub = b.includes('-');
  if (ua !== ub) return ua ? 1 : -1;
  if (!ua) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}
