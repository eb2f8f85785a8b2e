import type { FastifyInstance } from 'fastify';
import { clusterApp } from './http.js';
import { ClusterNode, type ClusterNodeOptions } from './node.js';

export interface ClusterServeOptions extends ClusterNodeOptions {
  host?: string;
  port?: number;
  /** Base URL other nodes reach this one on (default: the listening address). */
  advertise?: string;
}

export interface ClusterServer { node: ClusterNode; app: FastifyInstance; url: string; close(): Promise<void> }

/** A cluster node behind its HTTP API (`knnkit serve --cluster`), listening. */
export async function serveCluster(o: ClusterServeOptions): Promise<ClusterServer> {
  const node = await ClusterNode.start(o);
  const app = clusterApp(node);
  const url = await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 6333 });
  // joins the shard assignment at the address other nodes reach it on (--advertise, else the listening one)
  await node.serveAt(o.advertise ?? url).catch(async (e) => { await app.close(); await node.close(); throw e; });
  return {
    node, app, url,
    async close() { await app.close(); await node.close(); },
  };
}

function positive(n: number | undefined, flag: string): number | undefined {
  if (n === 0) throw new Error(`${flag}: got 0; expected a positive integer`);
  return n;
}

function advertise(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+$/.test(v)) throw new Error(`--advertise: got ${JSON.stringify(v)}; expected a base URL such as http://10.0.0.5:6333`);
  return v;
}

/** Parses `--cluster URL[,URL...] --node-id ID [--replicas N] [--shard-replicas R] [--advertise URL] [--host H] [--port P] [--publish-deadline-ms MS] [--read-wait-ms MS] [--seal-points N] [--seal-ms MS] [--lease-ms MS] [--compact-segments K] [--seal-pause-ms MS]`. */
export function parseClusterArgs(argv: string[]): ClusterServeOptions {
  const get = (flag: string): string | undefined => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const num = (flag: string): number | undefined => {
    const v = get(flag);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: got ${JSON.stringify(v)}; expected a non-negative integer`);
    return n;
  };
  const servers = (get('--cluster') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (!servers.length) throw new Error('--cluster: expected a comma-separated list of nats:// URLs');
  const nodeId = get('--node-id');
  if (!nodeId || !/^[A-Za-z0-9_-]{1,64}$/.test(nodeId)) throw new Error(`--node-id: got ${JSON.stringify(nodeId)}; expected 1-64 letters, digits, _ or -`);
  return {
    servers, nodeId, replicas: num('--replicas'), host: get('--host'), port: num('--port'),
    publishDeadlineMs: num('--publish-deadline-ms'), readWaitMs: num('--read-wait-ms'),
    shardReplicas: positive(num('--shard-replicas'), '--shard-replicas'), advertise: advertise(get('--advertise')),
    seal: { points: num('--seal-points'), intervalMs: num('--seal-ms'), leaseMs: num('--lease-ms'), compactSegments: num('--compact-segments'), pauseMs: num('--seal-pause-ms') },
    log: (m) => process.stderr.write(`${m}\n`),
  };
}
