// LanceDB's IVF_PQ as a peer of bench:quantisation (run as its own process so that its thread
// settings do not touch knnkit's): reads the same float32 base / query / ground-truth files as
// bench/faiss_ivf.py and prints one JSON line.
// Usage: node bench/lancedb_ivfpq.ts base.f32 q.f32 gt.i32 dim k nlist m nprobes repeats metric refine
//   metric: l2 | dot; refine: LanceDB refineFactor for a second set of runs (0 = none).
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';

const [bf, qf, gf, dimS, kS, nlistS, mS, nprobesS, repeatsS, metric, refineS] = process.argv.slice(2);
const dim = +dimS, K = +kS, nlist = +nlistS, m = +mS, repeats = +repeatsS, refine = +refineS;
const nprobes = nprobesS.split(',').map(Number);
const f32 = (p: string) => { const b = readFileSync(p); return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4); };
const X = f32(bf), Q = f32(qf);
const gtB = readFileSync(gf), gt = new Int32Array(gtB.buffer, gtB.byteOffset, gtB.byteLength / 4);
const n = X.length / dim, nq = Q.length / dim;
const req = createRequire(import.meta.url);
// The few calls used, typed here: @lancedb/lancedb is a bench-only package (bench/node_modules),
// absent from a plain clone that the typecheck runs on.
interface LanceQuery {
  nearestTo(v: Float32Array | number[]): LanceQuery; distanceType(t: 'l2' | 'dot'): LanceQuery; nprobes(n: number): LanceQuery;
  limit(k: number): LanceQuery; select(cols: string[]): LanceQuery; refineFactor(f: number): LanceQuery; toArray(): Promise<Array<{ id: unknown }>>;
}
interface LanceTable { createIndex(column: string, opts: { config: unknown }): Promise<void>; query(): LanceQuery }
interface LanceDb { createTable(name: string, rows: object[]): Promise<LanceTable> }
interface LanceModule {
  connect(dir: string): Promise<LanceDb>;
  Index: { ivfPq(o: { numPartitions: number; numSubVectors: number; numBits: number; distanceType: 'l2' | 'dot' }): unknown };
}
const lancedb = req('@lancedb/lancedb') as LanceModule;
const version = (JSON.parse(readFileSync(join(dirname(req.resolve('@lancedb/lancedb')), '..', 'package.json'), 'utf8')) as { version: string }).version;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const dir = mkdtempSync(join(tmpdir(), 'knnkit-lancedb-'));
try {
  const db = await lancedb.connect(dir);
  const rows = Array.from({ length: n }, (_, i) => ({ id: i, vector: Array.from(X.subarray(i * dim, i * dim + dim)) }));
  let t0 = performance.now();
  const table = await db.createTable('v', rows);
  const addS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await table.createIndex('vector', { config: lancedb.Index.ivfPq({ numPartitions: nlist, numSubVectors: m, numBits: 8, distanceType: metric as 'l2' | 'dot' }) });
  const trainS = (performance.now() - t0) / 1000;
  const queries = Array.from({ length: nq }, (_, q) => Array.from(Q.subarray(q * dim, q * dim + dim)));
  const run = async (nprobe: number, rf: number) => {
    const secs: number[] = [];
    let hit = 0;
    for (let r = 0; r < repeats; r++) {
      hit = 0;
      const s = performance.now();
      for (let q = 0; q < nq; q++) {
        let qq = table.query().nearestTo(queries[q]).distanceType(metric as 'l2' | 'dot').nprobes(nprobe).limit(K).select(['id', '_distance']);
        if (rf > 0) qq = qq.refineFactor(rf);
        const res = await qq.toArray();
        const truth = new Set(gt.subarray(q * K, q * K + K));
        for (const row of res) if (truth.has(Number(row.id))) hit++;
      }
      secs.push((performance.now() - s) / 1000);
    }
    return { nprobe, median_s: median(secs), recall: hit / (nq * K) };
  };
  const indexes = [{ name: `LanceDB IVF_PQ (${metric}, nlist ${nlist}, m ${m})`, train_s: trainS, add_s: addS, bytes_per_vector: m + 8, runs: [] as unknown[] }];
  for (const p of nprobes) indexes[0].runs.push(await run(p, 0));
  if (refine > 0) {
    indexes.push({ name: `LanceDB IVF_PQ + refineFactor ${refine} (${metric})`, train_s: trainS, add_s: addS, bytes_per_vector: m + 8 + 4 * dim, runs: [] });
    for (const p of nprobes) indexes[1].runs.push(await run(p, refine));
  }
  console.log(JSON.stringify({ lancedb: version, threads: process.env.LANCE_CPU_THREADS ?? 'default', indexes }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
