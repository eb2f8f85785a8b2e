import type { FastifyInstance } from 'fastify';
import { addRoute, type ServerContext } from '../context.js';
import { ok } from '../http.js';
import { DASHBOARD_HTML } from '../page.js';
import { KNNKIT_VERSION, QDRANT_API_VERSION } from '../version.js';

/** OpenAPI 3 document of the routes as registered (paths, methods, summaries, body schemas). */
export function openApi(ctx: ServerContext): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ctx.routes) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const params = [...r.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (r.write) params.push({ name: 'wait', in: 'query', required: false, schema: { type: 'boolean' } } as never);
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(params.length ? { parameters: params } : {}),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
      responses: {
        200: { description: 'Qdrant envelope {result, status: "ok", time}' },
        '4XX': { description: 'Qdrant error {status: {error}, time}' },
      },
      ...(r.open ? {} : { security: [{ 'api-key': [] }, {}] }),
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: 'knnkit serve: a subset of the Qdrant REST API', version: KNNKIT_VERSION, 'x-qdrant-api-version': QDRANT_API_VERSION },
    components: { securitySchemes: { 'api-key': { type: 'apiKey', in: 'header', name: 'api-key' } } },
    paths,
  };
}

export function serviceRoutes(app: FastifyInstance, ctx: ServerContext): void {
  addRoute(app, ctx, {
    method: 'GET', url: '/', summary: 'Server name and the Qdrant API version it speaks', open: true,
    handler: (_req, reply) => reply.send({ title: 'knnkit - vector search engine (Qdrant REST API subset)', version: QDRANT_API_VERSION, knnkit_version: KNNKIT_VERSION }),
  });
  for (const url of ['/healthz', '/livez']) {
    addRoute(app, ctx, { method: 'GET', url, summary: 'Liveness', open: true, handler: (_req, reply) => reply.type('text/plain').send('healthz check passed') });
  }
  addRoute(app, ctx, {
    method: 'GET', url: '/readyz', summary: 'Readiness: collections recovered and not shutting down', open: true,
    handler: (_req, reply) => (ctx.ready() ? reply.type('text/plain').send('all shards are ready') : reply.code(503).type('text/plain').send('not ready')),
  });
  addRoute(app, ctx, {
    method: 'GET', url: '/metrics', summary: 'Prometheus metrics',
    handler: (_req, reply) => reply.type('text/plain; version=0.0.4').send(ctx.metrics.render(ctx.manager)),
  });
  addRoute(app, ctx, {
    method: 'GET', url: '/openapi.json', summary: 'This OpenAPI document', open: true,
    handler: (_req, reply) => reply.send(openApi(ctx)),
  });
  addRoute(app, ctx, {
    method: 'GET', url: '/dashboard', summary: 'Web page: collections, search by point id or vector with a filter, live queries/s and latency', open: true,
    handler: (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'").send(DASHBOARD_HTML),
  });
  addRoute(app, ctx, {
    method: 'GET', url: '/dashboard/stats', summary: 'Live search figures for the page: queries/s, p50 and p99 latency over the last 10 s', open: true,
    handler: (_req, reply) => reply.send(ctx.metrics.liveStats(10)),
  });
  addRoute(app, ctx, {
    method: 'GET', url: '/telemetry', summary: 'Minimal telemetry (collections and points)',
    handler: (req, reply) => ok(req, reply, { app: { name: 'knnkit', version: KNNKIT_VERSION }, collections: { number_of_collections: ctx.manager.collections.size } }),
  });
}
