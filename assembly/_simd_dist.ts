// SIMD distance bodies shared by the graph kernels (HNSW in _hnsw_core.ts, Vamana in vamana.ts).
// `n` is the row length in bytes (a multiple of 4); both are @inline so that each walk gets its
// own copy with the row length in a local (a loop-invariant the engine keeps in a register).
// ASC_RELAXED (set by scripts/build-wasm.mjs) selects the fused multiply-add variant.

@inline export function hsum4(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Squared L2 distance between the f32 rows at a and b, n bytes each. */
@inline export function l2sqBytes(a: usize, b: usize, n: usize): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const n16 = n & ~(<usize>63);
  let i: usize = 0;
  for (; i < n16; i += 64) {
    const d0 = f32x4.sub(v128.load(a + i), v128.load(b + i));
    const d1 = f32x4.sub(v128.load(a + i, 16), v128.load(b + i, 16));
    const d2 = f32x4.sub(v128.load(a + i, 32), v128.load(b + i, 32));
    const d3 = f32x4.sub(v128.load(a + i, 48), v128.load(b + i, 48));
    if (ASC_RELAXED) {
      s0 = f32x4.relaxed_madd(d0, d0, s0); s1 = f32x4.relaxed_madd(d1, d1, s1);
      s2 = f32x4.relaxed_madd(d2, d2, s2); s3 = f32x4.relaxed_madd(d3, d3, s3);
    } else {
      s0 = f32x4.add(s0, f32x4.mul(d0, d0)); s1 = f32x4.add(s1, f32x4.mul(d1, d1));
      s2 = f32x4.add(s2, f32x4.mul(d2, d2)); s3 = f32x4.add(s3, f32x4.mul(d3, d3));
    }
  }
  const n4 = n & ~(<usize>15);
  for (; i < n4; i += 16) {
    const d0 = f32x4.sub(v128.load(a + i), v128.load(b + i));
    s0 = f32x4.add(s0, f32x4.mul(d0, d0));
  }
  let s = hsum4(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  for (; i < n; i += 4) {
    const d = load<f32>(a + i) - load<f32>(b + i);
    s += d * d;
  }
  return s;
}

/** Dot product of the f32 rows at a and b, n bytes each. */
@inline export function dotBytes(a: usize, b: usize, n: usize): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  const n16 = n & ~(<usize>63);
  let i: usize = 0;
  for (; i < n16; i += 64) {
    if (ASC_RELAXED) {
      s0 = f32x4.relaxed_madd(v128.load(a + i), v128.load(b + i), s0);
      s1 = f32x4.relaxed_madd(v128.load(a + i, 16), v128.load(b + i, 16), s1);
      s2 = f32x4.relaxed_madd(v128.load(a + i, 32), v128.load(b + i, 32), s2);
      s3 = f32x4.relaxed_madd(v128.load(a + i, 48), v128.load(b + i, 48), s3);
    } else {
      s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
      s1 = f32x4.add(s1, f32x4.mul(v128.load(a + i, 16), v128.load(b + i, 16)));
      s2 = f32x4.add(s2, f32x4.mul(v128.load(a + i, 32), v128.load(b + i, 32)));
      s3 = f32x4.add(s3, f32x4.mul(v128.load(a + i, 48), v128.load(b + i, 48)));
    }
  }
  const n4 = n & ~(<usize>15);
  for (; i < n4; i += 16) s0 = f32x4.add(s0, f32x4.mul(v128.load(a + i), v128.load(b + i)));
  let s = hsum4(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  for (; i < n; i += 4) s += load<f32>(a + i) * load<f32>(b + i);
  return s;
}
