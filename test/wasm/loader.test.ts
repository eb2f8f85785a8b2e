import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { loadEmbedded, setWasmMode, wasmMode, ensureMemory, defaultImports, WASM_PAGE } from '../../src/wasm/loader.js';
import * as brute from '../../src/wasm/generated/brute.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { gaussianClusters } from '../helpers/data.js';

afterEach(() => { setWasmMode(undefined); });

test('both embedded variants are valid WebAssembly; SIMD loads on this runtime', () => {
  setWasmMode('auto'); // also under KNNKIT_WASM=off
  assert.ok(brute.simd.length > 100 && brute.relaxed.length > 100);
  assert.ok(WebAssembly.validate(Buffer.from(brute.simd, 'base64')), 'SIMD binary validates');
  const loaded = loadEmbedded('brute', brute);
  assert.ok(loaded, 'a variant loads');
  // relaxed only when this runtime validates it (Node 20: --experimental-wasm-relaxed-simd)
  const relaxedOk = WebAssembly.validate(Buffer.from(brute.relaxed, 'base64'));
  assert.equal(loaded!.variant, relaxedOk ? 'relaxed' : 'simd');
  assert.equal(loadEmbedded('brute', brute), loaded, 'modules are cached');
});

test('setWasmMode / KNNKIT_WASM force the pure-TS path or plain SIMD', () => {
  setWasmMode('off');
  assert.equal(wasmMode(), 'off');
  assert.equal(loadEmbedded('brute', brute), null);
  const data = gaussianClusters(64, 8, 2, 1);
  assert.equal(new BruteForce(data).kernelPath, 'ts');
  setWasmMode('simd');
  assert.equal(loadEmbedded('brute', brute)?.variant, 'simd');
  assert.equal(new BruteForce(data).kernelPath, 'simd');
  setWasmMode(undefined);
  const saved = process.env.KNNKIT_WASM;
  try {
    process.env.KNNKIT_WASM = 'off';
    assert.equal(wasmMode(), 'off');
    assert.equal(new BruteForce(data).kernelPath, 'ts');
    process.env.KNNKIT_WASM = 'SIMD';
    assert.equal(wasmMode(), 'simd');
  } finally {
    if (saved === undefined) delete process.env.KNNKIT_WASM; else process.env.KNNKIT_WASM = saved;
  }
  // a binary the engine rejects falls back to TS instead of throwing
  setWasmMode('auto');
  assert.equal(loadEmbedded('broken', { simd: Buffer.from('not wasm').toString('base64'), relaxed: '' }), null);
});

test('ensureMemory grows a memory to the requested size', () => {
  setWasmMode('auto');
  const loaded = loadEmbedded('brute', brute)!;
  const inst = new WebAssembly.Instance(loaded.module, defaultImports());
  const mem = inst.exports.memory as WebAssembly.Memory;
  const before = mem.buffer.byteLength;
  assert.equal(ensureMemory(mem, before), false);
  assert.equal(ensureMemory(mem, before + 3 * WASM_PAGE + 1), true);
  assert.ok(mem.buffer.byteLength >= before + 3 * WASM_PAGE + 1);
});
