import Fastify, { type FastifyInstance, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { KnnkitError } from '../core/errors.js';
import type { ServerContext } from './context.js';
import { ApiError } from './errors.js';
import { CollectionManager } from './manager.js';
import { Metrics } from './metrics.js';
import { collectionRoutes } from './routes/collections.js';
import { pointRoutes } from './routes/points.js';
import { searchRoutes } from './routes/search.js';
import { SearchBatcher } from './search-batcher.js';
import { serviceRoutes } from './routes/service.js';

export interface ServerOptions {
  /** Data directory (collections, logs, segments). */
  dataDir: string;
  /** Read-write API key (header `api-key` or `Authorization: Bearer`); none = no auth. */
  apiKey?: string;
  /** Read-only API key: reads only, writes answer 403. */
  readOnlyApiKey?: string;
  /** Largest request body, bytes (default 32 MiB): larger is a 413. */
  bodyLimit?: number;
  /** Requests served at once; more are refused with 429 + Retry-After (default 256). */
  maxInFlight?: number;
  /**
   * Worker threads that run plain searches of HNSW collections off the event loop (default 1;
   * 0 = every search on the event loop). See search-batcher.ts.
   */
  searchThreads?: number;
  /** Snapshot check interval, ms (default 30 s; 0 = only at shutdown). */
  snapshotIntervalMs?: number;
  /** Snapshot once a collection's log holds this many bytes (default 1: any change). */
  snapshotMinBytes?: number;
  /** pino logging: false (default) or a level ("info", "warn", ...). Keys are never logged. */
  logLevel?: string | false;
}

export interface KnnkitServer {
  app: FastifyInstance;
  manager: CollectionManager;
  metrics: Metrics;
  /** Stops accepting, drains in-flight requests, flushes logs and snapshots. */
  close(): Promise<void>;
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Builds the server (collections recovered from `dataDir`); call app.listen to serve. */
export async function buildServer(opts: ServerOptions): Promise<KnnkitServer> {
  const logLevel = opts.logLevel ?? false;
  const app = Fastify({
    logger: logLevel ? { level: logLevel, redact: ['req.headers["api-key"]', 'req.headers.authorization'] } : false,
    bodyLimit: opts.bodyLimit ?? 32 * 1024 * 1024,
    // bodies are validated as sent: no type coercion, no silent removal of unknown fields
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  const manager = await CollectionManager.open(opts.dataDir, {
    snapshotIntervalMs: opts.snapshotIntervalMs, snapshotMinBytes: opts.snapshotMinBytes,
    log: (msg) => app.log.warn(msg),
  });
  let closing = false;
  const metrics = new Metrics();
  const batcher = new SearchBatcher({ searchThreads: opts.searchThreads });
  metrics.batcher = batcher;
  const ctx: ServerContext = { manager, metrics, batcher, routes: [], ready: () => !closing };
  const maxInFlight = opts.maxInFlight ?? 256;

  // callback-style hooks (no promise per request per hook): they run on every request
  const authorise = (req: FastifyRequest, reply: FastifyReply): ApiError | undefined => {
    (req as unknown as { t0: number }).t0 = performance.now();
    const cfg = (req.routeOptions.config ?? {}) as { write?: boolean; open?: boolean };
    if (metrics.inFlight >= maxInFlight) {
      metrics.rejectedOverload++;
      reply.header('retry-after', '1');
      return new ApiError(429, `Too many requests in flight (${maxInFlight}); retry later`);
    }
    metrics.inFlight++;
    (req as unknown as { counted: boolean }).counted = true;
    if (!opts.apiKey && !opts.readOnlyApiKey) return undefined;
    if (cfg.open) return undefined;
    const auth = req.headers.authorization;
    const key = (req.headers['api-key'] as string | undefined) ?? (auth?.startsWith('Bearer ') ? auth.slice(7) : undefined);
    if (key === undefined) return new ApiError(401, 'Unauthorized: an api-key header is required');
    if (opts.apiKey && sameKey(key, opts.apiKey)) return undefined;
    if (opts.readOnlyApiKey && sameKey(key, opts.readOnlyApiKey)) {
      if (cfg.write) return new ApiError(403, 'Forbidden: the read-only api key cannot change data');
      return undefined;
    }
    return new ApiError(401, 'Unauthorized: invalid api key');
  };
  app.addHook('onRequest', (req, reply, done) => done(authorise(req, reply)));
  app.addHook('onResponse', (req, reply, done) => {
    if ((req as unknown as { counted?: boolean }).counted) metrics.inFlight--;
    const cfg = req.routeOptions.config as { route?: string; search?: boolean } | undefined;
    const route = cfg?.route ?? 'unmatched';
    const seconds = (performance.now() - ((req as unknown as { t0?: number }).t0 ?? performance.now())) / 1000;
    metrics.observe(req.method, route, reply.statusCode, seconds);
    if (reply.statusCode === 200 && cfg?.search) {
      const b = req.body as { searches?: unknown[] } | undefined;
      metrics.observeSearch(seconds * 1000, route.endsWith('/batch') ? (b?.searches?.length ?? 1) : 1);
    }
    done();
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const t = (performance.now() - ((req as unknown as { t0?: number }).t0 ?? performance.now())) / 1000;
    let status = 500, msg = 'Service internal error';
    if (err instanceof ApiError) { status = err.statusCode; msg = err.message; }
    else if (err instanceof KnnkitError) { status = 400; msg = `Wrong input: ${err.message.split('\n')[0]}`; }
    else if (err.validation) { status = 400; msg = `Format error in JSON body: ${err.validationContext ?? 'body'}${err.message.replace(/^body/, '')}`; }
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) { status = err.statusCode; msg = err.message; }
    if (status >= 500) req.log.error({ err: err.message }, 'request failed');
    return reply.code(status).send({ status: { error: msg }, time: t });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ status: { error: `Not found: no route ${req.method} ${req.url.split('?')[0]}` }, time: 0 }));

  serviceRoutes(app, ctx);
  collectionRoutes(app, ctx);
  pointRoutes(app, ctx);
  searchRoutes(app, ctx);

  return {
    app,
    manager,
    metrics,
    async close() {
      closing = true;
      await app.close();
      await manager.close();
    },
  };
}
