// The native hnswlib peer without JavaScript in the loop (bench/native/hnsw-floor.cpp): compiles
// it with the system's g++ (-O3 -march=native, hnswlib's headers from bench/node_modules, i.e.
// `npm run bench:setup`), hands it the folds in one binary file and parses its result lines.
// hnswlib-node pays a JavaScript -> C++ crossing with a 320-number array per query; this shows
// what the same C++ search costs when it is called from C++, the floor a native library sets.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withTempDir, lastErrorLine } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
const HNSWLIB = join(here, 'node_modules', 'hnswlib-node', 'src', 'hnswlib');

export interface NativeFold {
  /** Training rows (row-major float32), n x d; 0/1 values for the 'bits' space. */
  X: Float32Array; n: number;
  Q: Float32Array; nq: number;
  /** Squared Euclidean distance from each query to its exact nearest training row. */
  exactSq: Float32Array;
  efConstruction: number;
}

/** One measured (space, ef, fold): first whole-fold call, median warm call (ms), exact hits. */
export interface NativeRow { space: 'l2f32' | 'bits'; ef: number; fold: number; firstMs: number; warmMs: number; hits: number }

/** Runs the native floor; `{ skipped }` with the reason when g++ or hnswlib's headers are missing. */
export function runNativeFloor(folds: NativeFold[], d: number, M: number, efs: number[], reps: number): NativeRow[] | { skipped: string } {
  if (!existsSync(join(HNSWLIB, 'hnswalg.h'))) return { skipped: `hnswlib headers not found at ${HNSWLIB} (run npm run bench:setup)` };
  if (spawnSync('g++', ['--version']).status !== 0) return { skipped: 'g++ not found' };
  return withTempDir('knnkit-native-', (dir) => {
    const exe = join(dir, 'hnsw-floor');
    const cc = spawnSync('g++', ['-O3', '-march=native', '-std=c++17', '-DNDEBUG', `-I${HNSWLIB}`, join(here, 'native', 'hnsw-floor.cpp'), '-o', exe, '-lpthread'], { encoding: 'utf8' });
    if (cc.status !== 0) return { skipped: `g++ failed: ${lastErrorLine(cc)}` };
    const input = join(dir, 'folds.bin');
    writeFileSync(input, encodeFolds(folds, d, M, efs, reps));
    const run = spawnSync(exe, [input], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (run.status !== 0) return { skipped: `hnsw-floor failed: ${lastErrorLine(run)}` };
    return run.stdout.trim().split('\n').map((line) => {
      const [space, ef, fold, firstMs, warmMs, hits] = line.split(' ');
      return { space: space as NativeRow['space'], ef: Number(ef), fold: Number(fold), firstMs: Number(firstMs), warmMs: Number(warmMs), hits: Number(hits) };
    });
  });
}

/** The input file of hnsw-floor.cpp (its header comment has the layout). */
function encodeFolds(folds: NativeFold[], d: number, M: number, efs: number[], reps: number): Uint8Array {
  const parts: ArrayBufferView[] = [Int32Array.from([folds.length, d, M, reps, efs.length, ...efs])];
  for (const f of folds) parts.push(Int32Array.from([f.n, f.nq, f.efConstruction]), f.X, f.Q, f.exactSq);
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at); at += p.byteLength; }
  return out;
}
