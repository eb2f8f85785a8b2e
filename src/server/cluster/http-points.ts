import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, notFound } from '../errors.js';
import { compileFilter } from '../filter.js';
import { intIn, parseIds, parsePayload, parseVector, parseWait, payloadSelector, wantVector, ok } from '../http.js';
import { keyToId, pointKey, type PointId } from '../point-id.js';
import type { Selector } from './codec.js';
import { readConsistency, writeResult } from './consistency.js';
import type { ClusterNode } from './node.js';
import { clusterQuery, filterSpec } from './query.js';
import type { KeyHit } from './shard.js';
import { NO_FILTER, type CollectionView } from './view.js';

type Body = Record<string, unknown>;
type P = { collection_name: string; id?: string };

const body = (req: FastifyRequest): Body => {
  const b = req.body;
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw badRequest('expected a JSON object body');
  return b as Body;
};

/** The points a change applies to: ids (routed to their shards) or a filter (sent to every shard). */
function selector(b: Body): Selector {
  if (b.points !== undefined && b.filter !== undefined) throw badRequest('give either points or filter, not both');
  if (Array.isArray(b.points)) return { keys: parseIds(b.points, 'points') };
  if (b.filter !== undefined && b.filter !== null) {
    compileFilter(b.filter); // checked here: a 400 for the client, never a record followers skip
    return { filter: b.filter as Record<string, unknown> };
  }
  throw badRequest('expected points (a list of ids) or filter');
}

/** Qdrant's ScoredPoint list for hits, read from the same view as the hits. */
async function scored(v: CollectionView, hits: KeyHit[], b: Body): Promise<unknown[]> {
  const sel = payloadSelector(b.with_payload, false), vec = wantVector(b.with_vector);
  const got = sel || vec ? await v.getMany(hits.map((h) => h.key)) : null;
  return hits.map((h) => {
    const p = got?.get(h.key);
    return { id: keyToId(h.key), version: 0, score: h.score, payload: sel && p ? sel(p.payload) : null, vector: vec && p ? Array.from(p.vector) : null };
  });
}

/**
 * The point routes of a cluster node: writes (upsert, delete by ids or filter, set / overwrite /
 * delete / clear payload) become shard stream records and answer with their sequences; reads
 * (retrieve, count, scroll, search, query and their batches) wait for the request's consistency
 * once and then read one view of the node's shards.
 */
