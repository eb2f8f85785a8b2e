// AssemblyScript source of the kNN-Graph kernels (scripts/build-wasm.mjs compiles it into
// src/wasm/generated/knn_graph.ts). Operates on an imported shared memory that holds A, H and
// per-thread scratch vectors.
// @asc-flags --importMemory --sharedMemory --initialMemory 1 --maximumMemory 65536 --enable threads
//
// matvec:  out[r] = sum_c H[r * stride + c] * v[c]         (H, v f32; out f64)
// gramRows: H[i][k] = H[k][i] = <A_i, A_k> for i in [r0, r1), k >= i   (A symmetric: A A)

// f32x4 accumulators flushed to f64 every CHUNK elements: float32 speed, float64-grade sums.
const CHUNK: i32 = 256;

export function matvec(H: usize, v: usize, out: usize, p: i32, stride: i32): void {
  for (let r: i32 = 0; r < p; r++) {
    const row = H + (<usize>r * <usize>stride << 2);
    let total: f64 = 0;
    let c: i32 = 0;
    while (c + 16 <= p) {
      const end = min(p, c + CHUNK) & ~15;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (; c < end; c += 16) {
        const o = <usize>c << 2;
        a0 = f32x4.add(a0, f32x4.mul(v128.load(row + o), v128.load(v + o)));
        a1 = f32x4.add(a1, f32x4.mul(v128.load(row + o + 16), v128.load(v + o + 16)));
        a2 = f32x4.add(a2, f32x4.mul(v128.load(row + o + 32), v128.load(v + o + 32)));
        a3 = f32x4.add(a3, f32x4.mul(v128.load(row + o + 48), v128.load(v + o + 48)));
      }
      const s = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
      total += <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
    }
    for (; c < p; c++) total += <f64>load<f32>(row + (<usize>c << 2)) * <f64>load<f32>(v + (<usize>c << 2));
    store<f64>(out + (<usize>r << 3), total);
  }
}

function dot(a: usize, b: usize, n: i32): f64 {
  let total: f64 = 0;
  let t: i32 = 0;
  while (t + 16 <= n) {
    const end = min(n, t + CHUNK) & ~15;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (; t < end; t += 16) {
      const o = <usize>t << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(a + o + 16), v128.load(b + o + 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(a + o + 32), v128.load(b + o + 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(a + o + 48), v128.load(b + o + 48)));
    }
    const s = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    total += <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
  }
  for (; t < n; t++) total += <f64>load<f32>(a + (<usize>t << 2)) * <f64>load<f32>(b + (<usize>t << 2));
  return total;
}

// 2 x 2 register block: four dot products share every load of the two row pairs.
function dot2x2(a0p: usize, a1p: usize, b0p: usize, b1p: usize, n: i32, out: usize): void {
  let s00: f64 = 0, s01: f64 = 0, s10: f64 = 0, s11: f64 = 0;
  let t: i32 = 0;
  while (t + 4 <= n) {
    const end = min(n, t + CHUNK) & ~3;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    for (; t < end; t += 4) {
      const o = <usize>t << 2;
      const x0 = v128.load(a0p + o), x1 = v128.load(a1p + o), y0 = v128.load(b0p + o), y1 = v128.load(b1p + o);
      c00 = f32x4.add(c00, f32x4.mul(x0, y0)); c01 = f32x4.add(c01, f32x4.mul(x0, y1));
      c10 = f32x4.add(c10, f32x4.mul(x1, y0)); c11 = f32x4.add(c11, f32x4.mul(x1, y1));
    }
    s00 += hsum(c00); s01 += hsum(c01); s10 += hsum(c10); s11 += hsum(c11);
  }
  for (; t < n; t++) {
    const o = <usize>t << 2;
    const x0 = <f64>load<f32>(a0p + o), x1 = <f64>load<f32>(a1p + o), y0 = <f64>load<f32>(b0p + o), y1 = <f64>load<f32>(b1p + o);
    s00 += x0 * y0; s01 += x0 * y1; s10 += x1 * y0; s11 += x1 * y1;
  }
  store<f64>(out, s00); store<f64>(out + 8, s01); store<f64>(out + 16, s10); store<f64>(out + 24, s11);
}

@inline function hsum(s: v128): f64 {
  return <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
}

