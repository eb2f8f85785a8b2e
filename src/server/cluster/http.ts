import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { KnnkitError } from '../../core/errors.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { intIn, ok, parsePayload, parseVector, parseWait, payloadSelector, wantVector } from '../http.js';
import { compileFilter } from '../filter.js';
import { keyToId, pointKey, type PointId } from '../point-id.js';
import { QDRANT_API_VERSION, KNNKIT_VERSION } from '../version.js';
import type { Distance } from '../collection.js';
import { ClusterNode, type Consistency } from './node.js';

type Body = Record<string, unknown>;
type P = { collection_name: string; id?: string };

/**
 * The Qdrant REST routes a cluster node serves (a subset of the single server's: create / get a
 * collection, upsert, retrieve, delete, count, search). Every node answers every request: writes
 * go to the shard streams, reads to the node's replicas of the shards. Reads take
 * `?consistency=eventual|strong` (default strong: the node first applies what the streams held
 * when the request came; without a NATS quorum it answers from what it has).
 */
export function clusterApp(node: ClusterNode, opts: { bodyLimit?: number } = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 32 * 1024 * 1024, return503OnClosing: true, forceCloseConnections: 'idle' });
  app.addHook('onRequest', async (req) => { (req as unknown as { t0: number }).t0 = performance.now(); });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    let status = 500, msg = 'Service internal error';
    if (err instanceof ApiError) { status = err.statusCode; msg = err.message; }
    else if (err instanceof KnnkitError) { status = 400; msg = `Wrong input: ${err.message.split('\n')[0]}`; }
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) { status = err.statusCode; msg = err.message; }
    return reply.code(status).send({ status: { error: msg }, time: 0 });
  });
  const consistency = (req: FastifyRequest): Consistency => {
    const c = (req.query as Record<string, unknown>).consistency;
    if (c === undefined || c === 'strong') return 'strong';
    if (c === 'eventual') return 'eventual';
    throw badRequest(`consistency: got ${JSON.stringify(c)}; expected eventual or strong`);
  };
  const body = (req: FastifyRequest): Body => {
    const b = req.body;
    if (!b || typeof b !== 'object' || Array.isArray(b)) throw badRequest('expected a JSON object body');
    return b as Body;
  };

  app.get('/', async () => ({ title: 'knnkit cluster node - vector search engine (Qdrant REST API subset)', version: QDRANT_API_VERSION, knnkit_version: KNNKIT_VERSION, node_id: node.opts.nodeId }));
  app.get('/healthz', async () => 'healthz check passed');

  app.put<{ Params: P }>('/collections/:collection_name', async (req, reply) => {
    const b = body(req);
    const v = b.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (!v || typeof v !== 'object') throw badRequest('vectors: expected {size, distance}');
    // the single server's extension: knnkit: {index: <family>, options} (default here: brute, exact)
    const k = (b.knnkit ?? {}) as { index?: string; options?: Record<string, unknown> };
    await node.createCollection({
      name: req.params.collection_name, size: v.size as number, distance: v.distance as Distance,
      shards: b.shard_number === undefined ? undefined : (b.shard_number as number), family: k.index, familyOptions: k.options,
    });
    return ok(req, reply, true);
  });

  app.get('/collections', async (req, reply) => ok(req, reply, { collections: (await node.listCollections()).map((name) => ({ name })) }));

  app.delete<{ Params: P }>('/collections/:collection_name', async (req, reply) => ok(req, reply, await node.deleteCollection(req.params.collection_name)));

  app.get<{ Params: P }>('/collections/:collection_name', async (req, reply) => {
    const name = req.params.collection_name;
    const c = await node.configOf(name);
    const n = await node.count(name, consistency(req));
    return ok(req, reply, {
      status: 'green', optimizer_status: 'ok', points_count: n, indexed_vectors_count: n, segments_count: c.shards,
      config: { params: { vectors: { size: c.size, distance: c.distance }, shard_number: c.shards, replication_factor: c.replicas }, knnkit: { family: c.family, options: c.familyOptions, streams: c.streams, applied: await node.applied(name) } },
      payload_schema: {},
    });
  });

  app.put<{ Params: P }>('/collections/:collection_name/points', async (req, reply) => {
    const name = req.params.collection_name;
    const c = await node.configOf(name);
    parseWait(req.query); // accepted; every cluster write waits for JetStream's acknowledgement
    const b = body(req);
    let pts: { id: PointId; vector: Float32Array; payload: Record<string, unknown> }[];
    if (Array.isArray(b.points)) {
      pts = (b.points as Body[]).map((p, i) => ({ id: p.id as PointId, vector: parseVector(p.vector, c.size, `points[${i}].vector`, c.distance === 'Cosine'), payload: parsePayload(p.payload, `points[${i}].payload`) }));
    } else if (b.batch && typeof b.batch === 'object') {
      const bt = b.batch as { ids?: PointId[]; vectors?: unknown[]; payloads?: unknown[] };
      if (!Array.isArray(bt.ids) || !Array.isArray(bt.vectors) || bt.ids.length !== bt.vectors.length) throw badRequest('batch: expected ids and vectors of the same length');
      pts = bt.ids.map((id, i) => ({ id, vector: parseVector(bt.vectors![i], c.size, `batch.vectors[${i}]`, c.distance === 'Cosine'), payload: parsePayload(bt.payloads?.[i], `batch.payloads[${i}]`) }));
    } else {
      throw badRequest('expected points (a list) or batch');
    }
    const seqs = await node.upsert(name, pts);
    return ok(req, reply, { operation_id: Math.max(0, ...Object.values(seqs)), status: 'completed', knnkit_sequences: seqs });
  });

  app.post<{ Params: P }>('/collections/:collection_name/points/delete', async (req, reply) => {
    const b = body(req);
    if (!Array.isArray(b.points)) throw badRequest('points: expected a list of point ids (filters are not supported by cluster nodes yet)');
    const seqs = await node.deletePoints(req.params.collection_name, b.points as PointId[]);
    return ok(req, reply, { operation_id: Math.max(0, ...Object.values(seqs)), status: 'completed', knnkit_sequences: seqs });
  });

  app.post<{ Params: P }>('/collections/:collection_name/points', async (req, reply) => {
    const b = body(req);
    if (!Array.isArray(b.ids)) throw badRequest('ids: expected a list of point ids');
    const sel = payloadSelector(b.with_payload, true), vec = wantVector(b.with_vector);
    const cons = consistency(req);
    const out = [];
    for (const [i, id] of (b.ids as PointId[]).entries()) {
      const p = await node.retrieve(req.params.collection_name, id, i === 0 ? cons : 'eventual');
      if (p) out.push({ id: keyToId(pointKey(id)), payload: sel ? sel(p.payload) : null, vector: vec ? p.vector : null });
    }
    return ok(req, reply, out);
  });

  app.get<{ Params: P }>('/collections/:collection_name/points/:id', async (req, reply) => {
    const raw = req.params.id!;
    const id: PointId = /^\d+$/.test(raw) ? Number(raw) : raw;
    const p = await node.retrieve(req.params.collection_name, id, consistency(req));
    if (!p) throw notFound(`No point with id ${raw} found`);
    return ok(req, reply, { id: keyToId(pointKey(id)), payload: p.payload, vector: p.vector });
  });

  app.post<{ Params: P }>('/collections/:collection_name/points/count', async (req, reply) => {
    const f = compileFilter(req.body && typeof req.body === 'object' ? (req.body as Body).filter : undefined);
    return ok(req, reply, { count: await node.count(req.params.collection_name, consistency(req), f) });
  });

  app.post<{ Params: P }>('/collections/:collection_name/points/search', async (req, reply) => {
    const name = req.params.collection_name;
    const b = body(req);
    const c = await node.configOf(name);
    const vector = parseVector(b.vector, c.size, 'vector', false);
    const limit = intIn(b.limit, 10, 0, 100000, 'limit'), offset = intIn(b.offset, 0, 0, 1000000, 'offset');
    const prm = (b.params ?? {}) as { hnsw_ef?: number };
    const filter = compileFilter(b.filter);
    const hits = await node.search(name, vector, limit, { offset, ef: prm.hnsw_ef ?? undefined, consistency: consistency(req), filter });
    const sel = payloadSelector(b.with_payload, false), vec = wantVector(b.with_vector);
    const out = [];
    for (const h of hits) {
      const p = sel || vec ? await node.retrieve(name, keyToId(h.key), 'eventual') : null;
      out.push({ id: keyToId(h.key), version: 0, score: h.score, payload: sel && p ? sel(p.payload) : null, vector: vec && p ? p.vector : null });
    }
    return ok(req, reply, out);
  });

  return app;
}
