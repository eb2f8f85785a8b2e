// The rp-forest's build on one thread (createIndex) against the worker pool (createIndexAsync,
// trees in ranges on `threads` workers), same data and seed: wall and CPU seconds (all threads of
// the process), and a check that both give the same index bytes.
// Usage: node --import tsx bench/forest-build.ts [--n 100000] [--dim 128] [--trees 20] [--threads 2] [--repeats 2]
// Data: gaussianClusters (100 clusters, seed 42). Runs alternate sync / async; the first async run
// includes starting the pool's workers (printed apart from the median of the later ones).
import { loadavg, uptime } from 'node:os';
import { gaussianClusters } from '../test/helpers/data.js';
import { createIndex, createIndexAsync } from '../src/index/api.js';
import { closeSharedPool, sharedPool } from '../src/parallel/index.js';
import { cpuNow, fmt, median, opt } from './common.js';

const n = Number(opt('n', '100000')), dim = Number(opt('dim', '128')), nTrees = Number(opt('trees', '20'));
const threads = Number(opt('threads', '2')), repeats = Number(opt('repeats', '2'));
const data = gaussianClusters(n, dim, 100, 42);
const opts = { metric: 'euclidean', nTrees, seed: 1 };
console.log(`rp-forest build: n ${n}, dim ${dim}, nTrees ${nTrees}, threads ${threads}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (uptime ${(uptime() / 3600).toFixed(1)} h)`);

const sync: Array<[number, number]> = [], par: Array<[number, number]> = [];
let bytes: Uint8Array | null = null, same = true;
sharedPool(threads); // the pool object only: workers start on the first task
for (let r = 0; r < repeats; r++) {
  let t = performance.now(), c = cpuNow();
  const a = createIndex('rp-forest', data, opts);
  sync.push([(performance.now() - t) / 1000, cpuNow() - c]);
  t = performance.now(); c = cpuNow();
  const b = await createIndexAsync('rp-forest', data, { ...opts, threads });
  par.push([(performance.now() - t) / 1000, cpuNow() - c]);
  const ab = a.toBytes(), bb = b.toBytes();
  same &&= Buffer.compare(Buffer.from(ab), Buffer.from(bb)) === 0 && (bytes === null || Buffer.compare(Buffer.from(bytes), Buffer.from(ab)) === 0);
  bytes = ab;
}
const row = (name: string, xs: Array<[number, number]>) =>
  console.log(`${name.padEnd(28)} wall ${xs.map((x) => fmt(x[0], 2)).join(' / ')} s (median ${fmt(median(xs.map((x) => x[0])), 2)}), cpu ${xs.map((x) => fmt(x[1], 2)).join(' / ')} s`);
row('createIndex (1 thread)', sync);
row(`createIndexAsync (${threads} threads)`, par);
console.log(`speedup (median wall): ${fmt(median(sync.map((x) => x[0])) / median(par.map((x) => x[0])), 2)}x; same index bytes: ${same}; load average after ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
await closeSharedPool();
