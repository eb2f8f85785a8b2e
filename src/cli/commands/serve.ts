import { readFileSync } from 'node:fs';
import { KnnkitError } from '../../core/errors.js';
import { intOption, parseArgs } from '../args.js';

export const summary = 'serve collections over a subset of Qdrant\'s REST API (write-ahead log, snapshots)';

const USAGE = `usage: knnkit serve --data DIR [options]

A vector database speaking a documented subset of Qdrant's REST API (docs/server.md): the
official Qdrant clients work against it. Every collection keeps a write-ahead log (fsynced before
a wait=true write is answered) and periodic snapshots under DIR.

options:
  --data DIR                 data directory (created if missing)          [required]
  --host HOST                listen address (default 127.0.0.1; 0.0.0.0 only when asked)
  --port PORT                port (default 6333; 0 = any free port, printed on start)
  --api-key KEY              read-write key (header api-key); also KNNKIT_API_KEY
  --read-only-api-key KEY    read-only key (writes get 403); also KNNKIT_READ_ONLY_API_KEY
  --config FILE              JSON file with any of: data, host, port, apiKey, readOnlyApiKey,
                             snapshotIntervalMs, snapshotMinBytes, bodyLimit, maxInFlight,
                             searchThreads, log
  --snapshot-interval MS     how often collections with new writes are snapshotted (default 30000)
  --snapshot-min-bytes N     snapshot once the log holds N bytes (default 1)
  --body-limit BYTES         largest request body (default 33554432); larger gets 413
  --max-in-flight N          requests served at once; more get 429 (default 256)
  --search-threads N         worker threads that search HNSW collections off the event loop
                             (default 1; 0 = search on the event loop)
  --log LEVEL                pino log level on stderr (info, warn, error; default warn)
  --cluster URLS             run as a node of a cluster on NATS JetStream instead (docs/cluster.md;
                             its options: knnkit serve --cluster URLS --help)

On SIGTERM / SIGINT it stops accepting, finishes in-flight requests, flushes the logs, writes a
final snapshot of each collection and exits 0. The listening address is printed on stdout as
"knnkit serve listening on http://HOST:PORT".
`;

const SPEC = {
  data: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'api-key': { type: 'string' },
  'read-only-api-key': { type: 'string' }, config: { type: 'string' }, 'snapshot-interval': { type: 'string' },
  'snapshot-min-bytes': { type: 'string' }, 'body-limit': { type: 'string' }, 'max-in-flight': { type: 'string' },
  'search-threads': { type: 'string' }, log: { type: 'string' }, help: { type: 'boolean' },
} as const;

export async function run(argv: string[]): Promise<number> {
  // cluster mode (issue 18) has its own options: src/server/cluster/cli.ts
  if (argv.includes('--cluster')) return (await import('../../server/cluster/cli.js')).runCluster(argv);
  const { options: o } = parseArgs(argv, SPEC);
  if (o.help) { console.log(USAGE); return 0; }
  let file: Record<string, unknown> = {};
  if (typeof o.config === 'string') {
    try { file = JSON.parse(readFileSync(o.config, 'utf8')) as Record<string, unknown>; } catch (e) {
      throw new KnnkitError('--config', `--config: cannot read ${JSON.stringify(o.config)} as JSON: ${(e as Error).message}`);
    }
  }
  const str = (flag: string, key: string, env?: string): string | undefined => {
    const v = (o[flag] as string | undefined) ?? (file[key] as string | undefined) ?? (env ? process.env[env] : undefined);
    if (v !== undefined && typeof v !== 'string') throw new KnnkitError('--config', `--config: ${key} must be a string`);
    return v === '' ? undefined : v;
  };
  const num = (flag: string, key: string, def: number, min: number, max?: number): number => {
    if (o[flag] === undefined && file[key] !== undefined) o[flag] = String(file[key]);
    return intOption(o, flag, def, min, max);
  };
  const dataDir = str('data', 'data');
  if (!dataDir) throw new KnnkitError('--data', '--data: required (the directory that holds the collections)');
  const apiKey = str('api-key', 'apiKey', 'KNNKIT_API_KEY');
  const readOnlyApiKey = str('read-only-api-key', 'readOnlyApiKey', 'KNNKIT_READ_ONLY_API_KEY');
  const host = str('host', 'host') ?? '127.0.0.1';
  const port = num('port', 'port', 6333, 0, 65535);
  const log = str('log', 'log') ?? 'warn';
  const { buildServer } = await import('../../server/app.js');
  const server = await buildServer({
    dataDir, apiKey, readOnlyApiKey,
    snapshotIntervalMs: num('snapshot-interval', 'snapshotIntervalMs', 30_000, 0),
    snapshotMinBytes: num('snapshot-min-bytes', 'snapshotMinBytes', 1, 1),
    bodyLimit: num('body-limit', 'bodyLimit', 32 * 1024 * 1024, 1024),
    maxInFlight: num('max-in-flight', 'maxInFlight', 256, 1),
    searchThreads: num('search-threads', 'searchThreads', 1, 0, 64),
    logLevel: log === 'silent' ? false : log,
  });
  const addr = await server.app.listen({ host, port });
  console.log(`knnkit serve listening on ${addr}${apiKey || readOnlyApiKey ? ' (api keys required)' : ''}`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (sig: string) => {
      if (stopping) return;
      stopping = true;
      console.error(`knnkit serve: ${sig}: draining requests, flushing logs, writing snapshots`);
      server.close().then(() => resolve(0), (e) => { console.error(`knnkit serve: shutdown failed: ${(e as Error).message}`); resolve(1); });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
