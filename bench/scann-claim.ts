// ScaNN's claim (Guo et al. 2020, section 5.1): at the same code size, anisotropic PQ gives a
// higher inner-product recall than plain (reconstruction-loss) PQ, before any reordering.
// Usage: node --import tsx bench/scann-claim.ts [--n 100000] [--queries 200] [--threshold 0.2]
// Sets: unit-normalised coil20 (1440 x 1024), news20 (3970 x 8014 tf-idf, Gaussian random
// projection to 256 dims), and n generated vectors (100 Gaussian clusters, 128 dims, spread 10;
// the inner-product set of bench:quantisation). Each set: `queries` rows held out as queries,
// the rest as the base; truth = exact top-10 inner products.
// Two measures, both with 16 centres per 2-dimension block (d / 4 bytes per vector):
//  (a) the quantiser alone: exhaustive float ADC <q, x~> over the whole base (no partition);
//  (b) knnkit's scann index (partition + residuals + uint8 fast-scan tables) with every leaf
//      searched and reorderK = k (the set is the top-10 by quantised score: nothing re-ranked
//      in), threshold T vs 0 (plain PQ), everything else equal.
// Recall 10@10 (true top-10 found among the 10 returned) and 10@100 (among the 100 best by the
// quantised score, what reordering 100 candidates could recover).
import { readDataset } from '../src/io/index.js';
import type { DenseMatrix } from '../src/core/matrix.js';
import { denseMatrix } from '../src/core/matrix.js';
import type { CsrMatrix } from '../src/core/sparse.js';
import { Rng } from '../src/core/rng.js';
import { normalizeRows } from '../src/index/ivf/coarse.js';
import { ProductQuantizer } from '../src/index/pq/product-quantizer.js';
import { directionalErrors, encodeAnisotropic, trainAnisotropic } from '../src/index/scann/anisotropic.js';
import { createIndex } from '../src/index/api.js';
import { BruteForce } from '../src/search/brute-force/brute-force.js';
import { gaussianClusters, sharedData } from '../test/helpers/data.js';
import { opt, fmt } from './common.js';

const K = 10;
const n = +opt('n', '100000');
const nq = +opt('queries', '200');
const T = +opt('threshold', '0.2');
const spread = +opt('spread', '10');

function split(X: DenseMatrix, q: number, seed: number): { base: DenseMatrix; Q: DenseMatrix } {
  const perm = new Rng(seed).permutation(X.rows), d = X.cols;
  const take = (from: number, to: number) => {
    const out = new Float32Array((to - from) * d);
    for (let i = from; i < to; i++) out.set(X.data.subarray(perm[i] * d, perm[i] * d + d), (i - from) * d);
    return denseMatrix(out, to - from, d);
  };
  return { Q: take(0, q), base: take(q, X.rows) };
}

/** Gaussian random projection of CSR rows to `dim` dimensions (Johnson-Lindenstrauss), seeded. */
function project(S: CsrMatrix, dim: number, seed: number): DenseMatrix {
  const rng = new Rng(seed), P = new Float32Array(S.cols * dim);
  for (let i = 0; i < P.length; i++) P[i] = rng.normal();
  const out = new Float32Array(S.rows * dim);
  for (let i = 0; i < S.rows; i++) {
    for (let p = S.indptr[i]; p < S.indptr[i + 1]; p++) {
      const v = S.values[p], o = S.indices[p] * dim;
      for (let t = 0; t < dim; t++) out[i * dim + t] += v * P[o + t];
    }
  }
  return denseMatrix(out, S.rows, dim);
}

/** Top-`k` by <q, x~> for every query: x~ given as decoded rows (float ADC, exhaustive). */
function topByScore(Q: DenseMatrix, Xh: Float32Array, nb: number, k: number): Int32Array {
  return new BruteForce(denseMatrix(Xh, nb, Q.cols), { metric: 'ip' }).search(Q, k).indices;
}

function recallAt(got: Int32Array, kk: number, truth: Int32Array, q: number): number {
  let hit = 0;
  for (let i = 0; i < q; i++) {
    const s = new Set(got.subarray(i * kk, i * kk + kk));
    for (let j = 0; j < K; j++) if (s.has(truth[i * K + j])) hit++;
  }
  return hit / (q * K);
}

function decodeAll(pq: ProductQuantizer, codes: Uint8Array, rows: number): Float32Array {
  const out = new Float32Array(rows * pq.d);
  for (let i = 0; i < rows; i++) pq.decode(codes, i * pq.m, out, i * pq.d);
  return out;
}

