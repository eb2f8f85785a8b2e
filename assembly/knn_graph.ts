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
  for (let r: i32 = 0; r < p; r++) store<f64>(out + (<usize>r << 3), dot(H + (<usize>r * <usize>stride << 2), v, p));
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

// ---- candidates mode: one column's local problem on q = m + 1 rows R = {j} + S_j ----------
// Both kernels keep every sum sequential in f64 over its index (t, r), exactly as the TS loops
// of src/knn-graph/kernel.ts do: SIMD lanes hold different entries, never parts of one sum, so
// the results are bit-identical to the pure-TS path.

// D2 of the block's pairs u < v (row-major q x q, upper triangle, not clamped):
//   out[u * q + v] = |x_u|^2 + |x_v|^2 - 2 <x_u, x_v>   (X: n x d f32 rows, norms f64)
// The q rows are first gathered transposed into XT (d x qp f64, qp = q rounded up to even,
// zero padded), so that one f64x2 holds the partial sums of two rows v, v + 1.
export function localD2(X: usize, d: i32, norms: usize, R: usize, q: i32, XT: usize, out: usize): void {
  const qp = (q + 1) & ~1;
  for (let v: i32 = 0; v < q; v++) {
    const xv = X + ((<usize>load<i32>(R + (<usize>v << 2)) * <usize>d) << 2);
    for (let t: i32 = 0; t < d; t++) store<f64>(XT + (<usize>(t * qp + v) << 3), <f64>load<f32>(xv + (<usize>t << 2)));
  }
  if (qp > q) for (let t: i32 = 0; t < d; t++) store<f64>(XT + (<usize>(t * qp + q) << 3), 0);
  for (let u: i32 = 0; u < q; u++) {
    const nu = load<f64>(norms + (<usize>load<i32>(R + (<usize>u << 2)) << 3));
    const rowOut = out + (<usize>(u * q) << 3);
    let v: i32 = u + 1;
    // <x_u, x_v> = sum over t of XT[t][u] XT[t][v]: rows of XT are qp f64 apart
    const stride = <usize>qp << 3, aOff = <usize>u << 3;
    // four pairs of rows (8 sums) per pass over t, then one pair, then a single row
    for (; v + 8 <= q; v += 8) {
      sums8(XT, stride, d, aOff, <usize>v << 3);
      storeD2(rowOut, norms, R, v, nu, S0); storeD2(rowOut, norms, R, v + 2, nu, S1);
      storeD2(rowOut, norms, R, v + 4, nu, S2); storeD2(rowOut, norms, R, v + 6, nu, S3);
    }
    for (; v + 2 <= q; v += 2) storeD2(rowOut, norms, R, v, nu, sums2(XT, stride, d, aOff, <usize>v << 3));
    for (; v < q; v++) {
      const s = sum1(XT, stride, d, aOff, <usize>v << 3);
      store<f64>(rowOut + (<usize>v << 3), nu + load<f64>(norms + (<usize>load<i32>(R + (<usize>v << 2)) << 3)) - 2 * s);
    }
  }
}

@inline function storeD2(rowOut: usize, norms: usize, R: usize, v: i32, nu: f64, s: v128): void {
  const n0 = load<f64>(norms + (<usize>load<i32>(R + (<usize>v << 2)) << 3));
  const n1 = load<f64>(norms + (<usize>load<i32>(R + (<usize>(v + 1) << 2)) << 3));
  store<f64>(rowOut + (<usize>v << 3), nu + n0 - 2 * f64x2.extract_lane(s, 0));
  store<f64>(rowOut + (<usize>(v + 1) << 3), nu + n1 - 2 * f64x2.extract_lane(s, 1));
}

// The local problem's Gram form from AR = A[R, R] (q x q f64, symmetric, row 0 = column j):
//   H[u][v] = sum_r AR[r][u + 1] AR[r][v + 1]   (m x m f32, both triangles), m = q - 1
//   b[v]    = sum_r AR[r][0] AR[r][v + 1]        (f64)
// returns c = sum_r AR[r][0]^2. AR being symmetric, AR[r][u + 1] = AR[u + 1][r]: the same
// products in the same order as the TS row-dot form. Row r of AR is contiguous in v, so
// lanes run over v. AR must be followed by 64 readable bytes (the last row's vector tail).
export function localGram(AR: usize, q: i32, H: usize, b: usize): f64 {
  const m = q - 1;
  let c: f64 = 0;
  for (let r: i32 = 0; r < q; r++) { const x = load<f64>(AR + (<usize>r << 3)); c += x * x; }
  // b: the column u = -1 (AR[r][0]) against every v
  gramRow(AR, q, 0, 0, m, b, 0, false);
  for (let u: i32 = 0; u < m; u++) gramRow(AR, q, u + 1, u, m, H, u, true);
  return c;
}

