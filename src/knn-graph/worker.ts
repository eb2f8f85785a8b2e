/**
 * Worker thread of KnnGraphClassifier.fitAsync: fills row blocks of H = A A and solves columns
 * (reference document step 4) on the shared kernel matrices. Workers are pooled across fits;
 * every fit starts with an 'init'. Messages:
 *   {type: 'init', ctx, A, slot} -> {type: 'done'}
 *   {type: 'gram', r0, r1}       -> {type: 'done'}
 *   {type: 'solve', cols}        -> {type: 'solved', cols, offsets, idx, val, iters}
 * and the candidates-mode preparation (row passes on shared outputs, see train.ts LocalWork):
 *   {type: 'prep', work}         -> {type: 'done'}
 *   {type: 'cand', r0, r1}       -> {type: 'done'}   m nearest other rows of rows [r0, r1)
 *   {type: 'pairs', lo, hi}      -> {type: 'done'}   median pair distances (rows or pair indices)
 *   {type: 'class', c}           -> {type: 'done'}   class c's neighbourhoods (Eq. 3)
 */
import { parentPort } from 'node:worker_threads';
import { ColumnSolver, type ColumnContext } from './columns.js';
import { symmetricGramRows } from './kernel.js';
import { medianPairValues } from './median.js';
import { csrColumns, type CsrColumns } from '../core/sparse.js';
import { classNeighbourhoodsOf } from './density.js';
import { nearestOthersRows } from './distances.js';
import { BruteForce } from '../search/brute-force/brute-force.js';
import type { LocalWork } from './train.js';
import { Kernels } from './wasm/kernels.js';

interface Init { ctx: ColumnContext; A?: Float32Array; slot: number }

let ctx: ColumnContext, A: Float32Array | undefined, slot = 1;
let solver: ColumnSolver | undefined;
let kernels: Kernels | undefined;
let work: LocalWork | undefined, bf: BruteForce | undefined, columns: CsrColumns | undefined;

interface Msg { type: string; r0?: number; r1?: number; lo?: number; hi?: number; c?: number; cols?: Int32Array; init?: Init; work?: LocalWork }

parentPort!.on('message', (msg: Msg) => {
  try {
    if (msg.type === 'prep') {
      work = msg.work!; bf = undefined; columns = undefined;
      parentPort!.postMessage({ type: 'done' });
      return;
    }
    if (msg.type === 'cand' || msg.type === 'pairs' || msg.type === 'class') {
      const w = work!;
      if (msg.type === 'cand') nearestOthersRows(bf ??= new BruteForce(w.X, { metric: 'sqeuclidean' }), w.X, msg.r0!, msg.r1!, w.m, w.cand);
      else if (msg.type === 'class') classNeighbourhoodsOf(w.X, w.norms, w.members[msg.c!], w.nb);
      else {
        if (w.plan.exact && w.X.kind === 'csr') columns ??= csrColumns(w.X);
        medianPairValues(w.X, w.norms, w.plan, msg.lo!, msg.hi!, w.pairD2, columns);
      }
      parentPort!.postMessage({ type: 'done' });
      return;
    }
    if (msg.type === 'init') {
      ({ ctx, A, slot } = msg.init!);
      solver = undefined; kernels = undefined;
      work = undefined; bf = undefined; columns = undefined; // the preparation (if any) is over
      parentPort!.postMessage({ type: 'done' });
    } else if (msg.type === 'gram') {
      if (ctx.layout) (kernels ??= new Kernels(ctx.layout, slot)).gramRows(msg.r0!, msg.r1!);
      else symmetricGramRows(A!, ctx.n, msg.r0!, msg.r1!, ctx.H!);
      parentPort!.postMessage({ type: 'done' });
    } else if (msg.type === 'solve') {
      solver ??= new ColumnSolver(ctx, slot);
      const cols = msg.cols!;
      const sols = solver.solveMany(cols);
      const offsets = new Int32Array(cols.length + 1);
      sols.forEach((s, t) => { offsets[t + 1] = offsets[t] + s.idx.length; });
      const idx = new Int32Array(offsets[cols.length]), val = new Float64Array(offsets[cols.length]);
      const iters = new Int32Array(cols.length);
      sols.forEach((s, t) => { idx.set(s.idx, offsets[t]); val.set(s.val, offsets[t]); iters[t] = s.iterations; });
      parentPort!.postMessage({ type: 'solved', cols, offsets, idx, val, iters }, [offsets.buffer, idx.buffer, val.buffer, iters.buffer]);
    }
  } catch (e) {
    parentPort!.postMessage({ type: 'error', message: (e as Error)?.stack ?? String(e) });
  }
});
