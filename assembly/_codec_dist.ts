// Decoding and distances over f16 and sq8 codes, shared by the brute-force code scan
// (codec_scan.ts) and the HNSW graph kernels (_hnsw_core.ts, codec storage). Codes are decoded
// to f32x4 lanes in registers; the decoded float32 rows never reach memory.
//   f16: IEEE binary16 halves, 2 bytes per coordinate
//   sq8: one byte c_j per coordinate, x_j = a_j + b_j c_j with the affine table `aff` = [a | b]
//        (2 n f32: a_j = vmin_j + b_j / 2, b_j = vdiff_j / 255, as src/codecs/sq8.ts decodes)
// ASC_RELAXED (scripts/build-wasm.mjs) selects fused multiply-add where the kernels accumulate.

const SIGN: u32 = 0x8000;
// 2^112 moves a half's exponent (bias 15) shifted into a float32 (bias 127) to its value,
// subnormal halves included (they land on float32 subnormals, which the multiply scales exactly)
const MAGIC: f32 = 5.192296858534828e33;

/** Four halves (in the low 16 bits of each i32 lane) to float32. */
@inline export function halvesToF32(h: v128): v128 {
  const mag = v128.and(h, i32x4.splat(0x7fff));
  const v = f32x4.mul(i32x4.shl(mag, 13), f32x4.splat(MAGIC));
  return v128.or(v, i32x4.shl(v128.and(h, i32x4.splat(SIGN)), 16));
}

@inline export function halfToF32(h: u32): f32 {
  const v = reinterpret<f32>((h & 0x7fff) << 13) * MAGIC;
  return reinterpret<f32>(reinterpret<u32>(v) | ((h & SIGN) << 16));
}

@inline function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_RELAXED) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Eight halves at p (16 bytes): low and high four as float32 lanes. */
@inline function f16Lo(h: v128): v128 { return halvesToF32(i32x4.extend_low_i16x8_u(h)); }
@inline function f16Hi(h: v128): v128 { return halvesToF32(i32x4.extend_high_i16x8_u(h)); }
/** Four halves at p (8 bytes). */
@inline function f16At4(p: usize): v128 { return halvesToF32(i32x4.extend_low_i16x8_u(v128.load64_zero(p))); }

/** Four sq8 codes at p (4 bytes) as float32 lanes. */
@inline function u8At4(p: usize): v128 {
  return f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(p))));
}

// ------------------------------------------------------------ asymmetric: f32 query q vs codes r

/** Squared L2 between the float32 query at q and the f16 row at r, n coordinates. */
@inline export function f16QueryL2(q: usize, r: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let t = 0;
  for (; t + 8 <= n; t += 8) {
    const h = v128.load(r + (<usize>t << 1)), qp = q + (<usize>t << 2);
    const d0 = f32x4.sub(v128.load(qp), f16Lo(h)), d1 = f32x4.sub(v128.load(qp, 16), f16Hi(h));
    s0 = madd(d0, d0, s0); s1 = madd(d1, d1, s1);
  }
  if (t + 4 <= n) { const d = f32x4.sub(v128.load(q + (<usize>t << 2)), f16At4(r + (<usize>t << 1))); s0 = madd(d, d, s0); t += 4; }
  let s = hsum(f32x4.add(s0, s1));
  for (; t < n; t++) { const d = load<f32>(q + (<usize>t << 2)) - halfToF32(<u32>load<u16>(r + (<usize>t << 1))); s += d * d; }
  return s;
}

/** Dot product of the float32 query at q and the f16 row at r. */
@inline export function f16QueryDot(q: usize, r: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let t = 0;
  for (; t + 8 <= n; t += 8) {
    const h = v128.load(r + (<usize>t << 1)), qp = q + (<usize>t << 2);
    s0 = madd(v128.load(qp), f16Lo(h), s0); s1 = madd(v128.load(qp, 16), f16Hi(h), s1);
  }
  if (t + 4 <= n) { s0 = madd(v128.load(q + (<usize>t << 2)), f16At4(r + (<usize>t << 1)), s0); t += 4; }
  let s = hsum(f32x4.add(s0, s1));
  for (; t < n; t++) s += load<f32>(q + (<usize>t << 2)) * halfToF32(<u32>load<u16>(r + (<usize>t << 1)));
  return s;
}

