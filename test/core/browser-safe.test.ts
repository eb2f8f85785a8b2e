import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
// @ts-expect-error a plain .mjs script shared with the build
import { BROWSER_SUBSTITUTES } from '../../scripts/browser-substitutes.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The synchronous core (and kNN-Graph, ConvNN) must load in a browser: nothing statically reachable from these entries
 * may import a node: builtin (worker threads, fs and os are loaded lazily, on first use of
 * searchAsync / save / load). Files the browser build replaces (BROWSER_SUBSTITUTES, e.g. the
 * worker pool by its Web Worker twin) are followed as their substitutes.
 */
for (const entry of ['src/index.ts', 'src/search/index.ts', 'src/learn/index.ts', 'src/metrics/index.ts', 'src/preprocessing/index.ts', 'src/model-selection/index.ts', 'src/evaluation/index.ts', 'src/knn-graph/index.ts', 'src/convnn/index.ts']) {
  test(`${entry} statically imports no node: builtin`, () => {
    const seen = new Set<string>();
    const stack = [resolve(root, entry)];
    const offenders: string[] = [];
    while (stack.length) {
      const file = stack.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('node:')) offenders.push(`${relative(root, file)} -> ${spec}`);
        else if (spec.startsWith('.')) {
          const ts = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
          const sub = (BROWSER_SUBSTITUTES as Record<string, string>)[relative(root, ts)];
          if (sub) stack.push(resolve(root, sub));
          else if (existsSync(ts)) stack.push(ts);
        }
      }
    }
    assert.ok(seen.size > 1, 'the walk found the entry\'s modules');
    assert.deepEqual(offenders, []);
  });
}

test('base64 without Buffer (browsers) matches Node\'s Buffer', async () => {
  const { encodeBase64Portable, decodeBase64Portable, encodeBase64, decodeBase64 } = await import('../../src/core/base64.js');
  let seed = 7;
  for (const n of [0, 1, 2, 3, 4, 5, 255, 32768, 32769, 100003]) {
    const bytes = new Uint8Array(n).map(() => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    const view = new Uint8Array(bytes.buffer, 0, n); // whole buffer
    const expected = Buffer.from(view).toString('base64');
    assert.equal(encodeBase64Portable(view), expected, `encode, ${n} bytes`);
    assert.equal(encodeBase64(view), expected);
    assert.deepEqual(decodeBase64Portable(expected), view, `decode, ${n} bytes`);
    assert.deepEqual(decodeBase64(expected), view);
  }
  // a view into a larger buffer encodes only its own bytes
  const big = new Uint8Array([9, 1, 2, 3, 9]);
  assert.equal(encodeBase64Portable(big.subarray(1, 4)), Buffer.from([1, 2, 3]).toString('base64'));
});

test('kNN-Graph and a kNN estimator train, predict and round-trip through JSON and bytes with no Buffer global', () => {
  // A child Node process with Buffer and process.getBuiltinModule removed before knnkit loads:
  // what a browser lacks (the WebAssembly kernels decode with atob; nothing reaches node:fs).
  const script = `
    delete globalThis.Buffer; delete process.getBuiltinModule;
    const { KnnGraphClassifier } = await import('./src/knn-graph/index.ts');
    const { KNeighborsClassifier } = await import('./src/learn/index.ts');
    const { kernelModule } = await import('./src/knn-graph/wasm/kernels.ts');
    const rows = 60, cols = 5, data = new Float32Array(rows * cols), y = [];
    for (let i = 0; i < rows; i++) { for (let j = 0; j < cols; j++) data[i * cols + j] = ((i * 31 + j * 17) % 23) / 7 + (i % 3) * 4; y.push('c' + (i % 3)); }
    const X = { data, rows, cols };
    const g = new KnnGraphClassifier().fit(X, y);
    const p = g.predict(X);
    const back = KnnGraphClassifier.fromJSON(JSON.parse(JSON.stringify(g.toJSON())));
    const bytes = KnnGraphClassifier.fromBytes(g.toBytes());
    const k = new KNeighborsClassifier({ k: 3 }).fit(X, y);
    const k2 = KNeighborsClassifier.fromJSON(JSON.parse(JSON.stringify(k.toJSON())));
    let syncError = '';
    try { g.saveSync('/tmp/never-written.knng'); } catch (e) { syncError = e.message; }
    console.log(JSON.stringify({ buffer: typeof Buffer, index: g.fitInfo.index, kernel: g.state().index.kernelName, solveKernels: kernelModule() !== null, same: JSON.stringify(back.predict(X)) === JSON.stringify(p) && JSON.stringify(bytes.predict(X)) === JSON.stringify(p),
      knn: JSON.stringify(k2.predict(X)) === JSON.stringify(k.predict(X)), acc: p.filter((v, i) => v === y[i]).length / rows, syncError }));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.equal(out.buffer, 'undefined');
  assert.equal(out.index, 'hnsw-f32');
  assert.notEqual(out.kernel, 'js', 'the embedded WebAssembly decoded without Buffer');
  assert.equal(out.solveKernels, true, 'kNN-Graph\'s solver kernels decoded without Buffer');
  assert.equal(out.same, true);
  assert.equal(out.knn, true);
  assert.ok(out.acc > 0.9, `training accuracy ${out.acc}`);
  assert.match(out.syncError, /synchronous file access needs Node\.js >= 20\.16/);
});