async function sets(): Promise<[string, DenseMatrix][]> {
  const out: [string, DenseMatrix][] = [];
  const coil = sharedData('coil20_1024.csv');
  if (coil.skip) console.log(coil.skip); else out.push(['coil20 (1440 x 1024)', (await readDataset(coil.path)).X as DenseMatrix]);
  const news = sharedData('news20_uni.svm');
  if (news.skip) console.log(news.skip); else out.push(['news20 (3970 x 8014 -> 256)', project((await readDataset(news.path)).X as unknown as CsrMatrix, 256, 7)]);
  out.push([`generated (${n} x 128, 100 clusters, spread ${spread})`, gaussianClusters(n + nq, 128, 100, 42, spread)]);
  return out;
}

console.log(`ScaNN's claim: top-${K} inner-product recall before reordering, anisotropic PQ (T = ${T}) vs plain PQ, 16 centres per 2-dim block, unit-normalised data`);
const table: string[] = [];
for (const [name, raw] of await sets()) {
  const X = normalizeRows(raw);
  const q = Math.min(nq, Math.floor(X.rows / 10));
  const { base, Q } = split(X, q, 1);
  const d = base.cols, m = d / 2;
  const truth = new BruteForce(base, { metric: 'ip' }).search(Q, K).indices;
  let t0 = performance.now();
  const plain = ProductQuantizer.train(base, m, 4, { niter: 25, seed: 1, maxPointsPerCentroid: 256 });
  const pCodes = plain.encode(base);
  const tPlain = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const { pq: aniso } = trainAnisotropic(base, base, m, 4, { threshold: T, iters: 10, encodeSweeps: 3, trainRows: 20000, seed: 1, pqIter: 25, maxPointsPerCentroid: 256 });
  const aCodes = encodeAnisotropic(aniso, base, base, T, 3);
  const tAniso = (performance.now() - t0) / 1000;
  const Xp = decodeAll(plain, pCodes, base.rows), Xa = decodeAll(aniso, aCodes, base.rows);
  const eP = directionalErrors(base, Xp), eA = directionalErrors(base, Xa);
  const p10 = topByScore(Q, Xp, base.rows, 100), a10 = topByScore(Q, Xa, base.rows, 100);
  const first = (r: Int32Array) => { const o = new Int32Array(q * K); for (let i = 0; i < q; i++) o.set(r.subarray(i * 100, i * 100 + K), i * K); return o; };
  const line = (what: string, a: number, b: number) => `  ${what.padEnd(48)} plain ${a.toFixed(3)}  anisotropic ${b.toFixed(3)}  ${b > a ? 'anisotropic higher' : b < a ? 'PLAIN HIGHER' : 'equal'}`;
  console.log(`\n${name}: base ${base.rows} x ${d}, ${q} queries, code ${d / 4} bytes/vector, train+encode plain ${fmt(tPlain, 1)} s, anisotropic ${fmt(tAniso, 1)} s (eta = ${((d - 1) * T * T / (1 - T * T)).toFixed(2)})`);
  console.log(`  errors: parallel ${eP.parallel.toExponential(2)} -> ${eA.parallel.toExponential(2)}, orthogonal ${eP.orthogonal.toExponential(2)} -> ${eA.orthogonal.toExponential(2)}`);
  const r = [recallAt(first(p10), K, truth, q), recallAt(first(a10), K, truth, q), recallAt(p10, 100, truth, q), recallAt(a10, 100, truth, q)];
  console.log(line('(a) quantiser, exhaustive ADC: recall 10@10', r[0], r[1]));
  console.log(line('(a) quantiser, exhaustive ADC: recall 10@100', r[2], r[3]));
  // (b) the scann index: all leaves, nothing re-ranked in (reorderK = k), T vs 0
  const idx = (thr: number) => createIndex('scann', base, { metric: 'ip', threshold: thr, seed: 1 });
  const iP = idx(0), iA = idx(T);
  const leaves = Number.MAX_SAFE_INTEGER >>> 0;
  const s10 = (ix: typeof iP) => recallAt(ix.search(Q, K, { leavesToSearch: leaves, reorderK: K }).indices, K, truth, q);
  const b = [s10(iP), s10(iA)];
  console.log(line('(b) scann index, all leaves, fast scan: 10@10', b[0], b[1]));
  table.push(`| ${name} | ${d / 4} | ${r[0].toFixed(3)} / ${r[1].toFixed(3)} | ${r[2].toFixed(3)} / ${r[3].toFixed(3)} | ${b[0].toFixed(3)} / ${b[1].toFixed(3)} | ${eP.parallel.toExponential(2)} / ${eA.parallel.toExponential(2)} |`);
}
console.log('\n| set | bytes/vector | (a) 10@10 plain / aniso | (a) 10@100 plain / aniso | (b) index 10@10 plain / aniso | parallel error plain / aniso |');
console.log('|---|---|---|---|---|---|');
for (const l of table) console.log(l);
