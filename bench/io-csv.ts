// CSV loading benchmark: throughput (MB/s) and peak memory of knnkit's streaming CSV reader
// against the naive approach (read the whole text, split lines, split fields, Number()), each in
// a fresh child process so that peak RSS is its own.
//
//   node --import tsx bench/io-csv.ts            # ~300 MB file (5 repeats of the streaming reader)
//   node --import tsx bench/io-csv.ts --quick    # ~20 MB file
//   node --import tsx bench/io-csv.ts --mb 500 --repeats 3 --no-naive
//
// The file is generated under os.tmpdir() (seeded) and deleted at the end.
import { createWriteStream, unlinkSync, statSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { readCsv } from '../src/io/csv.js';

const COLS = 32;

interface ChildResult { seconds: number; cpuSeconds: number; rows: number; cols: number; baseRssMB: number; peakRssMB: number; heapMB: number; checksum: number }

async function child(mode: string, file: string): Promise<void> {
  const baseRss = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rows = 0;
  let cols = 0;
  let data: Float32Array;
  if (mode === 'stream') {
    const ds = await readCsv(file);
    rows = ds.X.rows; cols = ds.X.cols;
    data = (ds.X as { data: Float32Array }).data;
  } else {
    // The naive reader most code starts with: whole text, array of lines, array of fields.
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const header = lines[0].split(',');
    cols = header.length - 1;
    const body = lines.slice(1).filter((l) => l.length > 0);
    rows = body.length;
    data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const f = body[i].split(',');
      for (let j = 0; j < cols; j++) data[i * cols + j] = Number(f[j]);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  let checksum = 0;
  for (let i = 0; i < data.length; i += 997) checksum += data[i];
  const mem = process.memoryUsage();
  const out: ChildResult = {
    seconds, cpuSeconds, rows, cols, checksum,
    baseRssMB: baseRss / 2 ** 20,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    heapMB: mem.heapUsed / 2 ** 20,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

/** Writes a seeded CSV of about `mb` megabytes: COLS decimal features + an integer label. */
async function generate(file: string, mb: number): Promise<number> {
  const rng = new Rng(42);
  const ws = createWriteStream(file);
  const header = Array.from({ length: COLS }, (_, j) => `f${j}`).join(',') + ',label\n';
  ws.write(header);
  let bytes = header.length;
  let rows = 0;
  const target = mb * 1e6;
  const centers = Array.from({ length: 10 }, () => Array.from({ length: COLS }, () => rng.normal() * 10));
  while (bytes < target) {
    const lines: string[] = [];
    for (let r = 0; r < 2000; r++) {
      const c = rng.int(10);
      const row: string[] = new Array(COLS + 1);
      for (let j = 0; j < COLS; j++) row[j] = (centers[c][j] + rng.normal()).toFixed(4);
      row[COLS] = String(c);
      lines.push(row.join(','));
    }
    const chunk = lines.join('\n') + '\n';
    bytes += chunk.length;
    rows += 2000;
    if (!ws.write(chunk)) await new Promise<void>((r) => ws.once("drain", () => r()));
  }
  await new Promise<void>((res, rej) => ws.end((e?: Error | null) => (e ? rej(e) : res())));
  return rows;
}

function runChild(mode: string, file: string): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${mode} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

const PY = join(dirname(fileURLToPath(import.meta.url)), '.venv', 'bin', 'python');
const NUMPY_SCRIPT = `
import sys, time, resource, os, json
import numpy as np
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
rss0 = int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20
t0 = time.perf_counter(); c0 = time.process_time()
a = np.loadtxt(sys.argv[1], delimiter=',', skiprows=1, dtype=np.float32)
t = time.perf_counter() - t0; c = time.process_time() - c0
X = a[:, :-1]
print(json.dumps(dict(seconds=t, cpuSeconds=c, rows=X.shape[0], cols=X.shape[1], baseRssMB=rss0, peakRssMB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, heapMB=0, checksum=float(X.ravel()[::997].astype(np.float64).sum()))))
`;

/** numpy.loadtxt (C implementation since numpy 1.23) as the Python peer; undefined when bench/.venv is absent. */
function runNumpy(file: string): ChildResult | undefined {
  if (!existsSync(PY)) return undefined;
  const r = spawnSync(PY, ['-c', NUMPY_SCRIPT, file], { encoding: 'utf8' });
  if (r.status !== 0) { console.log(`numpy peer failed: ${r.stderr.slice(-500)}`); return undefined; }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv[1], argv[2]);
  const quick = argv.includes('--quick');
  const arg = (name: string, def: number) => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : def; };
  const mb = arg('--mb', quick ? 20 : 300);
  const repeats = arg('--repeats', quick ? 3 : 3);
  const naive = !argv.includes('--no-naive');
  const file = join(tmpdir(), `knnkit-bench-${process.pid}.csv`);
  try {
    const tg = performance.now();
    const nRows = await generate(file, mb);
    const size = statSync(file).size;
    const fileMB = size / 2 ** 20;
    const matrixMB = (nRows * COLS * 4) / 2 ** 20;
    console.log(`file: ${fileMB.toFixed(1)} MiB, ${nRows} rows x ${COLS} features + label (generated in ${((performance.now() - tg) / 1000).toFixed(1)} s)`);
    console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores (wall-clock MiB/s suffers when the machine is shared; CPU-second figures less so)`);
    console.log(`float32 matrix: ${matrixMB.toFixed(1)} MiB; repeats: ${repeats} (median time, max peak RSS)`);
    const modes = naive ? ['stream', 'naive', 'numpy'] : ['stream', 'numpy'];
    const rows: string[] = [];
    const results: Record<string, { cpuMbps: number; mbps: number; peak: number; base: number; heap: number; checksum: number }> = {};
    for (const mode of modes) {
      const rs: ChildResult[] = [];
      if (mode === 'numpy') {
        if (!existsSync(PY)) { rows.push('numpy.loadtxt: skipped (bench/.venv absent; run bench/setup-python.sh)'); continue; }
        for (let i = 0; i < Math.min(repeats, 2); i++) { const r = runNumpy(file); if (r) rs.push(r); }
        if (rs.length === 0) continue;
      } else {
        for (let i = 0; i < (mode === 'naive' ? Math.min(repeats, 2) : repeats); i++) rs.push(runChild(mode, file));
      }
      if (rs.some((r) => r.rows !== nRows || r.cols !== COLS)) throw new Error(`${mode}: wrong shape ${rs[0].rows} x ${rs[0].cols}`);
      const t = median(rs.map((r) => r.seconds));
      const tc = median(rs.map((r) => r.cpuSeconds));
      const peak = Math.max(...rs.map((r) => r.peakRssMB));
      const base = median(rs.map((r) => r.baseRssMB));
      results[mode] = { cpuMbps: fileMB / tc, mbps: fileMB / t, peak, base, heap: median(rs.map((r) => r.heapMB)), checksum: rs[0].checksum };
      const label = mode === 'stream' ? 'knnkit readCsv (streaming)' : mode === 'naive' ? 'naive JS (readFile+split+Number)' : `numpy ${'loadtxt'} (float32, Python)`;
      rows.push(label.padEnd(34) +
        `${t.toFixed(2).padStart(7)} s ${(fileMB / t).toFixed(1).padStart(7)} MiB/s wall, ${(fileMB / tc).toFixed(1).padStart(6)} MiB/s per CPU-second   peak RSS ${peak.toFixed(0).padStart(6)} MiB` +
        ` (start ${base.toFixed(0)} MiB; growth ${(peak - base).toFixed(0)} MiB = ${((peak - base) / fileMB).toFixed(2)}x file, ${((peak - base) / matrixMB).toFixed(2)}x matrix)   heap after ${results[mode].heap.toFixed(0)} MiB`);
    }
    for (const r of rows) console.log(r);
    for (const peer of ['naive', 'numpy']) {
      const r = results[peer];
      if (!r) continue;
      if (Math.abs(r.checksum - results.stream.checksum) > 1e-3 * Math.abs(r.checksum) + 1e-3) throw new Error(`${peer} and knnkit disagree on the values`);
    }
    if (results.numpy) {
      console.log(`ratio knnkit/numpy.loadtxt: speed ${(results.stream.mbps / results.numpy.mbps).toFixed(2)}x wall, ${(results.stream.cpuMbps / results.numpy.cpuMbps).toFixed(2)}x CPU, peak-RSS growth ${((results.stream.peak - results.stream.base) / (results.numpy.peak - results.numpy.base)).toFixed(2)}x`);
    }
    if (results.naive) {
      console.log(`ratio knnkit/naive JS: speed ${(results.stream.mbps / results.naive.mbps).toFixed(2)}x wall, ${(results.stream.cpuMbps / results.naive.cpuMbps).toFixed(2)}x CPU, peak-RSS growth ${((results.stream.peak - results.stream.base) / (results.naive.peak - results.naive.base)).toFixed(2)}x`);
    }
  } finally {
    try { unlinkSync(file); } catch { /* not created */ }
  }
}

await main();
