import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Applied, Collection, PointIn } from '../collection.js';
import { addRoute, type Params, type ServerContext } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { compileFilter } from '../filter.js';
import { intIn, ok, parseIds, parsePayload, parseVector, parseWait, payloadSelector, record, selectKeys, wantVector } from '../http.js';
import { keyToId, pointKey } from '../point-id.js';
import { schemas } from '../schemas.js';

type Body = Record<string, unknown>;

/**
 * Answers a change once it is applied (at once, or after the worker searches in flight: see
 * ../index-gate.ts): with wait=true after the log record is fsynced ("completed"), otherwise
 * then ("acknowledged"; a failed write is logged, and the change is already visible in memory).
 */
async function answerWrite(req: FastifyRequest, reply: FastifyReply, change: Promise<Applied>): Promise<FastifyReply> {
  const wait = parseWait(req.query);
  const { seq: opId, durable } = await change;
  if (wait) await durable;
  else durable.catch((e) => req.log.error({ err: (e as Error).message }, 'write-ahead log append failed'));
  return ok(req, reply, { operation_id: opId, status: wait ? 'completed' : 'acknowledged' });
}

/** Points of an upsert body ({points: [...]} or the column form {batch: {ids, vectors, payloads}}). */
export function upsertPoints(c: Collection, body: Body): PointIn[] {
  const dim = c.config.size, norm = c.config.distance === 'Cosine';
  if (body.points !== undefined && body.batch !== undefined) throw badRequest('give either points or batch, not both');
  if (Array.isArray(body.points)) {
    return (body.points as Body[]).map((p, i) => ({
      key: pointKey(p.id, `points[${i}].id`),
      vector: parseVector(p.vector, dim, `points[${i}].vector`, norm),
      payload: parsePayload(p.payload, `points[${i}].payload`),
    }));
  }
  const b = body.batch as { ids: unknown[]; vectors: unknown[]; payloads?: unknown[] | null } | undefined;
  if (!b) throw badRequest('expected points or batch');
  if (b.vectors.length !== b.ids.length || (b.payloads && b.payloads.length !== b.ids.length)) throw badRequest(`batch: ${b.ids.length} ids, ${b.vectors.length} vectors${b.payloads ? `, ${b.payloads.length} payloads` : ''}; expected one of each per point`);
  return b.ids.map((id, i) => ({
    key: pointKey(id, `batch.ids[${i}]`),
    vector: parseVector(b.vectors[i], dim, `batch.vectors[${i}]`, norm),
    payload: parsePayload(b.payloads?.[i], `batch.payloads[${i}]`),
  }));
}

export function pointRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const m = ctx.manager;
  const coll = (req: FastifyRequest) => m.get((req.params as Params).collection_name);

  addRoute(app, ctx, {
    method: 'PUT', url: '/collections/:collection_name/points', summary: 'Upsert points', write: true, body: schemas.upsert,
    handler: async (req, reply) => {
      const c = coll(req);
      const pts = upsertPoints(c, req.body as Body);
      if (pts.length === 0) return ok(req, reply, { operation_id: c.seq, status: 'completed' });
      ctx.metrics.pointsUpserted += pts.length;
      return answerWrite(req, reply, c.upsert(pts));
    },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points', summary: 'Retrieve points by id', body: schemas.retrieve,
    handler: (req, reply) => {
      const c = coll(req);
      const b = req.body as Body;
      const sel = payloadSelector(b.with_payload, true), vec = wantVector(b.with_vector);
      const out = [];
      for (const k of parseIds(b.ids, 'ids')) { const id = c.idOf(k); if (id !== undefined) out.push(record(c, id, sel, vec)); }
      return ok(req, reply, out);
    },
  });
  addRoute(app, ctx, {
    method: 'GET', url: '/collections/:collection_name/points/:id', summary: 'Retrieve one point',
    handler: (req, reply) => {
      const c = coll(req);
      const raw = (req.params as Params).id!;
      const key = pointKey(/^\d+$/.test(raw) ? Number(raw) : raw, 'id');
      const id = c.idOf(key);
      if (id === undefined) throw notFound(`No point with id ${raw} found`);
      return ok(req, reply, record(c, id, payloadSelector(true, true), true));
    },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/delete', summary: 'Delete points by id or filter', write: true, body: schemas.selector,
    handler: (req, reply) => { const c = coll(req); return answerWrite(req, reply, c.deletePoints(selectKeys(c, req.body as Body))); },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/payload', summary: 'Set payload keys (merge)', write: true, body: schemas.setPayload,
    handler: (req, reply) => {
      const c = coll(req), b = req.body as Body;
      return answerWrite(req, reply, c.setPayload(selectKeys(c, b), parsePayload(b.payload, 'payload'), (b.key as string | null) ?? undefined));
    },
  });
  addRoute(app, ctx, {
    method: 'PUT', url: '/collections/:collection_name/points/payload', summary: 'Overwrite payload', write: true, body: schemas.setPayload,
    handler: (req, reply) => {
      const c = coll(req), b = req.body as Body;
      if (b.key != null) throw badRequest('key: overwrite_payload replaces the whole payload; use set_payload with key');
      return answerWrite(req, reply, c.overwritePayload(selectKeys(c, b), parsePayload(b.payload, 'payload')));
    },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/payload/delete', summary: 'Delete payload keys', write: true, body: schemas.deletePayload,
    handler: (req, reply) => { const c = coll(req), b = req.body as Body; return answerWrite(req, reply, c.deletePayloadKeys(selectKeys(c, b), b.keys as string[])); },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/payload/clear', summary: 'Clear payloads', write: true, body: schemas.selector,
    handler: (req, reply) => { const c = coll(req); return answerWrite(req, reply, c.clearPayload(selectKeys(c, req.body as Body))); },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/scroll', summary: 'Scroll points in id order (filter, limit, offset)', body: schemas.scroll,
    handler: (req, reply) => {
      const c = coll(req), b = (req.body ?? {}) as Body;
      const limit = intIn(b.limit, 10, 0, 100000, 'limit');
      const res = c.scroll(b.offset == null ? null : pointKey(b.offset, 'offset'), limit, compileFilter(b.filter));
      const sel = payloadSelector(b.with_payload, true), vec = wantVector(b.with_vector);
      return ok(req, reply, { points: res.ids.map((id) => record(c, id, sel, vec)), next_page_offset: res.next === null ? null : keyToId(res.next) });
    },
  });
  addRoute(app, ctx, {
    method: 'POST', url: '/collections/:collection_name/points/count', summary: 'Count points (filter)', body: schemas.count,
    handler: (req, reply) => { const c = coll(req), b = (req.body ?? {}) as Body; return ok(req, reply, { count: c.count(compileFilter(b.filter)) }); },
  });
}
