// A searchAsync worker: graph kernels on the index's shared memory, its own scratch block.
import { parentPort, workerData } from 'node:worker_threads';
import { resolveMetric } from '../../metrics/registry.js';
import type { MetricSpec } from '../../metrics/types.js';
import { Arena, threadScratch } from './layout.js';
import { JsKernel } from './kernel-js.js';
import { WasmKernel } from './kernel-wasm.js';
import type { GraphKernel } from './kernel.js';
import type { WorkerJob } from './parallel.js';

try {
  const job = workerData as WorkerJob;
  const l = job.layout;
  let kernel: GraphKernel;
  let arena: Arena;
  if (job.wasmModule && job.memory) {
    arena = new Arena(job.memory, 0, true);
    kernel = new WasmKernel({ module: job.wasmModule, relaxed: false, shared: true }, job.memory, job.nativeKind);
  } else {
    arena = Arena.over(job.buffer!);
    kernel = new JsKernel(arena, job.nativeKind, resolveMetric(job.metric as MetricSpec));
  }
  kernel.bind(l, job.thread);
  const t = threadScratch(l, job.thread);
  const f32 = new Float32Array(arena.buffer), i32 = new Int32Array(arena.buffer);
  const q = new Float32Array(job.queries);
  const outS = new Int32Array(job.outSlots), outD = new Float32Array(job.outDist);
  const d = l.shape.dim, qo = t.q >> 2, wd = t.wd >> 2, wi = t.wi >> 2, cos = l.shape.cosine;
  for (let i = job.qFrom; i < job.qTo; i++) {
    const off = i * d;
    if (cos) {
      let ss = 0;
      for (let j = 0; j < d; j++) ss += q[off + j] * q[off + j];
      const inv = ss > 0 ? 1 / Math.sqrt(ss) : 0;
      for (let j = 0; j < d; j++) f32[qo + j] = q[off + j] * inv;
    } else {
      for (let j = 0; j < d; j++) f32[qo + j] = q[off + j];
    }
    const n = kernel.searchKnn(job.ep, job.maxLevel, job.ef, job.k, job.mode, job.deleted);
    for (let j = 0; j < n; j++) { outS[i * job.k + j] = i32[wi + j]; outD[i * job.k + j] = f32[wd + j]; }
  }
  parentPort!.postMessage({ ok: true });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: (e as Error).stack ?? String(e) });
}
