/**
 * Task module of the kNN-Graph parallel fit (run by src/parallel's shared pool; see
 * ./parallel.ts). Every task carries the fit's state, built of SharedArrayBuffer-backed arrays
 * (posting them shares memory, nothing is copied), and a `slot`: the scratch slot of the shared
 * kernel memory it may use (the caller hands each running task its own). What a worker derives
 * from the state (the packed rows for the candidate search, the column solvers) is kept until a
 * task of another fit arrives.
 *
 * Reference document steps: `cand`, `pairs`, `classNb` are the candidates-mode row passes of
 * steps 1-3 (dictionaries S_j, sigma's median, the class neighbourhoods of Eq. 3); `gram` fills
 * row blocks of H = A A and `solve` solves columns (step 4).
 */
import { ColumnSolver, type ColumnContext, type ColumnSolution } from './columns.js';
import { symmetricGramRows } from './kernel.js';
import { medianPairValues } from './median.js';
import { csrColumns, type CsrColumns } from '../core/sparse.js';
import { classNeighbourhoodsOf } from './density.js';
import { nearestOthersRows } from './distances.js';
import { BruteForce } from '../search/brute-force/brute-force.js';
import type { LocalWork } from './train.js';
import { Kernels } from './wasm/kernels.js';

/** The step-4 state: the column context and, without the WebAssembly kernels, the matrix A. */
export interface SolveState { ctx: ColumnContext; A?: Float32Array }

interface Cache {
  fit: string;
  bf?: BruteForce;
  columns?: CsrColumns;
  kernels: Map<number, Kernels>;
  solvers: Map<number, ColumnSolver>;
}

let cache: Cache = { fit: '', kernels: new Map(), solvers: new Map() };

function forFit(fit: string): Cache {
  if (cache.fit !== fit) cache = { fit, kernels: new Map(), solvers: new Map() };
  return cache;
}

/** The m nearest other rows of rows [r0, r1) into work.cand (the dictionaries S_j). */
export function cand(a: { fit: string; work: LocalWork; r0: number; r1: number }): void {
  const c = forFit(a.fit), w = a.work;
  c.bf ??= new BruteForce(w.X, { metric: 'sqeuclidean' });
  nearestOthersRows(c.bf, w.X, a.r0, a.r1, w.m, w.cand);
}

/** Median pair distances [lo, hi) (rows when the plan is exact, pair indices when sampled). */
export function pairs(a: { fit: string; work: LocalWork; lo: number; hi: number }): void {
  const c = forFit(a.fit), w = a.work;
  if (w.plan.exact && w.X.kind === 'csr') c.columns ??= csrColumns(w.X);
  medianPairValues(w.X, w.norms, w.plan, a.lo, a.hi, w.pairD2, c.columns);
}

/** Class c's neighbourhoods (Eq. 3). */
export function classNb(a: { fit: string; work: LocalWork; c: number }): void {
  forFit(a.fit);
  classNeighbourhoodsOf(a.work.X, a.work.norms, a.work.members[a.c], a.work.nb);
}

/** Rows [r0, r1) of H = A A. */
export function gram(a: { fit: string; state: SolveState; slot: number; r0: number; r1: number }): void {
  const c = forFit(a.fit), { ctx, A } = a.state;
  if (!ctx.layout) { symmetricGramRows(A!, ctx.n, a.r0, a.r1, ctx.H!); return; }
  let k = c.kernels.get(a.slot);
  if (!k) c.kernels.set(a.slot, (k = new Kernels(ctx.layout, a.slot)));
  k.gramRows(a.r0, a.r1);
}

/** Packed solutions of some columns: offsets into idx/val per column, and iteration counts. */
export interface SolvedColumns { cols: Int32Array; offsets: Int32Array; idx: Int32Array; val: Float64Array; iters: Int32Array }

export function solve(a: { fit: string; state: SolveState; slot: number; cols: Int32Array }): SolvedColumns {
  const c = forFit(a.fit);
  let solver = c.solvers.get(a.slot);
  if (!solver) c.solvers.set(a.slot, (solver = new ColumnSolver(a.state.ctx, a.slot)));
  return pack(a.cols, solver.solveMany(a.cols));
}

function pack(cols: Int32Array, sols: ColumnSolution[]): SolvedColumns {
  const offsets = new Int32Array(cols.length + 1);
  sols.forEach((s, t) => { offsets[t + 1] = offsets[t] + s.idx.length; });
  const idx = new Int32Array(offsets[cols.length]), val = new Float64Array(offsets[cols.length]);
  const iters = new Int32Array(cols.length);
  sols.forEach((s, t) => { idx.set(s.idx, offsets[t]); val.set(s.val, offsets[t]); iters[t] = s.iterations; });
  return { cols, offsets, idx, val, iters };
}
