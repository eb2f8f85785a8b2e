import { KnnkitError } from '../../core/errors.js';
import { nodeFsSync } from '../../io/node-fs.js';
import { sharedPool, taskUrl } from '../../parallel/index.js';
import { ProductQuantizer } from '../pq/product-quantizer.js';
import { planRam, type RamPlan } from './budget.js';
import type { DiskannOptions, DiskState } from './build.js';
import { SECTOR, SectorLayout } from './layout.js';
import { connectAll, EdgeUnion, pruneAll, Sdc } from './merge.js';
import { buildPartition, type PartitionGraph } from './partition-task.js';
import { partitionStream, sampleRows, type Partitions } from './partition.js';
import { FileSectors } from './sectors.js';
import { DEFAULT_CHUNK_ROWS, VecsStream } from './vecs-stream.js';

const TASK = taskUrl(import.meta.url, './partition-task');

/** Options of the divide-and-conquer build beyond the family's. */
export interface PartitionedOptions extends DiskannOptions {
  /** Points per partition aimed at (sets the number of partitions); DiskANN sizes it by its build RAM. */
  partitionRows: number;
  /** Partitions per point (DiskANN: 2). */
  overlap: number;
  /** Partitions built at once (worker threads; 1 = on this thread). */
  threads: number;
  /** Rows per streamed chunk. */
  chunkRows?: number;
  /** Rows sampled for the partition centres and the PQ codebooks. */
  sampleRows?: number;
}

export interface PartitionedReport {
  partitions: number;
  sizes: number[];
  /** Seconds per phase: sample + PQ training, assignment + encoding, partition builds, merge + layout. */
  seconds: Record<string, number>;
  /** Bytes of the edge union held during the merge (the build's largest structure). */
  unionBytes: number;
  /** In-edges added so that every node is reachable from the medoid (./merge.ts connectAll). */
  linked: number;
}

type Progress = (p: { phase: string; done: number; total: number }) => void;

/**
 * DiskANN's build for inputs larger than the build's memory (§3.4): the input streamed from an
 * .fvecs / .bvecs file in chunks; overlapping k-means partitions (./partition.ts), each built as
 * its own Vamana graph (on the worker pool, each worker reading only its partition's rows);
 * the graphs' out-lists merged per node and pruned back to R (./merge.ts); then one more streamed
 * pass writes the sector image (each node's vector and merged list) to `sectorPath`. What is held
 * at once: one chunk, the PQ codes, the partition assignment (n x overlap ints), the edge union
 * (n x overlap x R x 8 bytes) and the partitions being built, never the n x d vectors.
 */
export async function buildPartitioned(input: string, sectorPath: string, o: PartitionedOptions, onProgress?: Progress): Promise<{ state: DiskState; plan: RamPlan; report: PartitionedReport }> {
  if (!(Number.isInteger(o.partitionRows) && o.partitionRows >= 2)) throw new KnnkitError('partitionRows', `partitionRows: got ${o.partitionRows}; expected an integer >= 2 (points per partition)`);
  if (!(Number.isInteger(o.overlap) && o.overlap >= 1 && o.overlap <= 8)) throw new KnnkitError('overlap', `overlap: got ${o.overlap}; expected an integer in [1, 8] (partitions per point; DiskANN uses 2)`);
  if (!(Number.isInteger(o.threads) && o.threads >= 1)) throw new KnnkitError('threads', `threads: got ${o.threads}; expected an integer >= 1`);
  const vs = new VecsStream(input);
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => { const now = performance.now(); seconds[name] = (now - t) / 1000; t = now; };
  try {
    const n = vs.n, d = vs.dim, R = o.R;
    if (n < 2) throw new KnnkitError('input', `input: ${JSON.stringify(input)} holds ${n} vectors; the partitioned build needs at least 2`);
    const plan = planRam(n, d, R, false, o);
    // sample once (one streamed pass): the partition centres and the PQ codebooks learn from it
    const sample = sampleRows(vs, Math.max(o.sampleRows ?? 65536, 256), o.chunkRows);
    const pq = ProductQuantizer.train(sample, plan.m, plan.nbits, { niter: o.pqIter, seed: o.seed, maxPointsPerCentroid: 256 });
    lap('sample+pq');
    const overlapWanted = Math.min(o.overlap, Math.max(1, Math.ceil(n * o.overlap / o.partitionRows)));
    const k = Math.min(sample.rows, Math.max(1, Math.ceil(n * overlapWanted / o.partitionRows)));
    const overlap = Math.min(overlapWanted, k);
    const codes = new Uint8Array(n * plan.m), mean = new Float64Array(d);
    // assignment pass: every point to its `overlap` nearest centres, its PQ code, the mean
    const parts = partitionStream(vs, sample, k, overlap, {
      niter: 10, seed: o.seed, chunkRows: o.chunkRows,
      onChunk: (start, rows, data) => {
        codes.set(pq.encode({ kind: 'dense', data, rows, cols: d }), start * plan.m);
        for (let i = 0; i < rows * d; i++) mean[i % d] += data[i];
        onProgress?.({ phase: 'diskann assign', done: start + rows, total: n });
      },
    });
    lap('assign+encode');
    const union = new EdgeUnion(n, R, overlap);
    await buildAll(input, parts, union, o, onProgress);
    lap('partitions');
    // the entry point: the node whose PQ code is nearest the mean (the vectors stay on disk)
    const medoid = nearestCode(pq, codes, Float32Array.from(mean, (s) => s / n));
    pruneAll(union, o.alpha, new Sdc(pq, codes));
    const linked = connectAll(union, medoid);
    lap('merge');
    writeLayout(vs, union, sectorPath, o, onProgress);
    lap('layout');
    const layout = new SectorLayout(n, d, R);
    const state: DiskState = { n, R, medoid, cosine: false, pq, codes, norms: null, layout, source: new FileSectors(sectorPath, 0, layout.bytes), cacheNodes: plan.cacheNodes };
    const sizes = Array.from({ length: k }, (_, p) => parts.offsets[p + 1] - parts.offsets[p]);
    return { state, plan, report: { partitions: k, sizes, seconds, unionBytes: union.bytes(), linked } };
  } finally {
    vs.close();
  }
}

