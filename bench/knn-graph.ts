/**
 * kNN-Graph benchmark: training seconds per fold (wall and CPU), inference per test fold, and
 * the accuracy cost of the `candidates` option against the full solve, on the paper's Binalpha
 * folds; optionally one fold of letter.csv (n = 18,000, `candidates: 32`) and of news20 (sparse,
 * `candidates: 64`), with the time of every training step.
 *
 *   node --import tsx bench/knn-graph.ts [--quick] [--letter] [--news] [--no-binalpha] [--threads N] [--folds F]
 *
 * Peers measured in the same run: the pure-TS kernels (KNNKIT_WASM=off path, full solve),
 * exact 1-NN by brute force (inference), and the paper's MATLAB figures (18.47 s training,
 * 2.2 ms inference per fold on a 12-core Ryzen 9 3900X; quoted, not measured).
 */
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism, loadavg } from 'node:os';
import { matrixTakeRows, type Matrix } from '../src/core/data.js';
import type { Label } from '../src/core/labels.js';
import { readDataset } from '../src/io/index.js';
import { stratifiedKFold } from '../src/model-selection/index.js';
import { accuracy, precisionRecallF1 } from '../src/evaluation/index.js';
import { KnnGraphClassifier } from '../src/knn-graph/index.js';
import { KNeighborsClassifier } from '../src/learn/index.js';
import { csrNormalizeRows } from '../src/core/sparse.js';
import { LabelEncoder } from '../src/core/labels.js';
import { resolveOptions } from '../src/knn-graph/options.js';
import { ensurePlan, finish, localWork, prepare, solveAllSync } from '../src/knn-graph/train.js';
import { classNeighbourhoodsOf, medianOfSquared } from '../src/knn-graph/density.js';
import { medianPairValues } from '../src/knn-graph/median.js';
import { nearestOthers } from '../src/knn-graph/distances.js';
import { kernelModule, resetKernelModule } from '../src/knn-graph/wasm/kernels.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const argVal = (name: string, def: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : def; };
const threads = argVal('--threads', Math.min(2, availableParallelism()));
const nFolds = argVal('--folds', quick ? 2 : 10);
const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');

function median(v: number[]): number { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; }

interface Row { name: string; acc: number[]; prec: number[]; trainWall: number[]; trainCpu: number[]; infer: number[] }

