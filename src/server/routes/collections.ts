import type { FastifyInstance } from 'fastify';
import { KnnkitError } from '../../core/errors.js';
import { Collection, DISTANCES, listServable, type CollectionConfig, type Distance } from '../collection.js';
import { addRoute, type Params, type ServerContext } from '../context.js';
import { badRequest, unprocessable } from '../errors.js';
import { ok, parseWait } from '../http.js';
import { FIELD_TYPES, type FieldType } from '../payload-index.js';
import { schemas } from '../schemas.js';

/** Qdrant's defaults for an HNSW collection. */
const QDRANT_HNSW = { m: 16, ef_construct: 100 };

/** The collection's config from a create body: size, distance, and the index family with its options. */
export function configFrom(name: string, body: Record<string, unknown>): CollectionConfig {
  const v = body.vectors as Record<string, unknown>;
  if (!('size' in v) || !('distance' in v)) {
    throw badRequest('vectors: expected {size, distance}; named vectors (a map of names to vector params) are not supported');
  }
  for (const k of Object.keys(v)) {
    if (!['size', 'distance', 'hnsw_config', 'on_disk', 'datatype', 'quantization_config', 'multivector_config'].includes(k)) throw badRequest(`vectors: unknown field ${JSON.stringify(k)}`);
  }
  if (v.quantization_config != null || v.multivector_config != null) throw badRequest('vectors: quantization_config and multivector_config are not supported');
  if (v.datatype != null && v.datatype !== 'float32') throw badRequest(`vectors.datatype: got ${JSON.stringify(v.datatype)}; only float32 is supported`);
  const size = v.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 65536) throw badRequest(`vectors.size: got ${JSON.stringify(size)}; expected an integer in [1, 65536]`);
  if (!DISTANCES.includes(v.distance as Distance)) throw badRequest(`vectors.distance: got ${JSON.stringify(v.distance)}; expected one of ${DISTANCES.join(', ')}`);
  const hnsw = { ...QDRANT_HNSW, ...stripNulls(body.hnsw_config), ...stripNulls(v.hnsw_config) } as { m: number; ef_construct: number };
  const ext = body.knnkit as { index: string; options?: Record<string, unknown> } | undefined;
  let family = 'hnsw', familyOptions: Record<string, unknown> = { M: hnsw.m, efConstruction: hnsw.ef_construct };
  if (ext) {
    family = ext.index;
    familyOptions = { ...(ext.options ?? {}) };
    if (['metric', 'codec', 'storage', 'ids'].some((k) => k in familyOptions)) throw badRequest('knnkit.options: metric comes from vectors.distance; codec/storage and ids are not collection options');
  }
  const config: CollectionConfig = { name, size, distance: v.distance as Distance, family, familyOptions, payloadSchema: {}, createdAt: new Date().toISOString() };
  try {
    const idx = Collection.makeIndex(config);
    config.family = idx.kind;
    config.familyOptions = { ...idx.options };
  } catch (e) {
    if (e instanceof KnnkitError) throw unprocessable(`${e.message.startsWith('knnkit.index') ? '' : 'knnkit.index: '}${e.message} (families that can back a collection: ${listServable().join(', ')})`);
    throw e;
  }
  return config;
}

function stripNulls(o: unknown): Record<string, unknown> {
  if (!o || typeof o !== 'object') return {};
  return Object.fromEntries(Object.entries(o as Record<string, unknown>).filter(([k, x]) => x !== null && (k === 'm' || k === 'ef_construct')));
}

