import { KnnkitError } from '../../core/errors.js';

export const CLUSTER_USAGE = `usage: knnkit serve --cluster nats://HOST:PORT[,nats://...] --node-id ID [options]

A node of a knnkit cluster on NATS JetStream (docs/cluster.md): the single server's Qdrant REST
routes for collections and points (upsert, retrieve, delete and payload changes by ids or filter,
count, scroll, search, query; not payload indexes, snapshots or BM25);
writes go to replicated JetStream streams (one per collection shard) and are answered once
JetStream has acknowledged them; each node holds its assigned shards and answers any request,
asking the nodes holding the other shards (GET /cluster lists the live nodes).
Needs the npm packages @nats-io/transport-node, @nats-io/jetstream, @nats-io/kv and @nats-io/obj.

options:
  --cluster URLS             NATS servers of the cluster, comma-separated          [required]
  --node-id ID               this node's name (letters, digits, _ or -)            [required]
  --host HOST                listen address (default 127.0.0.1)
  --port PORT                port (default 6333; 0 = any free port, printed on start)
  --replicas N               stream / bucket replicas of new collections (default 3)
  --shard-replicas R         knnkit nodes holding each shard in memory (default 2, at most
                             the live nodes); the others ask them over HTTP
  --advertise URL            base URL other nodes reach this one on (default: the listening one)
  --publish-deadline-ms MS   how long a write retries before a 503 (default 30000)
  --read-wait-ms MS          how long a read waits to catch up (default 10000), then 503
  --seal-points N            seal a shard's growing segment after N changed points (default 100000)
  --seal-ms MS               ... or after MS with any change (default 60000)
  --lease-ms MS              node and sealer lease time to live (default 15000); a killed
                             node's shards move to other nodes once its lease expires
  --compact-segments K       merge the newest K small segments of a shard, all at 2K (default 8)
  --seal-pause-ms MS         test hook: pause between segment upload and manifest (default 0)

Reads take ?consistency=eventual|strong|bounded|session (default strong), with max_lag_ms or
max_lag_seq for bounded staleness, and the knnkit-after header (a write's knnkit-sequences
header) for read-your-writes.

The listening address is printed on stdout as "knnkit serve listening on http://HOST:PORT".
`;

/** `knnkit serve --cluster ...`: runs a cluster node until SIGTERM / SIGINT. */
export async function runCluster(argv: string[]): Promise<number> {
  if (argv.includes('--help')) { console.log(CLUSTER_USAGE); return 0; }
  let mod: typeof import('./serve.js');
  try {
    mod = await import('./serve.js');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /@nats-io\//.test((e as Error).message)) {
      throw new KnnkitError('--cluster', '--cluster: the NATS client is not installed; run npm install @nats-io/transport-node @nats-io/jetstream @nats-io/kv @nats-io/obj');
    }
    throw e;
  }
  let opts;
  try { opts = mod.parseClusterArgs(argv); } catch (e) { throw new KnnkitError('--cluster', (e as Error).message); }
  const server = await mod.serveCluster(opts);
  console.log(`knnkit serve listening on ${server.url} (cluster node ${opts.nodeId})`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      console.error(`knnkit serve: ${sig}: closing the cluster node`);
      server.close().then(() => resolve(0), (e) => { console.error(`knnkit serve: shutdown failed: ${(e as Error).message}`); resolve(1); });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
