// Child-process entry for the cluster tests: one cluster node (NATS client + HTTP API).
import { parseClusterArgs, serveCluster } from '../../src/server/cluster/serve.js';

serveCluster(parseClusterArgs(process.argv.slice(2))).then(
  (s) => { process.stdout.write(`listening on ${s.url}\n`); const stop = () => { void s.close().then(() => process.exit(0)); }; process.on('SIGTERM', stop); process.on('SIGINT', stop); },
  (e) => { console.error(String((e as Error)?.message ?? e)); process.exit(2); },
);
