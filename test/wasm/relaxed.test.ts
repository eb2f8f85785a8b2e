import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Node 20 enables relaxed SIMD only behind a V8 flag (not accepted in NODE_OPTIONS), so the
// relaxed kernels are checked in a child process started with it.
const script = fileURLToPath(new URL('./fixtures/relaxed-check.ts', import.meta.url));

test('relaxed-SIMD kernels (fused multiply-add) == scalar reference, every dot / L1 / Linf / Hamming metric', () => {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--import', 'tsx', script], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0 && /bad option|not allowed|unknown/i.test(r.stderr)) return; // flag gone: relaxed is the default path then
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { path: string; mismatches: number };
  assert.equal(out.mismatches, 0);
  assert.match(out.path, /^(relaxed|simd|ts)$/);
  const env = (process.env.KNNKIT_WASM ?? 'auto').toLowerCase();
  if (env === 'auto' || env === 'relaxed' || env === '') assert.equal(out.path, 'relaxed');
});