// sums over r of AR[r][col] * AR[r][v + 1] for v in [v0, m): into H (f32, row u and column u) or b (f64)
function gramRow(AR: usize, q: i32, col: i32, v0: i32, m: i32, out: usize, u: i32, toH: bool): void {
  const rowBytes = <usize>q << 3, aOff = <usize>col << 3;
  let v = v0;
  for (; v + 8 <= m; v += 8) {
    sums8(AR, rowBytes, q, aOff, <usize>(v + 1) << 3);
    putPair(out, m, u, v, S0, toH); putPair(out, m, u, v + 2, S1, toH);
    putPair(out, m, u, v + 4, S2, toH); putPair(out, m, u, v + 6, S3, toH);
  }
  for (; v + 2 <= m; v += 2) putPair(out, m, u, v, sums2(AR, rowBytes, q, aOff, <usize>(v + 1) << 3), toH);
  for (; v < m; v++) put(out, m, u, v, sum1(AR, rowBytes, q, aOff, <usize>(v + 1) << 3), toH);
}

// Strided column sums shared by localD2 and gramRow: over n rows starting at `first`,
// `stride` bytes apart, sum_i row_i[a] * row_i[c] for the f64 columns c at byte offset
// vOff, vOff + 8, ... (a at byte offset aOff), each sum sequential in i (lanes hold
// different columns, never parts of one sum). sums8 leaves 8 sums in S0..S3.
let S0: v128 = f64x2.splat(0);
let S1: v128 = f64x2.splat(0);
let S2: v128 = f64x2.splat(0);
let S3: v128 = f64x2.splat(0);

@inline function sums8(first: usize, stride: usize, n: i32, aOff: usize, vOff: usize): void {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let row = first;
  for (let i: i32 = 0; i < n; i++, row += stride) {
    const a = f64x2.splat(load<f64>(row + aOff));
    const p = row + vOff;
    s0 = f64x2.add(s0, f64x2.mul(a, v128.load(p)));
    s1 = f64x2.add(s1, f64x2.mul(a, v128.load(p + 16)));
    s2 = f64x2.add(s2, f64x2.mul(a, v128.load(p + 32)));
    s3 = f64x2.add(s3, f64x2.mul(a, v128.load(p + 48)));
  }
  S0 = s0; S1 = s1; S2 = s2; S3 = s3;
}

@inline function sums2(first: usize, stride: usize, n: i32, aOff: usize, vOff: usize): v128 {
  let s0 = f64x2.splat(0);
  let row = first;
  for (let i: i32 = 0; i < n; i++, row += stride) s0 = f64x2.add(s0, f64x2.mul(f64x2.splat(load<f64>(row + aOff)), v128.load(row + vOff)));
  return s0;
}

@inline function sum1(first: usize, stride: usize, n: i32, aOff: usize, vOff: usize): f64 {
  let s: f64 = 0;
  let row = first;
  for (let i: i32 = 0; i < n; i++, row += stride) s += load<f64>(row + aOff) * load<f64>(row + vOff);
  return s;
}

@inline function putPair(out: usize, m: i32, u: i32, v: i32, s: v128, toH: bool): void {
  put(out, m, u, v, f64x2.extract_lane(s, 0), toH);
  put(out, m, u, v + 1, f64x2.extract_lane(s, 1), toH);
}

@inline function put(out: usize, m: i32, u: i32, v: i32, s: f64, toH: bool): void {
  if (toH) {
    const h = <f32>s;
    store<f32>(out + (<usize>(u * m + v) << 2), h);
    store<f32>(out + (<usize>(v * m + u) << 2), h);
  } else store<f64>(out + (<usize>v << 3), s);
}

