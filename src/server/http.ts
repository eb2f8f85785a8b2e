import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from './errors.js';
import type { Collection } from './collection.js';
import type { Payload } from './filter.js';
import { keyToId, pointKey, type PointId } from './point-id.js';

/** Qdrant's success envelope: {result, status: "ok", time (seconds)}. */
export function ok(req: FastifyRequest, reply: FastifyReply, result: unknown): FastifyReply {
  const t = (performance.now() - ((req as unknown as { t0?: number }).t0 ?? performance.now())) / 1000;
  return reply.send({ result, status: 'ok', time: t });
}

/**
 * The same envelope around a result already serialised (the search routes write their hits as
 * JSON text directly: no intermediate objects, and fastify's serializer is skipped, since a
 * string sent as application/json goes out as is).
 */
export function okJson(req: FastifyRequest, reply: FastifyReply, resultJson: string): FastifyReply {
  const t = (performance.now() - ((req as unknown as { t0?: number }).t0 ?? performance.now())) / 1000;
  return reply.header('content-type', 'application/json; charset=utf-8').send(`{"result":${resultJson},"status":"ok","time":${t}}`);
}

/** `?wait=true|false` (default false, as Qdrant). */
export function parseWait(q: unknown): boolean {
  const w = (q as Record<string, unknown> | undefined)?.wait;
  if (w === undefined || w === 'false' || w === false) return false;
  if (w === 'true' || w === true || w === '') return true;
  throw badRequest(`wait: got ${JSON.stringify(w)}; expected true or false`);
}

/** A vector from JSON: an array of dim finite numbers (unnamed vectors only). */
export function parseVector(v: unknown, dim: number, where: string, normalise: boolean): Float32Array {
  if (!Array.isArray(v)) {
    if (v && typeof v === 'object') throw badRequest(`${where}: named vectors are not supported; collections hold one unnamed vector per point (send an array of ${dim} numbers)`);
    throw badRequest(`${where}: expected an array of ${dim} numbers`);
  }
  if (v.length !== dim) throw badRequest(`Vector dimension error: expected dim: ${dim}, got ${v.length} (${where})`);
  const out = new Float32Array(dim);
  for (let i = 0; i < dim; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw badRequest(`${where}[${i}]: got ${JSON.stringify(x)}; expected a finite number`);
    out[i] = x;
    if (!Number.isFinite(out[i])) throw badRequest(`${where}[${i}]: ${x} overflows float32`);
  }
  if (normalise) {
    // Qdrant stores Cosine vectors normalised (and answers retrieve with the normalised vector)
    let s = 0;
    for (let i = 0; i < dim; i++) s += out[i] * out[i];
    if (s > 0) { const inv = 1 / Math.sqrt(s); for (let i = 0; i < dim; i++) out[i] *= inv; }
  }
  return out;
}

export function parsePayload(p: unknown, where: string): Payload {
  if (p === undefined || p === null) return {};
  if (typeof p !== 'object' || Array.isArray(p)) throw badRequest(`${where}: expected a JSON object`);
  return p as Payload;
}

export function parseIds(ids: unknown, where: string): string[] {
  if (!Array.isArray(ids)) throw badRequest(`${where}: expected a list of point ids`);
  return ids.map((id, i) => pointKey(id, `${where}[${i}]`));
}

/** Points selected by {points: [...]} or {filter: {...}} (delete, payload operations). */
export function selectKeys(c: Collection, body: Record<string, unknown>): string[] {
  if (body.points !== undefined && body.filter !== undefined) throw badRequest('give either points or filter, not both');
  if (Array.isArray(body.points)) return parseIds(body.points, 'points');
  if (body.filter !== undefined) return c.keysMatching(body.filter);
  throw badRequest('expected points (a list of ids) or filter');
}

/** with_payload: true / false / [fields] / {include} / {exclude}. Returns a projector. */
export function payloadSelector(w: unknown, def: boolean): ((p: Payload) => Payload) | null {
  if (w === undefined || w === null) w = def;
  if (w === true) return (p) => p;
  if (w === false) return null;
  const pick = (fields: unknown, where: string): string[] => {
    if (!Array.isArray(fields) || fields.some((f) => typeof f !== 'string')) throw badRequest(`${where}: expected a list of payload keys`);
    return fields as string[];
  };
  if (Array.isArray(w)) {
    const fs = pick(w, 'with_payload');
    return (p) => Object.fromEntries(fs.filter((f) => f in p).map((f) => [f, p[f]]));
  }
  if (typeof w === 'object') {
    const o = w as Record<string, unknown>;
    if ('include' in o) { const fs = pick(o.include, 'with_payload.include'); return (p) => Object.fromEntries(fs.filter((f) => f in p).map((f) => [f, p[f]])); }
    if ('exclude' in o) { const fs = new Set(pick(o.exclude, 'with_payload.exclude')); return (p) => Object.fromEntries(Object.entries(p).filter(([k]) => !fs.has(k))); }
  }
  throw badRequest('with_payload: expected true, false, a list of keys, {include} or {exclude}');
}

export function wantVector(w: unknown): boolean {
  if (w === undefined || w === null || w === false) return false;
  if (w === true) return true;
  if (Array.isArray(w)) return w.length > 0;
  throw badRequest('with_vector: expected true or false');
}

export interface RecordOut { id: PointId; payload: Payload | null; vector: number[] | null }

export function record(c: Collection, id: number, sel: ((p: Payload) => Payload) | null, vec: boolean): RecordOut {
  return { id: keyToId(c.keyOf(id)), payload: sel ? sel(c.payloadOf(id)) : null, vector: vec ? c.vectorOf(id) : null };
}

export function intIn(v: unknown, def: number, min: number, max: number, where: string): number {
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw badRequest(`${where}: got ${JSON.stringify(v)}; expected an integer in [${min}, ${max}]`);
  return v;
}