/** Qdrant's CollectionInfo for a collection. */
export function collectionInfo(c: Collection): Record<string, unknown> {
  const cf = c.config;
  const o = cf.familyOptions;
  const payloadSchema: Record<string, unknown> = {};
  for (const [f, t] of Object.entries(cf.payloadSchema)) {
    payloadSchema[f] = { data_type: t, params: t === 'text' ? { type: 'text', tokenizer: 'word', lowercase: true } : undefined, points: t === 'text' ? c.pointsCount : (c.fields.get(f)?.points ?? 0) };
  }
  return {
    status: 'green',
    optimizer_status: 'ok',
    indexed_vectors_count: c.pointsCount,
    points_count: c.pointsCount,
    segments_count: 1,
    config: {
      params: { vectors: { size: cf.size, distance: cf.distance }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: false },
      hnsw_config: { m: cf.family === 'hnsw' ? o.M : 0, ef_construct: cf.family === 'hnsw' ? o.efConstruction : 0, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
      optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 1, max_segment_size: null, memmap_threshold: null, indexing_threshold: 0, flush_interval_sec: 5, max_optimization_threads: null },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      quantization_config: null,
    },
    payload_schema: payloadSchema,
    knnkit: { index: cf.family, options: o, wal_bytes: c.walBytes, segment_seq: c.segmentSeq, seq: c.seq },
  };
}

export function collectionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const m = ctx.manager;
  addRoute(app, ctx, {
    method: 'GET', url: '/collections', summary: 'List collections',
    handler: (req, reply) => ok(req, reply, { collections: [...m.collections.keys()].sort().map((name) => ({ name })) }),
  });
  addRoute(app, ctx, {
    method: 'GET', url: '/collections/:collection_name', summary: 'Collection info',
    handler: (req, reply) => ok(req, reply, collectionInfo(m.get((req.params as Params).collection_name))),
  });
  addRoute(app, ctx, {
    method: 'GET', url: '/collections/:collection_name/exists', summary: 'Whether a collection exists',
    handler: (req, reply) => ok(req, reply, { exists: m.has((req.params as Params).collection_name) }),
  });
  addRoute(app, ctx, {
    method: 'PUT', url: '/collections/:collection_name', summary: 'Create a collection', write: true, body: schemas.createCollection,
    handler: async (req, reply) => {
      const name = (req.params as Params).collection_name;
      const { CollectionManager } = await import('../manager.js');
      CollectionManager.checkName(name);
      await m.create(configFrom(name, req.body as Record<string, unknown>));
      return ok(req, reply, true);
    },
  });
  addRoute(app, ctx, {
    method: 'DELETE', url: '/collections/:collection_name', summary: 'Delete a collection', write: true,
    handler: async (req, reply) => ok(req, reply, await m.delete((req.params as Params).collection_name)),
  });
  addRoute(app, ctx, {
    method: 'PUT', url: '/collections/:collection_name/index', summary: 'Create a payload index (keyword, integer, float, bool; text = BM25)', write: true, body: schemas.fieldIndex,
    handler: async (req, reply) => {
      const c = m.get((req.params as Params).collection_name);
      parseWait(req.query);
      const b = req.body as { field_name: string; field_schema?: unknown };
      const raw = b.field_schema && typeof b.field_schema === 'object' ? (b.field_schema as Record<string, unknown>).type : b.field_schema;
      if (!FIELD_TYPES.includes(raw as FieldType)) throw badRequest(`field_schema: got ${JSON.stringify(b.field_schema)}; expected one of ${FIELD_TYPES.join(', ')}`);
      if (raw === 'text' && c.bm25.field && c.bm25.field !== b.field_name) throw badRequest(`field_schema: the collection already has a text index on ${JSON.stringify(c.bm25.field)} (one text field per collection)`);
      await c.createFieldIndex(b.field_name, raw as FieldType, raw === 'text');
      return ok(req, reply, { operation_id: c.seq, status: 'completed' });
    },
  });
  addRoute(app, ctx, {
    method: 'DELETE', url: '/collections/:collection_name/index/:field_name', summary: 'Delete a payload index', write: true,
    handler: async (req, reply) => {
      const p = req.params as Params;
      const c = m.get(p.collection_name);
      await c.deleteFieldIndex(p.field_name!);
      return ok(req, reply, { operation_id: c.seq, status: 'completed' });
    },
  });
}
