import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { KnnkitError } from '../../core/errors.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import { ok } from '../http.js';
import { QDRANT_API_VERSION, KNNKIT_VERSION } from '../version.js';
import type { Distance } from '../collection.js';
import { readConsistency } from './consistency.js';
import { clusterPointRoutes } from './http-points.js';
import type { ClusterNode, Consistency } from './node.js';
import type { ShardOp } from './remote.js';

/** The consistency a routing node passes along (remote.ts): checked, as it reaches catchUp as it is. */
function internalConsistency(c: unknown): Consistency {
  if (c === 'eventual' || c === 'strong') return c;
  if (c && typeof c === 'object' && !Array.isArray(c)) {
    const o = c as Record<string, unknown>;
    const nn = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    if (nn(o.maxLagMs)) return { maxLagMs: o.maxLagMs as number };
    if (nn(o.maxLagSeq)) return { maxLagSeq: o.maxLagSeq as number };
    if (o.after && typeof o.after === 'object' && Object.entries(o.after).every(([k, v]) => /^\d+$/.test(k) && nn(v))) return { after: o.after as Record<number, number> };
  }
  throw badRequest(`consistency: got ${JSON.stringify(c)}; expected "eventual", "strong", {maxLagMs}, {maxLagSeq} or {after: {shard: sequence}}`);
}

type Body = Record<string, unknown>;
type P = { collection_name: string; id?: string };

/**
 * The Qdrant REST routes a cluster node serves (the single server's collection and point routes
 * but payload indexes, snapshots and BM25). Every node answers every request: writes go to the
 * shard streams, reads to this node's copies of the shards it holds and to other nodes' for the
 * rest (GET /cluster: the live nodes; /internal/shards: one shard's read for another node). Reads take a consistency
 * (consistency.ts; default strong: the node first applies what the streams held when the
 * request came; without a NATS quorum it answers from what it has).
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
    const n = await (await node.read(name, readConsistency(req))).count();
    const segs = await node.segmentsOf(name);
    return ok(req, reply, {
      status: 'green', optimizer_status: 'ok', points_count: n, indexed_vectors_count: n,
      segments_count: segs.reduce((k, x) => k + (x ? x.sealed + (x.growing ? 1 : 0) : 0), 0),
      config: {
        params: { vectors: { size: c.size, distance: c.distance }, shard_number: c.shards, replication_factor: c.replicas },
        // applied / segments: per shard on this node (null: held by other nodes); replicas: the shard's assigned nodes
        knnkit: { family: c.family, options: c.familyOptions, streams: c.streams, applied: await node.applied(name), segments: segs, held: await node.held(name), replicas: Array.from({ length: c.shards }, (_, i) => node.replicasOf(name, i)) },
      },
      payload_schema: {},
    });
  });

  // Qdrant's cluster info, with knnkit's node leases: the live nodes, their addresses and the shards each holds caught up
  app.get('/cluster', async (req, reply) => {
    const m = node.membership;
    const live = [...m.live.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return ok(req, reply, {
      status: 'enabled', peer_id: node.opts.nodeId,
      peers: Object.fromEntries(live.map((l) => [l.id, { uri: l.url }])),
      knnkit: { lease_ms: m.leaseMs, live_nodes: live.map((l) => ({ id: l.id, url: l.url, lease_until: new Date(l.until).toISOString(), shards: l.shards })) },
    });
  });

  // internal: a read of one shard this node holds, for a node routing a request (remote.ts)
  app.post<{ Params: { collection_name: string; shard: string } }>('/internal/shards/:collection_name/:shard', async (req, reply) => {
    const b = body(req);
    const { consistency, wait_ms: waitMs, ...op } = b;
    if (waitMs !== undefined && !(typeof waitMs === 'number' && waitMs >= 0)) throw badRequest(`wait_ms: got ${JSON.stringify(waitMs)}; expected a non-negative number of milliseconds`);
    return ok(req, reply, await node.serveShard(req.params.collection_name, Number(req.params.shard), internalConsistency(consistency), op as unknown as ShardOp, waitMs as number | undefined));
  });

  clusterPointRoutes(app, node);

  return app;
}