/** Squared L2 between the float32 query at q and the sq8 row at r (x = a + b c). */
@inline export function sq8QueryL2(q: usize, r: usize, n: i32, aff: usize): f32 {
  const bOff = <usize>n << 2;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let t = 0;
  for (; t + 8 <= n; t += 8) {
    const qp = q + (<usize>t << 2), ap = aff + (<usize>t << 2);
    const c = i16x8.extend_low_i8x16_u(v128.load64_zero(r + <usize>t));
    const c0 = f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(c)), c1 = f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(c));
    const x0 = madd(v128.load(ap + bOff), c0, v128.load(ap)), x1 = madd(v128.load(ap + bOff, 16), c1, v128.load(ap, 16));
    const d0 = f32x4.sub(v128.load(qp), x0), d1 = f32x4.sub(v128.load(qp, 16), x1);
    s0 = madd(d0, d0, s0); s1 = madd(d1, d1, s1);
  }
  if (t + 4 <= n) {
    const ap = aff + (<usize>t << 2);
    const d = f32x4.sub(v128.load(q + (<usize>t << 2)), madd(v128.load(ap + bOff), u8At4(r + <usize>t), v128.load(ap)));
    s0 = madd(d, d, s0); t += 4;
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; t < n; t++) {
    const ap = aff + (<usize>t << 2);
    const d = load<f32>(q + (<usize>t << 2)) - (load<f32>(ap) + load<f32>(ap + bOff) * <f32>load<u8>(r + <usize>t));
    s += d * d;
  }
  return s;
}

/** Dot product of the float32 query at q and the sq8 row at r. */
@inline export function sq8QueryDot(q: usize, r: usize, n: i32, aff: usize): f32 {
  const bOff = <usize>n << 2;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let t = 0;
  for (; t + 8 <= n; t += 8) {
    const qp = q + (<usize>t << 2), ap = aff + (<usize>t << 2);
    const c = i16x8.extend_low_i8x16_u(v128.load64_zero(r + <usize>t));
    const c0 = f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(c)), c1 = f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(c));
    s0 = madd(v128.load(qp), madd(v128.load(ap + bOff), c0, v128.load(ap)), s0);
    s1 = madd(v128.load(qp, 16), madd(v128.load(ap + bOff, 16), c1, v128.load(ap, 16)), s1);
  }
  if (t + 4 <= n) {
    const ap = aff + (<usize>t << 2);
    s0 = madd(v128.load(q + (<usize>t << 2)), madd(v128.load(ap + bOff), u8At4(r + <usize>t), v128.load(ap)), s0); t += 4;
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; t < n; t++) {
    const ap = aff + (<usize>t << 2);
    s += load<f32>(q + (<usize>t << 2)) * (load<f32>(ap) + load<f32>(ap + bOff) * <f32>load<u8>(r + <usize>t));
  }
  return s;
}

// ------------------------------------------------------------ symmetric: codes vs codes (graph links)

/** Squared L2 between two f16 rows. */
@inline export function f16PairL2(a: usize, b: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let t = 0;
  for (; t + 8 <= n; t += 8) {
    const ha = v128.load(a + (<usize>t << 1)), hb = v128.load(b + (<usize>t << 1));
    const d0 = f32x4.sub(f16Lo(ha), f16Lo(hb)), d1 = f32x4.sub(f16Hi(ha), f16Hi(hb));
    s0 = madd(d0, d0, s0); s1 = madd(d1, d1, s1);
  }
  if (t + 4 <= n) { const d = f32x4.sub(f16At4(a + (<usize>t << 1)), f16At4(b + (<usize>t << 1))); s0 = madd(d, d, s0); t += 4; }
  let s = hsum(f32x4.add(s0, s1));
  for (; t < n; t++) {
    const d = halfToF32(<u32>load<u16>(a + (<usize>t << 1))) - halfToF32(<u32>load<u16>(b + (<usize>t << 1)));
    s += d * d;
  }
  return s;
}

