import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { crc32, crc32Portable } from '../../src/io/crc32.js';

// The portable slicing-by-8 loop (what a browser runs) and the zlib-backed one (Node) must give
// zlib's CRC-32 for every length around the 8-byte steps and the 64-byte switch, whole or chunked.
test('crc32 and its portable loop equal zlib crc32 at every length and split', () => {
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  assert.equal(crc32Portable(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32Portable(new Uint8Array(0)), 0);
  for (let len = 0; len <= 200; len++) {
    const b = Uint8Array.from({ length: len }, rnd);
    const want = zlib.crc32(b);
    for (const f of [crc32, crc32Portable]) {
      assert.equal(f(b), want, `length ${len}`);
      for (const k of [1, 3, len >> 1, len - 5]) {
        if (k <= 0 || k >= len) continue;
        assert.equal(f(b.subarray(k), f(b.subarray(0, k))), want, `length ${len} split at ${k}`);
      }
    }
  }
  // an unaligned view (offset 3 into its buffer) reads the same bytes
  const buf = Uint8Array.from({ length: 1003 }, rnd);
  assert.equal(crc32Portable(buf.subarray(3)), zlib.crc32(buf.subarray(3)));
});