async function runConfig(name: string, X: Matrix, y: Label[], folds: Array<{ train: Int32Array; test: Int32Array }>, make: () => { fit(X: Matrix, y: Label[]): Promise<unknown>; predict(X: Matrix): Label[] }): Promise<Row> {
  const row: Row = { name, acc: [], prec: [], trainWall: [], trainCpu: [], infer: [] };
  for (const f of folds) {
    const Xtr = matrixTakeRows(X, f.train), Xte = matrixTakeRows(X, f.test);
    const ytr = Array.from(f.train, (i) => y[i]), yte = Array.from(f.test, (i) => y[i]);
    const m = make();
    const c0 = process.cpuUsage(), t0 = performance.now();
    await m.fit(Xtr, ytr);
    const t1 = performance.now(), c1 = process.cpuUsage(c0);
    const pred = m.predict(Xte);
    const t2 = performance.now();
    row.acc.push(accuracy(yte, pred)); row.prec.push(precisionRecallF1(yte, pred, 'macro').precision);
    row.trainWall.push((t1 - t0) / 1000); row.trainCpu.push((c1.user + c1.system) / 1e6); row.infer.push((t2 - t1) / 1000);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  console.log(`${name.padEnd(34)} acc ${(mean(row.acc) * 100).toFixed(2)} %  macroP ${(mean(row.prec) * 100).toFixed(2)} %  train median ${median(row.trainWall).toFixed(2)} s wall / ${median(row.trainCpu).toFixed(2)} s CPU (all threads)  infer median ${(median(row.infer) * 1000).toFixed(2)} ms/fold`);
  return row;
}

const graph = (o: ConstructorParameters<typeof KnnGraphClassifier>[0]) => () => {
  const c = new KnnGraphClassifier(o);
  return { fit: (X: Matrix, y: Label[]) => c.fitAsync(X, y), predict: (X: Matrix) => c.predict(X) };
};
const oneNN = () => {
  const c = new KNeighborsClassifier({ k: 1, algorithm: 'brute' });
  return { fit: async (X: Matrix, y: Label[]) => c.fit(X, y), predict: (X: Matrix) => c.predict(X) };
};

async function main(): Promise<void> {
  console.log(`kNN-Graph bench: ${threads} thread(s), ${availableParallelism()} cores, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}${quick ? ' (quick)' : ''}`);
  if (!args.includes('--no-binalpha')) await binalpha();
  if (args.includes('--letter')) await largeFold('letter.csv', 32, 'letter');
  if (args.includes('--news')) await largeFold('news20_uni.svm', 64, 'news20 (rows L2-normalised)');
}

async function binalpha(): Promise<void> {
  const bin = join(dataDir, 'binalpha.csv');
  if (!existsSync(bin)) { console.log(`skipped: ${bin} not present`); return; }
  const ds = await readDataset(bin);
  const y = ds.y!;
  const folds = stratifiedKFold(y, { folds: 10, seed: 5, shuffle: true }).slice(0, nFolds);
  console.log(`binalpha ${ds.X.rows} x ${ds.X.cols}, stratified 10-fold (seed 5), first ${folds.length} fold(s)`);
  const full = await runConfig('knn-graph reference, full, wasm', ds.X, y, folds, graph({ neighbourRule: 'reference', threads }));
  await runConfig('knn-graph support, full, wasm', ds.X, y, folds, graph({ neighbourRule: 'support', threads }));
  const cands: Row[] = [];
  for (const m of quick ? [32] : [16, 32, 64, 128]) cands.push(await runConfig(`knn-graph reference, candidates ${m}`, ds.X, y, folds, graph({ neighbourRule: 'reference', candidates: m, threads })));
  process.env.KNNKIT_WASM = 'off'; resetKernelModule();
  const ts = await runConfig('knn-graph reference, full, pure TS', ds.X, y, folds.slice(0, 1), graph({ neighbourRule: 'reference', threads }));
  delete process.env.KNNKIT_WASM; resetKernelModule();
  const nn = await runConfig('1-NN exact (brute force)', ds.X, y, folds, oneNN);
  console.log('');
  console.log(`ratios: training full wasm vs pure TS (fold 1) ${(ts.trainWall[0] / full.trainWall[0]).toFixed(2)}x; vs paper's MATLAB 18.47 s: ${(18.47 / median(full.trainWall)).toFixed(2)}x; inference vs paper's 2.2 ms: ${(0.0022 / median(full.infer)).toFixed(2)}x; vs exact 1-NN here: ${(median(nn.infer) / median(full.infer)).toFixed(2)}x`);
  for (const c of cands) {
    const d = c.acc.map((a, i) => a - full.acc[i]).reduce((a, b) => a + b, 0) / c.acc.length;
    console.log(`accuracy cost of ${c.name.split(', ')[1]}: ${(d * 100).toFixed(2)} points (mean over the same folds), training ${(median(full.trainWall) / median(c.trainWall)).toFixed(2)}x faster`);
  }
}

/**
 * One fold of a large set in `candidates` mode (the mode that makes n = 18,000 fit): training
 * wall / CPU on `threads` worker threads and in one thread, accuracy against exact 1-NN on the
 * same fold, and where the training time goes (steps timed in-thread).
 */
async function largeFold(file: string, m: number, label: string): Promise<void> {
  const lp = join(dataDir, file);
  if (!existsSync(lp)) { console.log(`${file} not present: skipped`); return; }
  const ld = await readDataset(lp);
  const X = ld.X.kind === 'csr' ? csrNormalizeRows(ld.X) : ld.X;
  const lf = stratifiedKFold(ld.y!, { folds: 10, seed: 5, shuffle: true }).slice(0, 1);
  console.log(`\n${label} ${X.rows} x ${X.cols}: one fold (n_train = ${lf[0].train.length}), candidates ${m}, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}`);
  // twice on threads: the first fit of a process also starts the worker threads (pooled afterwards)
  await runConfig(`knn-graph reference, cand. ${m}, ${threads} thr, 1st`, X, ld.y!, lf, graph({ neighbourRule: 'reference', candidates: m, threads }));
  await runConfig(`knn-graph reference, cand. ${m}, ${threads} thr, again`, X, ld.y!, lf, graph({ neighbourRule: 'reference', candidates: m, threads }));
  await runConfig(`knn-graph reference, cand. ${m}, 1 thread`, X, ld.y!, lf, graph({ neighbourRule: 'reference', candidates: m, threads: 1 }));
  await runConfig('1-NN exact (brute force)', X, ld.y!, lf, oneNN);
  // where the time goes (calling thread): the preparation's passes, the column solves, steps 5-6, the inference index
  const Xtr = matrixTakeRows(X, lf[0].train);
  const ytr = Array.from(lf[0].train, (i) => ld.y![i]);
  const enc = LabelEncoder.fit(ytr), yIds = enc.encode(ytr);
  const o = resolveOptions({ candidates: m, neighbourRule: 'reference' });
  const w = localWork(Xtr, yIds, enc.size, o, false);
  const step = (name: string, f: () => void) => { const t0 = performance.now(); f(); const s = (performance.now() - t0) / 1000; console.log(`  ${name.padEnd(52)} ${s.toFixed(2)} s`); };
  step('class neighbourhoods (Eq. 3 inputs, exact engine per class)', () => { for (const rows of w.members) classNeighbourhoodsOf(Xtr, w.norms, rows, w.nb); });
  step('sigma: median pairs drawn (seeded)', () => ensurePlan(w));
  step(`sigma: ${w.plan.exact ? 'all' : w.plan.count} pair distances + median`, () => { medianPairValues(Xtr, w.norms, w.plan, 0, w.plan.exact ? Xtr.rows : w.plan.count, w.pairD2); medianOfSquared(w.pairD2.slice()); });
  step(`candidates: ${m} nearest other rows (brute force, exact)`, () => { nearestOthers(Xtr, m); });
  const p = prepare(Xtr, yIds, enc.size, o, false);
  let sols: ReturnType<typeof solveAllSync> = [];
  step(`column solves (kernel block, Gram, FISTA; ${kernelModule() ? 'WebAssembly' : 'TS'})`, () => { sols = solveAllSync(p); });
  let g: ReturnType<typeof finish> | undefined;
  step('neighbour rule + consensus (steps 5-6)', () => { g = finish(Xtr, yIds, enc.size, o, p, sols); });
  const info = { sigma: p.sigma, scaleWeights: g!.scaleWeights, meanNeighbours: 0, meanIterations: 0, mode: 'candidates' as const };
  step(`inference index (${Xtr.kind === 'dense' ? 'HNSW build' : 'exact sparse engine'})`, () => new KnnGraphClassifier({ candidates: m, threads: 1 }).adopt(Xtr, yIds, enc, g!, info));
}

await main();