/** Dot product of two f16 rows. */
@inline export function f16PairDot(a: usize, b: usize, n: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let t = 0;
  for (; t + 8 <= n; t += 8) {
    const ha = v128.load(a + (<usize>t << 1)), hb = v128.load(b + (<usize>t << 1));
    s0 = madd(f16Lo(ha), f16Lo(hb), s0); s1 = madd(f16Hi(ha), f16Hi(hb), s1);
  }
  if (t + 4 <= n) { s0 = madd(f16At4(a + (<usize>t << 1)), f16At4(b + (<usize>t << 1)), s0); t += 4; }
  let s = hsum(f32x4.add(s0, s1));
  for (; t < n; t++) s += halfToF32(<u32>load<u16>(a + (<usize>t << 1))) * halfToF32(<u32>load<u16>(b + (<usize>t << 1)));
  return s;
}

/** Squared L2 between two sq8 rows: x - y = b (c_x - c_y), the offsets a cancel. */
@inline export function sq8PairL2(a: usize, b: usize, n: i32, aff: usize): f32 {
  const bOff = <usize>n << 2;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let t = 0;
  for (; t + 8 <= n; t += 8) {
    const dc = i16x8.sub(i16x8.extend_low_i8x16_u(v128.load64_zero(a + <usize>t)), i16x8.extend_low_i8x16_u(v128.load64_zero(b + <usize>t)));
    const bp = aff + bOff + (<usize>t << 2);
    const d0 = f32x4.mul(v128.load(bp), f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(dc)));
    const d1 = f32x4.mul(v128.load(bp, 16), f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(dc)));
    s0 = madd(d0, d0, s0); s1 = madd(d1, d1, s1);
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; t < n; t++) {
    const d = load<f32>(aff + bOff + (<usize>t << 2)) * <f32>(<i32>load<u8>(a + <usize>t) - <i32>load<u8>(b + <usize>t));
    s += d * d;
  }
  return s;
}

/** Dot product of two sq8 rows (both decoded). */
@inline export function sq8PairDot(a: usize, b: usize, n: i32, aff: usize): f32 {
  const bOff = <usize>n << 2;
  let s0 = f32x4.splat(0);
  let t = 0;
  for (; t + 4 <= n; t += 4) {
    const ap = aff + (<usize>t << 2), av = v128.load(ap), bv = v128.load(ap + bOff);
    s0 = madd(madd(bv, u8At4(a + <usize>t), av), madd(bv, u8At4(b + <usize>t), av), s0);
  }
  let s = hsum(s0);
  for (; t < n; t++) {
    const ap = aff + (<usize>t << 2), av = load<f32>(ap), bv = load<f32>(ap + bOff);
    s += (av + bv * <f32>load<u8>(a + <usize>t)) * (av + bv * <f32>load<u8>(b + <usize>t));
  }
  return s;
}

/** Decodes the f16 (codec 1) or sq8 (codec 2) row at r into n float32 values at out. */
export function decodeRow(codec: i32, r: usize, n: i32, aff: usize, out: usize): void {
  const bOff = <usize>n << 2;
  let t = 0;
  if (codec == 1) {
    for (; t + 4 <= n; t += 4) v128.store(out + (<usize>t << 2), f16At4(r + (<usize>t << 1)));
    for (; t < n; t++) store<f32>(out + (<usize>t << 2), halfToF32(<u32>load<u16>(r + (<usize>t << 1))));
    return;
  }
  for (; t + 4 <= n; t += 4) {
    const ap = aff + (<usize>t << 2);
    v128.store(out + (<usize>t << 2), madd(v128.load(ap + bOff), u8At4(r + <usize>t), v128.load(ap)));
  }
  for (; t < n; t++) {
    const ap = aff + (<usize>t << 2);
    store<f32>(out + (<usize>t << 2), load<f32>(ap) + load<f32>(ap + bOff) * <f32>load<u8>(r + <usize>t));
  }
}
