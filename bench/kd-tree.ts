// KD-tree benchmark: knnkit KDTree beside scikit-learn's KDTree (same data, same run, same leaf
// size), build time and k-NN queries/s at d = 2, 8, 16. Usage:
//   node --import tsx bench/kd-tree.ts [--quick] [--n 100000] [--queries 10000] [--k 10]
//        [--dims 2,8,16] [--leaf-size 40] [--repeats 3] [--data uniform|clustered] [--no-peer]
// Data: uniform in [0, 1)^d (default; the classic KD-tree benchmark, seed 7) or 100 Gaussian
// clusters (--data clustered, gaussianClusters seed 42); queries from the same distribution.
// Both engines search on one thread. Figures are medians of the repeats, wall time and CPU time
// (queries per CPU-second: the work per query, which a shared machine does not inflate as much).
// Both sides get one untimed warm-up (knnkit: a build on 20,000 points and a full query pass,
// so V8 has optimised the loops; scikit-learn: a small query). --quick: 20,000 points, 2,000 queries.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { Rng } from '../src/core/rng.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { KDTree } from '../src/search/kd-tree/kd-tree.js';
import { BruteForce } from '../src/search/brute-force/brute-force.js';
import { gaussianClusters } from '../test/helpers/data.js';
import { cpuNow, flag, fmt, lastErrorLine, lastJson, median, opt, readTypedFile, sameNeighbours, withTempDir } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
const quick = flag('quick');
const n = +opt('n', quick ? '20000' : '100000');
const nq = +opt('queries', quick ? '2000' : '10000');
const K = +opt('k', '10');
const dims = opt('dims', '2,8,16').split(',').map(Number);
const leafSize = +opt('leaf-size', '40');
const repeats = +opt('repeats', '3');
const kind = opt('data', 'uniform');
if (kind !== 'uniform' && kind !== 'clustered') throw new Error('--data: uniform or clustered');
const py = join(here, '.venv', 'bin', 'python');
const peer = !flag('no-peer') && existsSync(py);

function data(d: number): { X: DenseMatrix; Q: DenseMatrix } {
  let all: DenseMatrix;
  if (kind === 'clustered') all = gaussianClusters(n + nq, d, 100, 42);
  else {
    const rng = new Rng(7);
    const v = new Float32Array((n + nq) * d);
    for (let i = 0; i < v.length; i++) v[i] = rng.random();
    all = { kind: 'dense', data: v, rows: n + nq, cols: d };
  }
  return {
    X: { kind: 'dense', data: all.data.subarray(0, n * d), rows: n, cols: d },
    Q: { kind: 'dense', data: all.data.slice(n * d), rows: nq, cols: d },
  };
}

console.log(`KD-tree: ${n} ${kind} float32 points, ${nq} queries, k=${K}, leaf size ${leafSize}, one thread, median of ${repeats}`);
if (!peer) console.log(flag('no-peer') ? 'scikit-learn: skipped (--no-peer)' : 'scikit-learn: skipped (bench/.venv missing: run bench/setup-python.sh)');
interface Row { d: number; build: number; buildCpu: number; qps: number; qpcs: number; exact: string; sk?: { version: string; build: number; buildCpu: number; qps: number; qpcs: number; agree: number } }
const rows: Row[] = [];
for (const d of dims) {
  const { X, Q } = data(d);
  const builds: number[] = [], buildCpus: number[] = [];
  let tree!: KDTree;
  new KDTree({ ...X, data: X.data.subarray(0, Math.min(n, 20000) * d), rows: Math.min(n, 20000) }, { leafSize }); // JIT warm-up
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now(), c0 = cpuNow();
    tree = new KDTree(X, { leafSize });
    builds.push((performance.now() - t0) / 1000); buildCpus.push(cpuNow() - c0);
  }
  // warm-up: one untimed pass over every query, so the timed passes run optimised code
  const secs: number[] = [], cpus: number[] = [];
  let res = tree.search(Q, K);
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now(), c0 = cpuNow();
    res = tree.search(Q, K);
    secs.push((performance.now() - t0) / 1000); cpus.push(cpuNow() - c0);
  }
  // exactness spot check: the first 200 queries against brute force, index for index
  const some = { ...Q, data: Q.data.subarray(0, 200 * d), rows: 200 };
  const bf = new BruteForce(X).search(some, K);
  const exact = bf.indices.every((v, i) => v === res.indices[i]) && bf.distances.every((v, i) => Object.is(v, res.distances[i])) ? 'identical' : 'DIFFERS';
  const row: Row = { d, build: median(builds), buildCpu: median(buildCpus), qps: nq / median(secs), qpcs: nq / median(cpus), exact };
  if (peer) {
    withTempDir('knnkit-kd-', (dir) => {
      writeFileSync(join(dir, 'x.f32'), X.data);
      writeFileSync(join(dir, 'q.f32'), Q.data);
      const r = spawnSync(py, [join(here, 'sklearn_kdtree.py'), join(dir, 'x.f32'), join(dir, 'q.f32'), String(d), String(K), String(leafSize), String(repeats), join(dir, 'sk')], { encoding: 'utf8' });
      if (r.status !== 0) { console.log(`scikit-learn d=${d}: failed (${lastErrorLine(r)})`); return; }
      const o = lastJson<{ sklearn: string; build: number[]; build_cpu: number[]; query: number[]; query_cpu: number[] }>(r.stdout);
      const ids = readTypedFile(join(dir, 'sk.i32'), Int32Array);
      row.sk = { version: o.sklearn, build: median(o.build), buildCpu: median(o.build_cpu), qps: nq / median(o.query), qpcs: nq / median(o.query_cpu), agree: sameNeighbours(res.indices, ids, nq, K) };
    });
  }
  rows.push(row);
  console.log(`d=${d}: knnkit build ${fmt(row.build, 3)} s, ${fmt(row.qps)} q/s (${fmt(row.qpcs)} per CPU-s), exact vs brute force: ${exact}` +
    (row.sk ? `; scikit-learn ${row.sk.version} build ${fmt(row.sk.build, 3)} s, ${fmt(row.sk.qps)} q/s (${fmt(row.sk.qpcs)} per CPU-s), same neighbours ${fmt(row.sk.agree, 5)}` : ''));
}

console.log('');
console.log('| d | knnkit build s | sklearn build s | knnkit q/s | sklearn q/s | ratio (wall) | knnkit q/CPU-s | sklearn q/CPU-s | ratio (CPU) |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const s = r.sk;
  console.log(`| ${r.d} | ${fmt(r.build, 3)} | ${s ? fmt(s.build, 3) : '-'} | ${fmt(r.qps)} | ${s ? fmt(s.qps) : '-'} | ${s ? fmt(r.qps / s.qps, 2) + 'x' : '-'} | ${fmt(r.qpcs)} | ${s ? fmt(s.qpcs) : '-'} | ${s ? fmt(r.qpcs / s.qpcs, 2) + 'x' : '-'} |`);
}
console.log('');
console.log('ratio = knnkit / scikit-learn (target: > 1). "same neighbours" differs from 1 only by the order of exact distance ties.');
