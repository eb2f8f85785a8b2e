/**
 * Worker thread of KnnGraphClassifier.fitAsync: fills row blocks of H = A A and solves columns
 * (reference document step 4) on the shared kernel matrices. Workers are pooled across fits;
 * every fit starts with an 'init'. Messages:
 *   {type: 'init', ctx, A, slot} -> {type: 'done'}
 *   {type: 'gram', r0, r1}       -> {type: 'done'}
 *   {type: 'solve', cols}        -> {type: 'solved', cols, offsets, idx, val, iters}
 */
import { parentPort } from 'node:worker_threads';
import { ColumnSolver, type ColumnContext } from './columns.js';
import { symmetricGramRows } from './kernel.js';
import { Kernels } from './wasm/kernels.js';

interface Init { ctx: ColumnContext; A?: Float32Array; slot: number }

let ctx: ColumnContext, A: Float32Array | undefined, slot = 1;
let solver: ColumnSolver | undefined;
let kernels: Kernels | undefined;

parentPort!.on('message', (msg: { type: string; r0?: number; r1?: number; cols?: Int32Array; init?: Init }) => {
  try {
    if (msg.type === 'init') {
      ({ ctx, A, slot } = msg.init!);
      solver = undefined; kernels = undefined;
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
