// T8: pixel (un)shuffle channel order (PyTorch's), round trips, 1D contiguous blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, useBackend, pixelShuffle1d, pixelShuffle2d, pixelUnshuffle1d, pixelUnshuffle2d } from '../../src/convnn/index.js';
import { randn } from './helpers.js';

for (const backend of ['cpu', 'wasm'] as const) {
  test(`T8 [${backend}] 2D unshuffle channel c*r^2 + i*r + j at (h, w) = input (h*r+i, w*r+j, c); shuffle inverts it`, async () => {
    await useBackend(backend);
    const B = 2, H = 6, W = 4, C = 3, r = 2;
    const x = randn([B, H, W, C], 101);
    const u = pixelUnshuffle2d(x as tf.Tensor4D, r);
    assert.deepEqual(u.shape, [B, H / r, W / r, C * r * r]);
    const xd = x.arraySync() as number[][][][], ud = u.arraySync() as number[][][][];
    for (let b = 0; b < B; b++) for (let h = 0; h < H / r; h++) for (let w = 0; w < W / r; w++) {
      for (let c = 0; c < C; c++) for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) {
        assert.equal(ud[b][h][w][c * r * r + i * r + j], xd[b][h * r + i][w * r + j][c]);
      }
    }
    assert.deepEqual(pixelShuffle2d(u, r).arraySync(), xd);
    // 3x3 factor on a 6x6 map
    const x3 = randn([1, 6, 6, 2], 102);
    assert.deepEqual(pixelShuffle2d(pixelUnshuffle2d(x3 as tf.Tensor4D, 3), 3).arraySync(), x3.arraySync());
    tf.dispose([x, u, x3]);
    await useBackend('cpu');
  });

  test(`T8 [${backend}] 1D unshuffle puts contiguous block j of channel c into channel c*r + j`, async () => {
    await useBackend(backend);
    const B = 2, T = 8, C = 3, r = 2;
    const x = randn([B, T, C], 103);
    const u = pixelUnshuffle1d(x as tf.Tensor3D, r);
    assert.deepEqual(u.shape, [B, T / r, C * r]);
    const xd = x.arraySync() as number[][][], ud = u.arraySync() as number[][][];
    for (let b = 0; b < B; b++) for (let t = 0; t < T / r; t++) for (let c = 0; c < C; c++) for (let j = 0; j < r; j++) {
      assert.equal(ud[b][t][c * r + j], xd[b][j * (T / r) + t][c]);
    }
    assert.deepEqual(pixelShuffle1d(u, r).arraySync(), xd);
    tf.dispose([x, u]);
    await useBackend('cpu');
  });
}