export function clusterPointRoutes(app: FastifyInstance, node: ClusterNode): void {
  const name = (req: FastifyRequest) => (req.params as P).collection_name;

  app.put<{ Params: P }>('/collections/:collection_name/points', async (req, reply) => {
    const c = await node.configOf(name(req));
    parseWait(req.query); // accepted; every cluster write waits for JetStream's acknowledgement
    const b = body(req);
    let pts: { id: PointId; vector: Float32Array; payload: Record<string, unknown> }[];
    if (b.points !== undefined && b.batch !== undefined) throw badRequest('give either points or batch, not both');
    if (Array.isArray(b.points)) {
      pts = (b.points as Body[]).map((p, i) => ({ id: p.id as PointId, vector: parseVector(p.vector, c.size, `points[${i}].vector`, c.distance === 'Cosine'), payload: parsePayload(p.payload, `points[${i}].payload`) }));
    } else if (b.batch && typeof b.batch === 'object') {
      const bt = b.batch as { ids?: PointId[]; vectors?: unknown[]; payloads?: unknown[] };
      if (!Array.isArray(bt.ids) || !Array.isArray(bt.vectors) || bt.ids.length !== bt.vectors.length) throw badRequest('batch: expected ids and vectors of the same length');
      pts = bt.ids.map((id, i) => ({ id, vector: parseVector(bt.vectors![i], c.size, `batch.vectors[${i}]`, c.distance === 'Cosine'), payload: parsePayload(bt.payloads?.[i], `batch.payloads[${i}]`) }));
    } else {
      throw badRequest('expected points (a list) or batch');
    }
    return ok(req, reply, writeResult(reply, await node.upsert(name(req), pts)));
  });

  app.post<{ Params: P }>('/collections/:collection_name/points/delete', async (req, reply) => {
    return ok(req, reply, writeResult(reply, await node.change(name(req), { op: 'delete', ...selector(body(req)) })));
  });
  app.post<{ Params: P }>('/collections/:collection_name/points/payload', async (req, reply) => {
    const b = body(req);
    if (b.key != null && typeof b.key !== 'string') throw badRequest('key: expected a dotted payload path');
    const c = { op: 'set_payload' as const, payload: parsePayload(b.payload, 'payload'), path: (b.key as string | null) ?? null, ...selector(b) };
    return ok(req, reply, writeResult(reply, await node.change(name(req), c)));
  });
  app.put<{ Params: P }>('/collections/:collection_name/points/payload', async (req, reply) => {
    const b = body(req);
    if (b.key != null) throw badRequest('key: overwrite_payload replaces the whole payload; use set_payload with key');
    return ok(req, reply, writeResult(reply, await node.change(name(req), { op: 'overwrite_payload', payload: parsePayload(b.payload, 'payload'), ...selector(b) })));
  });
  app.post<{ Params: P }>('/collections/:collection_name/points/payload/delete', async (req, reply) => {
    const b = body(req);
    if (!Array.isArray(b.keys) || b.keys.some((k) => typeof k !== 'string')) throw badRequest('keys: expected a list of payload keys');
    return ok(req, reply, writeResult(reply, await node.change(name(req), { op: 'delete_payload', fields: b.keys as string[], ...selector(b) })));
  });
  app.post<{ Params: P }>('/collections/:collection_name/points/payload/clear', async (req, reply) => {
    return ok(req, reply, writeResult(reply, await node.change(name(req), { op: 'clear_payload', ...selector(body(req)) })));
  });

  app.post<{ Params: P }>('/collections/:collection_name/points', async (req, reply) => {
    const b = body(req);
    const keys = parseIds(b.ids, 'ids');
    const sel = payloadSelector(b.with_payload, true), vec = wantVector(b.with_vector);
    const v = await node.read(name(req), readConsistency(req));
    const out = [];
    const got = await v.getMany(keys);
    for (const k of keys) {
      const p = got.get(k);
      if (p) out.push({ id: keyToId(k), payload: sel ? sel(p.payload) : null, vector: vec ? Array.from(p.vector) : null });
    }
    return ok(req, reply, out);
  });

  app.get<{ Params: P }>('/collections/:collection_name/points/:id', async (req, reply) => {
    const raw = req.params.id!;
    const key = pointKey(/^\d+$/.test(raw) ? Number(raw) : raw, 'id');
    const p = await (await node.read(name(req), readConsistency(req))).get(key);
    if (!p) throw notFound(`No point with id ${raw} found`);
    return ok(req, reply, { id: keyToId(key), payload: p.payload, vector: Array.from(p.vector) });
  });

  app.post<{ Params: P }>('/collections/:collection_name/points/count', async (req, reply) => {
    const f = filterSpec(req.body && typeof req.body === 'object' ? (req.body as Body).filter : undefined, 'filter');
    return ok(req, reply, { count: await (await node.read(name(req), readConsistency(req))).count(f) });
  });

  app.post<{ Params: P }>('/collections/:collection_name/points/scroll', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    const limit = intIn(b.limit, 10, 0, 100000, 'limit');
    const from = b.offset == null ? null : pointKey(b.offset, 'offset');
    const f = filterSpec(b.filter, 'filter');
    const sel = payloadSelector(b.with_payload, true), vec = wantVector(b.with_vector);
    const v = await node.read(name(req), readConsistency(req));
    const res = await v.scroll(from, limit, f);
    const got = sel || vec ? await v.getMany(res.keys) : null;
    const points = res.keys.map((k) => { const p = got?.get(k); return { id: keyToId(k), payload: sel && p ? sel(p.payload) : null, vector: vec && p ? Array.from(p.vector) : null }; });
    return ok(req, reply, { points, next_page_offset: res.next === null ? null : keyToId(res.next) });
  });

  const searchOne = async (v: CollectionView, b: Body, where: string) => {
    if (!b || typeof b !== 'object') throw badRequest(`${where}: expected a search request`);
    const vector = parseVector(b.vector, v.config.size, `${where}.vector`, false);
    const limit = intIn(b.limit, 10, 0, 100000, `${where}.limit`), offset = intIn(b.offset, 0, 0, 1000000, `${where}.offset`);
    const prm = (b.params ?? {}) as { hnsw_ef?: number | null; exact?: boolean | null };
    // score_threshold and params as the single server; a query without prefetch is a search
    return scored(v, await clusterQuery(v, { query: Array.from(vector), limit, offset, filter: b.filter, score_threshold: b.score_threshold, params: { hnsw_ef: prm.hnsw_ef, exact: prm.exact } }, NO_FILTER, where), b);
  };
  app.post<{ Params: P }>('/collections/:collection_name/points/search', async (req, reply) => {
    const b = body(req);
    const v = await node.read(name(req), readConsistency(req));
    return ok(req, reply, await searchOne(v, b, 'search'));
  });
  app.post<{ Params: P }>('/collections/:collection_name/points/search/batch', async (req, reply) => {
    const list = body(req).searches;
    if (!Array.isArray(list)) throw badRequest('searches: expected a list of search requests');
    const v = await node.read(name(req), readConsistency(req));
    return ok(req, reply, await Promise.all(list.map((b, i) => searchOne(v, b as Body, `searches[${i}]`))));
  });
  const queryOne = async (v: CollectionView, b: Body, where: string) => {
    if (!b || typeof b !== 'object') throw badRequest(`${where}: expected a query request`);
    if (b.using != null && b.using !== '') throw badRequest(`${where}.using: got ${JSON.stringify(b.using)}; collections have one unnamed vector`);
    return { points: await scored(v, await clusterQuery(v, b, NO_FILTER, where), b) };
  };
  app.post<{ Params: P }>('/collections/:collection_name/points/query', async (req, reply) => {
    const b = (req.body ?? {}) as Body;
    const v = await node.read(name(req), readConsistency(req));
    return ok(req, reply, await queryOne(v, b, 'query'));
  });
  app.post<{ Params: P }>('/collections/:collection_name/points/query/batch', async (req, reply) => {
    const list = body(req).searches;
    if (!Array.isArray(list)) throw badRequest('searches: expected a list of query requests');
    const v = await node.read(name(req), readConsistency(req));
    return ok(req, reply, await Promise.all(list.map((b, i) => queryOne(v, b as Body, `searches[${i}]`))));
  });
}
