// Why the HNSW build grows faster than n: inserts one chunk at a time and prints, per chunk, the
// CPU microseconds per insert, the distance evaluations per insert (the kernel's counter: walks,
// neighbour selection, link shrinking) and the CPU nanoseconds per distance evaluation. Usage:
//   node --import tsx bench/hnsw-growth.ts [--n 100000] [--chunk 10000] [--dim 128] [--clusters 100]
// Data: gaussianClusters (seed 42) as in bench/hnsw.ts; M 16, efConstruction 200, one thread.
import { gaussianClusters } from '../test/helpers/data.js';
import { HnswIndex } from '../src/search/hnsw/hnsw-index.js';

const args = process.argv.slice(2);
const opt = (name: string, def: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const n = +opt('n', '100000'), chunk = +opt('chunk', '10000'), dim = +opt('dim', '128'), clusters = +opt('clusters', '100');
const all = gaussianClusters(n, dim, clusters, 42);
const idx = new HnswIndex(dim, { M: 16, efConstruction: 200, capacity: n });
console.log(`${n} x ${dim}, ${clusters} clusters, chunks of ${chunk}; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('| points | CPU us / insert | distances / insert | CPU ns / distance |');
console.log('|---|---|---|---|');
for (let s = 0; s < n; s += chunk) {
  const rows = Math.min(chunk, n - s);
  idx.kernel.resetDistCount();
  const c0 = process.cpuUsage();
  idx.add({ kind: 'dense', data: all.data.subarray(s * dim, (s + rows) * dim), rows, cols: dim });
  const c = process.cpuUsage(c0), cpuUs = c.user + c.system, nd = idx.kernel.distCount();
  console.log(`| ${s + rows} | ${(cpuUs / rows).toFixed(0)} | ${(nd / rows).toFixed(0)} | ${((cpuUs * 1000) / nd).toFixed(0)} |`);
}
