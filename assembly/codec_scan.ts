// Distance scans over f16 and sq8 codes (src/codecs/coded-scan.ts): each code row is decoded
// to f32x4 lanes in registers once and scored against four queries at a time (register
// blocking as assembly/bits.ts), so the decoded float32 rows never reach memory.
//
// Memory is laid out by the host; every function takes byte offsets. `--runtime stub`.
//   base   n code rows of `dim` halves (f16, 2 dim bytes) or bytes (sq8, dim bytes)
//   q      nq float32 query rows of `dim` values
//   aff    sq8 only: 2 dim f32, the affine decode x_j = aff[j] + aff[dim + j] * c_j
//   out    f32[nq * n]: out[i n + j] = squared L2 (kind 0) or dot product (kind 1) of query
//          i and decoded row j; the host ranks (TopK) and maps dots to the metric.

import { halvesToF32, halfToF32 } from './_codec_dist';

/** Four decoded values of row `r` at dimension t (t % 4 == 0, t + 4 <= dim). */
@inline function decode4(codec: i32, r: usize, t: i32, aff: usize, dim: i32): v128 {
  if (codec == 0) return halvesToF32(i32x4.extend_low_i16x8_u(v128.load64_zero(r + (<usize>t << 1))));
  const c = f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(v128.load32_zero(r + <usize>t))));
  const a = v128.load(aff + (<usize>t << 2)), b = v128.load(aff + (<usize>(dim + t) << 2));
  return f32x4.add(a, f32x4.mul(b, c));
}

@inline function decode1(codec: i32, r: usize, t: i32, aff: usize, dim: i32): f32 {
  if (codec == 0) return halfToF32(<u32>load<u16>(r + (<usize>t << 1)));
  return load<f32>(aff + (<usize>t << 2)) + load<f32>(aff + (<usize>(dim + t) << 2)) * <f32>load<u8>(r + <usize>t);
}

@inline function term(kind: i32, acc: v128, q: v128, x: v128): v128 {
  if (kind == 0) { const d = f32x4.sub(q, x); return f32x4.add(acc, f32x4.mul(d, d)); }
  return f32x4.add(acc, f32x4.mul(q, x));
}

@inline function term1(kind: i32, q: f32, x: f32): f32 {
  if (kind == 0) { const d = q - x; return d * d; }
  return q * x;
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// One exported loop per (codec, kind): both are literals inside, so the branches in the inner
// loop fold away at compile time.
export function f16L2(base: usize, n: i32, q: usize, nq: i32, dim: i32, out: usize): void { scan(0, 0, base, n, q, nq, dim, 0, out); }
export function f16Dot(base: usize, n: i32, q: usize, nq: i32, dim: i32, out: usize): void { scan(0, 1, base, n, q, nq, dim, 0, out); }
export function sq8L2(base: usize, n: i32, q: usize, nq: i32, dim: i32, aff: usize, out: usize): void { scan(1, 0, base, n, q, nq, dim, aff, out); }
export function sq8Dot(base: usize, n: i32, q: usize, nq: i32, dim: i32, aff: usize, out: usize): void { scan(1, 1, base, n, q, nq, dim, aff, out); }

/** codec 0 = f16, 1 = sq8; kind 0 = squared L2, 1 = dot product. */
@inline function scan(codec: i32, kind: i32, base: usize, n: i32, q: usize, nq: i32, dim: i32, aff: usize, out: usize): void {
  const rowBytes = <usize>dim << (codec == 0 ? 1 : 0);
  const qBytes = <usize>dim << 2;
  const d4 = dim & ~3;
  let i = 0;
  for (; i + 4 <= nq; i += 4) {
    const q0 = q + <usize>i * qBytes, q1 = q0 + qBytes, q2 = q1 + qBytes, q3 = q2 + qBytes;
    const o0 = out + ((<usize>i * <usize>n) << 2), on = <usize>n << 2;
    for (let j = 0; j < n; j++) {
      const r = base + <usize>j * rowBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let t = 0; t < d4; t += 4) {
        const x = decode4(codec, r, t, aff, dim), qo = <usize>t << 2;
        a0 = term(kind, a0, v128.load(q0 + qo), x);
        a1 = term(kind, a1, v128.load(q1 + qo), x);
        a2 = term(kind, a2, v128.load(q2 + qo), x);
        a3 = term(kind, a3, v128.load(q3 + qo), x);
      }
      let s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
      for (let t = d4; t < dim; t++) {
        const x = decode1(codec, r, t, aff, dim), qo = <usize>t << 2;
        s0 += term1(kind, load<f32>(q0 + qo), x);
        s1 += term1(kind, load<f32>(q1 + qo), x);
        s2 += term1(kind, load<f32>(q2 + qo), x);
        s3 += term1(kind, load<f32>(q3 + qo), x);
      }
      const oj = o0 + (<usize>j << 2);
      store<f32>(oj, s0); store<f32>(oj + on, s1); store<f32>(oj + 2 * on, s2); store<f32>(oj + 3 * on, s3);
    }
  }
  for (; i < nq; i++) {
    const q0 = q + <usize>i * qBytes, o0 = out + ((<usize>i * <usize>n) << 2);
    for (let j = 0; j < n; j++) {
      const r = base + <usize>j * rowBytes;
      let a0 = f32x4.splat(0);
      for (let t = 0; t < d4; t += 4) a0 = term(kind, a0, v128.load(q0 + (<usize>t << 2)), decode4(codec, r, t, aff, dim));
      let s0 = hsum(a0);
      for (let t = d4; t < dim; t++) s0 += term1(kind, load<f32>(q0 + (<usize>t << 2)), decode1(codec, r, t, aff, dim));
      store<f32>(o0 + (<usize>j << 2), s0);
    }
  }
}
