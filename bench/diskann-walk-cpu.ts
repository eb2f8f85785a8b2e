// The DiskANN walk's CPU, apart from the disk (issue 16). Two measurements:
//   node --import tsx bench/diskann-walk-cpu.ts adc
//     the ADC distance of a neighbour (m = 32 lookups in a 32 x 256 table) over the codes of
//     random nodes: 2M nodes (61 MiB of codes, as served at 2M) against 32k (1 MiB, in cache);
//     the difference is what `expand` waits for memory per neighbour.
//   node --import tsx bench/diskann-walk-cpu.ts walk [--dir /tmp/knnkit-diskann-2000000] [--l 100] [--w 4]
//     CPU per query of the synchronous search over a saved index with the page cache warm
//     (the walk plus page-cache preads), three passes of the index's q.fvecs.
import { join } from 'node:path';
import { loadIndex } from '../src/index/persist.js';
import { readDataset } from '../src/io/index.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import type { ManagedIndex } from '../src/index/managed-index.js';
import { opt } from './common.js';

function adc(n: number, draws: number): number {
  const m = 32, ksub = 256, lut = Float32Array.from({ length: m * ksub }, () => Math.random());
  const codes = Uint8Array.from({ length: n * m }, () => (Math.random() * 256) | 0);
  const ids = Int32Array.from({ length: draws }, () => (Math.random() * n) | 0);
  let acc = 0, ns = 0;
  for (let rep = 0; rep < 3; rep++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < draws; i++) {
      const o = ids[i] * m;
      let s0 = 0, s1 = 0;
      for (let j = 0; j < m; j += 2) { s0 += lut[j * ksub + codes[o + j]]; s1 += lut[(j + 1) * ksub + codes[o + j + 1]]; }
      acc += s0 + s1;
    }
    const c = process.cpuUsage(c0);
    ns = ((c.user + c.system) * 1000) / draws; // the last pass (JIT warm)
  }
  if (acc === -1) console.log(acc); // keeps the sums alive
  return ns;
}

if (process.argv[2] === 'adc') {
  for (const n of [32768, 2_000_000, 32768, 2_000_000]) console.log(`${n} nodes (${((n * 32) / 2 ** 20).toFixed(0)} MiB of codes): ${adc(n, 2_000_000).toFixed(0)} ns per ADC distance`);
} else {
  const dir = opt('dir', '/tmp/knnkit-diskann-2000000'), L = +opt('l', '100'), W = +opt('w', '4');
  const Q = (await readDataset(join(dir, 'q.fvecs'))).X as DenseMatrix;
  const ix = await loadIndex(join(dir, 'index.knnkit'));
  ix.search(Q, 10, { L, beamWidth: W }); // page cache and JIT warm
  const out: string[] = [];
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    ix.search(Q, 10, { L, beamWidth: W });
    const c = process.cpuUsage(c0);
    out.push(`${((c.user + c.system) / 1000 / Q.rows).toFixed(3)} (user ${(c.user / 1000 / Q.rows).toFixed(3)})`);
  }
  const st = (ix as ManagedIndex).core.searchStats!();
  console.log(`L ${L} W ${W}: CPU ms per query ${out.join(', ')}; reads/query ${st.readsPerQuery.toFixed(1)}, p50 ${st.p50Ms.toFixed(3)} ms`);
}
