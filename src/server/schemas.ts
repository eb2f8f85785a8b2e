/**
 * JSON schemas of the request bodies (validated by fastify before a handler runs: a body that
 * does not match is a 400 naming the property). They check shapes; values that need the
 * collection (vector size, ids, filters) are checked by the handlers.
 */
const pointId = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] };
const anyValue = {};
const filter = { type: ['object', 'null'] };
const withPayload = { anyOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string' } }, { type: 'object' }, { type: 'null' }] };
const withVector = { anyOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] };
const searchParams = {
  type: ['object', 'null'],
  properties: { hnsw_ef: { type: ['integer', 'null'], minimum: 1, maximum: 100000 }, exact: { type: ['boolean', 'null'] }, quantization: anyValue, indexed_only: anyValue, acorn: anyValue },
  additionalProperties: false,
};
const hnswConfig = {
  type: ['object', 'null'],
  properties: {
    m: { type: ['integer', 'null'], minimum: 2, maximum: 2048 }, ef_construct: { type: ['integer', 'null'], minimum: 4, maximum: 100000 },
    full_scan_threshold: anyValue, max_indexing_threads: anyValue, on_disk: anyValue, payload_m: anyValue, inline_storage: anyValue,
  },
  additionalProperties: false,
};
const limit = { type: ['integer', 'null'], minimum: 0, maximum: 100000 };
const offset = { type: ['integer', 'null'], minimum: 0, maximum: 1000000 };
const ignored = { shard_key: anyValue, consistency: anyValue, timeout: anyValue, lookup_from: anyValue };

export const schemas = {
  createCollection: {
    type: 'object',
    required: ['vectors'],
    properties: {
      vectors: { type: 'object' },
      hnsw_config: hnswConfig,
      knnkit: {
        type: 'object',
        description: 'knnkit extension: the index family (any registered knnkit family that can add, remove and return vectors) and its options',
        properties: { index: { type: 'string' }, options: { type: 'object' } },
        required: ['index'],
        additionalProperties: false,
      },
      // accepted and ignored: single-node knnkit has no shards, replicas or optimizer to configure
      shard_number: anyValue, sharding_method: anyValue, replication_factor: anyValue, write_consistency_factor: anyValue,
      on_disk_payload: anyValue, optimizers_config: anyValue, wal_config: anyValue, strict_mode_config: anyValue, metadata: anyValue,
      quantization_config: { type: 'null' }, sparse_vectors: { type: 'null' }, init_from: { type: 'null' },
    },
    additionalProperties: false,
  },
  upsert: {
    type: 'object',
    properties: {
      points: { type: 'array', items: { type: 'object', required: ['id', 'vector'], properties: { id: pointId, vector: anyValue, payload: { type: ['object', 'null'] } }, additionalProperties: false } },
      batch: { type: 'object', required: ['ids', 'vectors'], properties: { ids: { type: 'array', items: pointId }, vectors: { type: 'array' }, payloads: { type: ['array', 'null'] } }, additionalProperties: false },
      ...ignored,
    },
    additionalProperties: false,
  },
  retrieve: {
    type: 'object', required: ['ids'],
    properties: { ids: { type: 'array', items: pointId }, with_payload: withPayload, with_vector: withVector, ...ignored },
    additionalProperties: false,
  },
  selector: {
    type: 'object',
    properties: { points: { type: 'array', items: pointId }, filter, ...ignored },
    additionalProperties: false,
  },
  setPayload: {
    type: 'object', required: ['payload'],
    properties: { payload: { type: 'object' }, points: { type: 'array', items: pointId }, filter, key: { type: ['string', 'null'] }, ...ignored },
    additionalProperties: false,
  },
  deletePayload: {
    type: 'object', required: ['keys'],
    properties: { keys: { type: 'array', items: { type: 'string' } }, points: { type: 'array', items: pointId }, filter, ...ignored },
    additionalProperties: false,
  },
  scroll: {
    type: ['object', 'null'],
    properties: { offset: { anyOf: [pointId, { type: 'null' }] }, limit, filter, with_payload: withPayload, with_vector: withVector, order_by: { type: 'null' }, ...ignored },
    additionalProperties: false,
  },
  count: {
    type: ['object', 'null'],
    properties: { filter, exact: { type: ['boolean', 'null'] }, ...ignored },
    additionalProperties: false,
  },
  search: {
    type: 'object', required: ['vector', 'limit'],
    properties: { vector: anyValue, filter, params: searchParams, limit, offset, with_payload: withPayload, with_vector: withVector, score_threshold: { type: ['number', 'null'] }, ...ignored },
    additionalProperties: false,
  },
  searchBatch: { type: 'object', required: ['searches'], properties: { searches: { type: 'array', maxItems: 1000 }, ...ignored }, additionalProperties: false },
  query: {
    type: ['object', 'null'],
    properties: {
      query: anyValue, prefetch: anyValue, using: { type: ['string', 'null'] }, filter, params: searchParams, limit, offset,
      with_payload: withPayload, with_vector: withVector, score_threshold: { type: ['number', 'null'] }, ...ignored,
    },
    additionalProperties: false,
  },
  queryBatch: { type: 'object', required: ['searches'], properties: { searches: { type: 'array', maxItems: 1000 }, ...ignored }, additionalProperties: false },
  fieldIndex: {
    type: 'object', required: ['field_name'],
    properties: { field_name: { type: 'string', minLength: 1 }, field_schema: { anyOf: [{ type: 'string' }, { type: 'object' }, { type: 'null' }] } },
    additionalProperties: false,
  },
} as const;

/** Schemas of searches inside a batch (validated by the handler with the same checks). */
export { searchParams };