// rows of A have length d (d = n for H = A A; d = dim for the dot products X X^T of the data)
export function gramRows(A: usize, H: usize, n: i32, d: i32, r0: i32, r1: i32, tmp: usize): void {
  const rowBytes = <usize>d << 2;
  let i = r0;
  for (; i + 1 < r1; i += 2) {
    const ai = A + <usize>i * rowBytes, ai2 = ai + rowBytes;
    let k = i;
    for (; k + 1 < n; k += 2) {
      const ak = A + <usize>k * rowBytes, ak2 = ak + rowBytes;
      dot2x2(ai, ai2, ak, ak2, d, tmp);
      const s00 = <f32>load<f64>(tmp), s01 = <f32>load<f64>(tmp + 8), s10 = <f32>load<f64>(tmp + 16), s11 = <f32>load<f64>(tmp + 24);
      store<f32>(H + ((<usize>i * <usize>n + <usize>k) << 2), s00); store<f32>(H + ((<usize>k * <usize>n + <usize>i) << 2), s00);
      store<f32>(H + ((<usize>i * <usize>n + <usize>k + 1) << 2), s01); store<f32>(H + ((<usize>(k + 1) * <usize>n + <usize>i) << 2), s01);
      store<f32>(H + ((<usize>(i + 1) * <usize>n + <usize>k) << 2), s10); store<f32>(H + ((<usize>k * <usize>n + <usize>i + 1) << 2), s10);
      store<f32>(H + ((<usize>(i + 1) * <usize>n + <usize>k + 1) << 2), s11); store<f32>(H + ((<usize>(k + 1) * <usize>n + <usize>i + 1) << 2), s11);
    }
    for (; k < n; k++) {
      const ak = A + <usize>k * rowBytes;
      const s0 = <f32>dot(ai, ak, d), s1 = <f32>dot(ai2, ak, d);
      store<f32>(H + ((<usize>i * <usize>n + <usize>k) << 2), s0); store<f32>(H + ((<usize>k * <usize>n + <usize>i) << 2), s0);
      store<f32>(H + ((<usize>(i + 1) * <usize>n + <usize>k) << 2), s1); store<f32>(H + ((<usize>k * <usize>n + <usize>i + 1) << 2), s1);
    }
  }
  for (; i < r1; i++) {
    const ai = A + <usize>i * rowBytes;
    for (let k = i; k < n; k++) {
      const s = <f32>dot(ai, A + <usize>k * rowBytes, d);
      store<f32>(H + ((<usize>i * <usize>n + <usize>k) << 2), s); store<f32>(H + ((<usize>k * <usize>n + <usize>i) << 2), s);
    }
  }
}

// OUT[r * 8 + b] = sum_c H[r * stride + c] * V[c * 8 + b]  for 8 right-hand sides at once:
// H (the large operand) is read once for 8 columns' products (V is p x 8 f32, OUT p x 8 f64).
export function matmat8(H: usize, V: usize, OUT: usize, p: i32, stride: i32): void {
  for (let r: i32 = 0; r < p; r++) {
    const row = H + (<usize>r * <usize>stride << 2);
    let o0 = f64x2.splat(0), o1 = f64x2.splat(0), o2 = f64x2.splat(0), o3 = f64x2.splat(0);
    let c: i32 = 0;
    while (c < p) {
      const end = min(p, c + CHUNK);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
      for (; c + 1 < end; c += 2) {
        const h0 = f32x4.splat(load<f32>(row + (<usize>c << 2)));
        const h1 = f32x4.splat(load<f32>(row + (<usize>c << 2) + 4));
        const vp = V + (<usize>c << 5);
        a0 = f32x4.add(a0, f32x4.mul(h0, v128.load(vp)));
        a1 = f32x4.add(a1, f32x4.mul(h0, v128.load(vp + 16)));
        b0 = f32x4.add(b0, f32x4.mul(h1, v128.load(vp + 32)));
        b1 = f32x4.add(b1, f32x4.mul(h1, v128.load(vp + 48)));
      }
      if (c < end) {
        const h0 = f32x4.splat(load<f32>(row + (<usize>c << 2)));
        const vp = V + (<usize>c << 5);
        a0 = f32x4.add(a0, f32x4.mul(h0, v128.load(vp)));
        a1 = f32x4.add(a1, f32x4.mul(h0, v128.load(vp + 16)));
        c++;
      }
      const s0 = f32x4.add(a0, b0), s1 = f32x4.add(a1, b1);
      o0 = f64x2.add(o0, f64x2.promote_low_f32x4(s0));
      o1 = f64x2.add(o1, f64x2.promote_low_f32x4(v128.shuffle<f32>(s0, s0, 2, 3, 2, 3)));
      o2 = f64x2.add(o2, f64x2.promote_low_f32x4(s1));
      o3 = f64x2.add(o3, f64x2.promote_low_f32x4(v128.shuffle<f32>(s1, s1, 2, 3, 2, 3)));
    }
    const out = OUT + (<usize>r << 6);
    v128.store(out, o0); v128.store(out + 16, o1); v128.store(out + 32, o2); v128.store(out + 48, o3);
  }
}
