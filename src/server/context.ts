import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CollectionManager } from './manager.js';
import type { Metrics } from './metrics.js';
import type { SearchBatcher } from './search-batcher.js';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  /** Changes data: refused (403) for the read-only API key. */
  write?: boolean;
  /** Served without an API key (health probes, the compatibility check). */
  open?: boolean;
  body?: Record<string, unknown>;
  handler: (req: FastifyRequest, reply: FastifyReply) => unknown;
}

export interface ServerContext {
  manager: CollectionManager;
  metrics: Metrics;
  /** Coalesces the plain searches of one event-loop turn into one index search per collection. */
  batcher: SearchBatcher;
  routes: RouteSpec[];
  ready: () => boolean;
}

/** Registers a route and records it (for /openapi.json and the auth rules). */
export function addRoute(app: FastifyInstance, ctx: ServerContext, spec: RouteSpec): void {
  ctx.routes.push(spec);
  app.route({
    method: spec.method,
    url: spec.url,
    schema: spec.body ? { body: spec.body } : undefined,
    // search: the search / query routes (POST), whose latencies feed the page's live figures
    config: { write: spec.write === true, open: spec.open === true, route: spec.url, search: spec.method === 'POST' && /\/points\/(search|query)(\/batch)?$/.test(spec.url) },
    handler: spec.handler,
  });
}

export type Params = { collection_name: string; id?: string; field_name?: string };