// Sparse (CSR) rows: the same D2 of the block's pairs u < v, from the products of common
// columns only. The q rows' entries are sorted into per-block column lists (rows ascending);
// for row u, every list's tail after u's own entry holds exactly the rows v > u sharing that
// column, and walking u's columns in ascending order adds each pair's products in ascending
// column order, as a dot product over one scattered row does (bit-identical to kernel.ts).
// Scratch: slotOf (one i32 per data column, all -1 on entry and on exit), cols / start (one
// per distinct column + 1), eRow / eVal / self (one per entry), acc (q f64).
export function localD2Sparse(indptr: usize, indices: usize, values: usize, norms: usize, R: usize, q: i32,
  slotOf: usize, cols: usize, start: usize, eRow: usize, eVal: usize, self: usize, acc: usize, out: usize): void {
  let nc: i32 = 0;
  for (let v: i32 = 0; v < q; v++) {
    const r = <usize>load<i32>(R + (<usize>v << 2));
    const pe = load<i32>(indptr + ((r + 1) << 2));
    for (let p = load<i32>(indptr + (r << 2)); p < pe; p++) {
      const c = <usize>load<i32>(indices + (<usize>p << 2));
      let s = load<i32>(slotOf + (c << 2));
      if (s < 0) { s = nc; store<i32>(slotOf + (c << 2), nc); store<i32>(cols + (<usize>nc << 2), <i32>c); nc++; store<i32>(start + (<usize>nc << 2), 0); }
      const a = start + (<usize>(s + 1) << 2);
      store<i32>(a, load<i32>(a) + 1);
    }
  }
  store<i32>(start, 0);
  for (let t: i32 = 0; t < nc; t++) {
    const a = start + (<usize>(t + 1) << 2);
    store<i32>(a, load<i32>(a) + load<i32>(a - 4));
  }
  let e: i32 = 0;
  for (let v: i32 = 0; v < q; v++) {
    const r = <usize>load<i32>(R + (<usize>v << 2));
    const pe = load<i32>(indptr + ((r + 1) << 2));
    for (let p = load<i32>(indptr + (r << 2)); p < pe; p++, e++) {
      const s = load<i32>(slotOf + (<usize>load<i32>(indices + (<usize>p << 2)) << 2));
      const a = start + (<usize>s << 2);
      const t = load<i32>(a);
      store<i32>(a, t + 1);
      store<i32>(eRow + (<usize>t << 2), v);
      store<f32>(eVal + (<usize>t << 2), load<f32>(values + (<usize>p << 2)));
      store<i32>(self + (<usize>e << 2), t);
    }
  }
  for (let t: i32 = nc; t > 0; t--) store<i32>(start + (<usize>t << 2), load<i32>(start + (<usize>(t - 1) << 2)));
  store<i32>(start, 0);
  e = 0;
  for (let u: i32 = 0; u < q; u++) {
    for (let v: i32 = u + 1; v < q; v++) store<f64>(acc + (<usize>v << 3), 0);
    const r = <usize>load<i32>(R + (<usize>u << 2));
    const pe = load<i32>(indptr + ((r + 1) << 2));
    for (let p = load<i32>(indptr + (r << 2)); p < pe; p++, e++) {
      const xu = <f64>load<f32>(values + (<usize>p << 2));
      const s = load<i32>(slotOf + (<usize>load<i32>(indices + (<usize>p << 2)) << 2));
      const te = load<i32>(start + (<usize>(s + 1) << 2));
      for (let t = load<i32>(self + (<usize>e << 2)) + 1; t < te; t++) {
        const a = acc + (<usize>load<i32>(eRow + (<usize>t << 2)) << 3);
        store<f64>(a, load<f64>(a) + xu * <f64>load<f32>(eVal + (<usize>t << 2)));
      }
    }
    const nu = load<f64>(norms + (r << 3));
    const rowOut = out + (<usize>(u * q) << 3);
    for (let v: i32 = u + 1; v < q; v++) {
      const nv = load<f64>(norms + (<usize>load<i32>(R + (<usize>v << 2)) << 3));
      store<f64>(rowOut + (<usize>v << 3), nu + nv - 2 * load<f64>(acc + (<usize>v << 3)));
    }
  }
  for (let t: i32 = 0; t < nc; t++) store<i32>(slotOf + (<usize>load<i32>(cols + (<usize>t << 2)) << 2), -1);
}
