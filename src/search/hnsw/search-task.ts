// searchAsync's task module, run by the shared worker pool (src/parallel): graph kernels on
// the index's shared memory, one scratch block per chunk. A worker keeps its kernel between
// calls for the same index generation (the memory and layout it was built for).
import { resolveMetric } from '../../metrics/registry.js';
import type { MetricSpec } from '../../metrics/types.js';
import { Arena, threadScratch, type Layout } from './layout.js';
import { JsKernel } from './kernel-js.js';
import { WasmKernel } from './kernel-wasm.js';
import type { GraphKernel } from './kernel.js';

export interface SearchTask {
  /** Index identity and memory generation (changes when the memory is reallocated). */
  key: string;
  wasmModule: WebAssembly.Module | null;
  memory: WebAssembly.Memory | null;
  buffer: SharedArrayBuffer | null;
  layout: Layout;
  nativeKind: number;
  metric: unknown;
  /** Scratch block of this chunk (1..threads; 0 is the calling thread's). */
  thread: number;
  queries: Float32Array; qFrom: number; qTo: number;
  k: number; ef: number; mode: number;
  ep: number; maxLevel: number; deleted: number;
  outSlots: Int32Array; outDist: Float32Array;
}

const cache = new Map<string, { kernel: GraphKernel; arena: Arena }>();

function kernelFor(t: SearchTask): { kernel: GraphKernel; arena: Arena } {
  let e = cache.get(t.key);
  if (!e) {
    if (cache.size >= 4) cache.delete(cache.keys().next().value!);
    if (t.wasmModule && t.memory) {
      e = { arena: new Arena(t.memory, 0, true), kernel: new WasmKernel({ module: t.wasmModule, relaxed: false, shared: true }, t.memory, t.nativeKind) };
    } else {
      const arena = Arena.over(t.buffer!);
      e = { arena, kernel: new JsKernel(arena, t.nativeKind, resolveMetric(t.metric as MetricSpec)) };
    }
    cache.set(t.key, e);
  }
  return e;
}

/** Searches queries [qFrom, qTo) and writes slots and reduced distances (row-major, width k). */
export function search(t: SearchTask): number {
  const { kernel, arena } = kernelFor(t);
  const l = t.layout;
  kernel.bind(l, t.thread);
  const s = threadScratch(l, t.thread);
  const f32 = new Float32Array(arena.buffer), i32 = new Int32Array(arena.buffer);
  const q = t.queries, outS = t.outSlots, outD = t.outDist;
  // (bits: coordinates staged for packing; codecs: an f32 query of inputDim values against code rows)
  const bits = l.shape.bits === true, d = bits || l.shape.codec ? l.shape.inputDim! : l.shape.dim;
  const qo = s.q >> 2, wd = s.wd >> 2, wi = s.wi >> 2, cos = l.shape.cosine;
  for (let i = t.qFrom; i < t.qTo; i++) {
    const off = i * d;
    if (bits) {
      // staged and packed by the kernel (checked 0/1 by the caller)
      f32.set(q.subarray(off, off + d), s.qf >> 2);
      kernel.packQuery();
    } else if (cos) {
      let ss = 0;
      for (let j = 0; j < d; j++) ss += q[off + j] * q[off + j];
      const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      for (let j = 0; j < d; j++) f32[qo + j] = q[off + j] * inv;
    } else {
      for (let j = 0; j < d; j++) f32[qo + j] = q[off + j];
    }
    const n = kernel.searchKnn(t.ep, t.maxLevel, t.ef, t.k, t.mode, t.deleted);
    for (let j = 0; j < n; j++) { outS[i * t.k + j] = i32[wi + j]; outD[i * t.k + j] = f32[wd + j]; }
  }
  return t.qTo - t.qFrom;
}