/** Builds every partition (largest first, `threads` at a time) and adds each graph to the union as it lands. */
async function buildAll(input: string, parts: Partitions, union: EdgeUnion, o: PartitionedOptions, onProgress?: Progress): Promise<void> {
  const k = parts.k, order = Array.from({ length: k }, (_, p) => p);
  const size = (p: number) => parts.offsets[p + 1] - parts.offsets[p];
  order.sort((a, b) => size(b) - size(a));
  let done = 0;
  const task = (p: number) => ({ path: input, ids: parts.members.slice(parts.offsets[p], parts.offsets[p + 1]), R: o.R, L: o.L, alpha: o.alpha, seed: o.seed + p });
  const land = (p: number, pg: PartitionGraph) => {
    union.add(parts.members.subarray(parts.offsets[p], parts.offsets[p + 1]), pg);
    onProgress?.({ phase: 'diskann partitions', done: ++done, total: k });
  };
  if (o.threads === 1) {
    for (const p of order) land(p, buildPartition(task(p)));
    return;
  }
  const pool = sharedPool(o.threads);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < k) {
      const p = order[next++];
      land(p, await pool.run(TASK, 'buildPartition', task(p)) as PartitionGraph);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.threads, k) }, lane));
}

/** The node whose PQ reconstruction is nearest x (ADC over every code). */
function nearestCode(pq: ProductQuantizer, codes: Uint8Array, x: Float32Array): number {
  const m = pq.m, K = pq.ksub, lut = new Float32Array(m * K);
  pq.lutL2(x, 0, lut);
  let best = 0, bd = Infinity;
  for (let v = 0, o = 0; o < codes.length; v++, o += m) {
    let s = 0;
    for (let j = 0; j < m; j++) s += lut[j * K + codes[o + j]];
    if (s < bd) { bd = s; best = v; }
  }
  return best;
}

/**
 * The last streamed pass: for each chunk of rows (a whole number of sectors), each node's
 * record (vector, degree, merged list) written into the chunk's sectors, appended to the
 * sector file.
 */
function writeLayout(vs: VecsStream, union: EdgeUnion, path: string, o: PartitionedOptions, onProgress?: Progress): void {
  const n = vs.n, d = vs.dim, R = o.R, layout = new SectorLayout(n, d, R), S = union.slots;
  const fs = nodeFsSync();
  // chunks of whole sectors: a chunk's records never share a sector with the next chunk's
  const per = layout.nodesPerSector > 0 ? layout.nodesPerSector : 1;
  const chunkRows = Math.max(per, Math.floor((o.chunkRows ?? DEFAULT_CHUNK_ROWS) / per) * per);
  const sectorsPerChunk = layout.nodesPerSector > 0 ? chunkRows / per : chunkRows * layout.sectorsPerNode;
  const buf = new Uint8Array(sectorsPerChunk * SECTOR), f32 = new Float32Array(buf.buffer), i32 = new Int32Array(buf.buffer);
  const fd = fs.openSync(path, 'w');
  try {
    for (const c of vs.chunks(chunkRows)) {
      buf.fill(0);
      const s0 = layout.sectorOf(c.start);
      for (let r = 0; r < c.rows; r++) {
        const v = c.start + r, deg = union.count[v];
        const base = ((layout.sectorOf(v) - s0) * SECTOR + layout.offsetIn(v)) >> 2;
        f32.set(c.data.subarray(r * d, (r + 1) * d), base);
        i32[base + d] = deg;
        i32.set(union.ids.subarray(v * S, v * S + deg), base + d + 1);
      }
      const last = layout.sectorOf(c.start + c.rows - 1) + layout.sectorsPerNode;
      const bytes = (last - s0) * SECTOR;
      let off = 0;
      while (off < bytes) off += fs.writeSync(fd, buf, off, bytes - off, s0 * SECTOR + off);
      onProgress?.({ phase: 'diskann layout', done: c.start + c.rows, total: n });
    }
  } finally {
    fs.closeSync(fd);
  }
}
