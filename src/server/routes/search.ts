import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Collection, Hit, SearchOptions } from '../collection.js';
import { addRoute, type Params, type ServerContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { compileFilter, type CompiledFilter } from '../filter.js';
import { intIn, okJson, parseVector, payloadSelector, wantVector } from '../http.js';
import { pointKey } from '../point-id.js';
import { schemas } from '../schemas.js';
import type { SearchBatcher } from '../search-batcher.js';

type Body = Record<string, unknown>;

/** Reciprocal rank fusion's constant: score = sum over rankings of 1 / (k + rank), rank from 1 (Qdrant's default k = 2). */
const RRF_K = 2;
const SEARCH_KEYS = new Set(['vector', 'filter', 'params', 'limit', 'offset', 'with_payload', 'with_vector', 'score_threshold', 'shard_key', 'consistency', 'timeout', 'lookup_from']);

/** Both filters (a prefetch's and the request's). */
function and(a: CompiledFilter | null, b: CompiledFilter | null): CompiledFilter | null {
  if (!a || !b) return a ?? b;
  const ids = a.requiredIds && b.requiredIds ? new Set([...a.requiredIds].filter((k) => b.requiredIds!.has(k))) : (a.requiredIds ?? b.requiredIds);
  return { test: (k, p) => a.test(k, p) && b.test(k, p), required: [...a.required, ...b.required], requiredIds: ids, pure: a.pure && b.pure, usesIds: a.usesIds || b.usesIds };
}

function params(p: unknown): { ef?: number; exact?: boolean } {
  const o = (p ?? {}) as Record<string, unknown>;
  return { ef: (o.hnsw_ef as number | null) ?? undefined, exact: (o.exact as boolean | null) ?? undefined };
}

function threshold(v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest('score_threshold: expected a finite number');
  return v;
}

/** A vector from a query: a list of numbers, or a point id (that point's stored vector). */
function queryVector(c: Collection, q: unknown, where: string): { vector: Float32Array; exclude?: number } {
  if (Array.isArray(q)) return { vector: parseVector(q, c.config.size, where, false) };
  if (typeof q === 'number' || typeof q === 'string') {
    const key = pointKey(q, where);
    const id = c.idOf(key);
    if (id === undefined) throw notFound(`No point with id ${JSON.stringify(q)} found (${where})`);
    return { vector: Float32Array.from(c.vectorOf(id)), exclude: id };
  }
  throw badRequest(`${where}: expected a vector or a point id`);
}

/**
 * One level of Qdrant's universal query: prefetches run first (each a query of its own), then
 * `query` ranks their union: fusion (RRF) fuses their rankings; a vector query re-scores the
 * prefetched points exactly; without prefetch the query searches the collection. Query kinds:
 * a vector, a point id, {nearest: vector | id}, {text[, model]} (BM25 on the collection's text
 * index: lexical, not an embedding), {fusion: "rrf"} / {rrf: {k}}; none = points in id order.
 */
export function runQuery(c: Collection, body: Body, outer: CompiledFilter | null, where: string): Hit[] {
  const limit = intIn(body.limit, 10, 0, 100000, `${where}.limit`);
  const offset = intIn(body.offset, 0, 0, 1000000, `${where}.offset`);
  const filter = and(compileFilter(body.filter, `${where}.filter`), outer);
  const p = params(body.params);
  const thr = threshold(body.score_threshold);
  const pre = body.prefetch == null ? [] : Array.isArray(body.prefetch) ? body.prefetch as Body[] : [body.prefetch as Body];
  const sub = pre.map((pf, i) => {
    if (!pf || typeof pf !== 'object') throw badRequest(`${where}.prefetch[${i}]: expected a query object`);
    for (const k of Object.keys(pf)) if (!['query', 'prefetch', 'filter', 'limit', 'params', 'score_threshold', 'using', 'lookup_from'].includes(k)) throw badRequest(`${where}.prefetch[${i}]: unknown field ${JSON.stringify(k)}`);
    return runQuery(c, { ...pf, offset: 0 }, filter, `${where}.prefetch[${i}]`);
  });
  let q = body.query;
  if (q && typeof q === 'object' && !Array.isArray(q) && 'nearest' in (q as Body)) q = (q as Body).nearest;
  const qo = q && typeof q === 'object' && !Array.isArray(q) ? q as Body : null;
  let hits: Hit[];
  let higherBetter = c.similarity;
  if (qo && ('fusion' in qo || 'rrf' in qo)) {
    if ('fusion' in qo && qo.fusion !== 'rrf') throw badRequest(`${where}.query.fusion: got ${JSON.stringify(qo.fusion)}; supported: "rrf"`);
    if (sub.length === 0) throw badRequest(`${where}.query: fusion needs prefetch queries to fuse`);
    const k = 'rrf' in qo ? intIn((qo.rrf as Body | null)?.k, RRF_K, 1, 100000, `${where}.query.rrf.k`) : RRF_K;
    const fused = new Map<number, number>();
    for (const list of sub) list.forEach((h, r) => fused.set(h.id, (fused.get(h.id) ?? 0) + 1 / (k + r + 1)));
    hits = [...fused.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id).slice(offset, offset + limit);
    higherBetter = true;
  } else if (qo && 'text' in qo) {
    if (typeof qo.text !== 'string') throw badRequest(`${where}.query.text: expected a string`);
    if (!c.bm25.field) throw badRequest(`${where}.query.text: the collection has no text index; create one with PUT /collections/{name}/index {field_name, field_schema: "text"}`);
    let allow = c.allowed(filter);
    if (sub.length) { const u = new Set(sub.flat().map((h) => h.id)); allow = allow ? new Set([...allow].filter((id) => u.has(id))) : u; }
    hits = c.bm25.search(qo.text, offset + limit, allow).slice(offset);
    higherBetter = true;
  } else if (q === undefined || q === null) {
    if (sub.length) throw badRequest(`${where}.query: prefetch needs a query (a vector, or {fusion: "rrf"})`);
    const res = c.scroll(null, offset + limit, filter);
    hits = res.ids.slice(offset).map((id) => ({ id, score: 0 }));
  } else {
    const { vector, exclude } = queryVector(c, q, `${where}.query`);
    let f = filter;
    let exact = p.exact;
    if (sub.length) {
      // re-score the prefetched points exactly
      const ids = new Set<string>(sub.flat().map((h) => c.keyOf(h.id)));
      f = and(f, { test: (k) => ids.has(k), required: [], requiredIds: ids, pure: true, usesIds: true });
      exact = true;
    }
    hits = c.search(vector, { limit, offset, filter: f, ef: p.ef, exact, exclude });
  }
  if (thr !== undefined) hits = hits.filter((h) => (higherBetter ? h.score >= thr : h.score <= thr));
  return hits;
}

/** A plain search's request, checked (vector, limit, offset, filter, score_threshold, params). */
function searchArgs(c: Collection, b: Body, where: string): { vector: Float32Array; o: SearchOptions } {
  for (const k of Object.keys(b)) if (!SEARCH_KEYS.has(k)) throw badRequest(`${where}: unknown field ${JSON.stringify(k)}`);
  const v = b.vector;
  if (v && typeof v === 'object' && !Array.isArray(v)) throw badRequest(`${where}.vector: named vectors are not supported; send an array of ${c.config.size} numbers`);
  const p = params(b.params);
  const vector = parseVector(v, c.config.size, `${where}.vector`, false);
  return {
    vector,
    o: {
      limit: intIn(b.limit, 10, 0, 100000, `${where}.limit`), offset: intIn(b.offset, 0, 0, 1000000, `${where}.offset`),
      filter: compileFilter(b.filter, `${where}.filter`), scoreThreshold: threshold(b.score_threshold), ef: p.ef, exact: p.exact,
    },
  };
}

/**
 * One checked search: plain ones (no filter) go through the micro-batcher and share an index
 * search with the other searches of this event-loop turn; filtered or exact ones run at once.
 */
function runSearch(c: Collection, a: { vector: Float32Array; o: SearchOptions }, batcher: SearchBatcher): Promise<Hit[]> {
  // searches on this thread (filters, exact scans) write the index's filter bitmap and scratch: exclusive
  if (!c.batchable(a.o)) return c.gate.exclusive(() => c.search(a.vector, a.o));
  return batcher.search(c, a.vector, a.o.offset + a.o.limit, a.o.ef).then((hits) => c.page(hits, a.o));
}

/** The hits as Qdrant's ScoredPoint list, written as JSON text (ids: integers or quoted UUIDs). */
function scoredJson(c: Collection, hits: Hit[], b: Body): string {
  const sel = payloadSelector(b.with_payload, false), vec = wantVector(b.with_vector);
  let out = '[';
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i], key = c.keyOf(h.id);
    // canonical keys: decimal digits, or a hyphenated lower-case UUID (nothing to escape)
    const id = key.includes('-') ? `"${key}"` : key;
    const score = Number.isFinite(h.score) ? String(h.score) : 'null';
    const payload = sel ? JSON.stringify(sel(c.payloadOf(h.id))) : 'null';
    const vector = vec ? JSON.stringify(c.vectorOf(h.id)) : 'null';
    out += `${i ? ',' : ''}{"id":${id},"version":0,"score":${score},"payload":${payload},"vector":${vector}}`;
  }
  return out + ']';
}

export function searchRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const m = ctx.manager;
  const coll = (req: FastifyRequest) => m.get((req.params as Params).collection_name);
  const count = (n: number) => { ctx.metrics.searches += n; };
  const batcher = ctx.batcher;

  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/search', summary: 'Nearest points to a vector (filter, limit, offset, score_threshold, params.hnsw_ef, params.exact)', body: schemas.search,
    handler: (req, reply) => {
      const c = coll(req), b = req.body as Body;
      count(1);
      return runSearch(c, searchArgs(c, b, 'search'), batcher).then((h) => okJson(req, reply, scoredJson(c, h, b)));
    },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/search/batch', summary: 'Several searches in one request', body: schemas.searchBatch,
    handler: async (req, reply) => {
      const c = coll(req), list = (req.body as Body).searches as Body[];
      count(list.length);
      // every search is checked before any runs (a bad one fails the request, nothing left queued)
      const args = list.map((b, i) => {
        if (!b || typeof b !== 'object') throw badRequest(`searches[${i}]: expected a search request`);
        return searchArgs(c, b, `searches[${i}]`);
      });
      const lists = await Promise.all(args.map((a) => runSearch(c, a, batcher)));
      return okJson(req, reply, `[${lists.map((h, i) => scoredJson(c, h, list[i])).join(',')}]`);
    },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/query', summary: 'Universal query: vector, point id, BM25 text, prefetch + RRF fusion', body: schemas.query,
    handler: (req, reply) => {
      const c = coll(req), b = (req.body ?? {}) as Body;
      if (b.using != null && b.using !== '' && b.using !== c.bm25.field) throw badRequest(`using: got ${JSON.stringify(b.using)}; collections have one unnamed vector`);
      count(1);
      // the query's searches run on this thread: exclusive work on the index (./index-gate.ts)
      return c.gate.exclusive(() => runQuery(c, b, null, 'query')).then((hits) => okJson(req, reply, `{"points":${scoredJson(c, hits, b)}}`));
    },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/query/batch', summary: 'Several universal queries in one request', body: schemas.queryBatch,
    handler: (req, reply) => {
      const c = coll(req), list = (req.body as Body).searches as Body[];
      count(list.length);
      return c.gate.exclusive(() => list.map((b, i) => {
        if (!b || typeof b !== 'object') throw badRequest(`searches[${i}]: expected a query request`);
        return `{"points":${scoredJson(c, runQuery(c, b, null, `searches[${i}]`), b)}}`;
      })).then((parts) => okJson(req, reply, '[' + parts.join(',') + ']'));
    },
  });
}
