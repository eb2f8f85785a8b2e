// k-means assignment kernel (f32x4 SIMD): the nearest of k centres for every row, by
// argmin_c ||c||^2 - 2 <x, c> (||x||^2 is common to a row's candidates), in a GEMM-style register
// tile of 4 rows x 8 centres. Written for the low dimensions of product-quantiser codebooks
// (d = 2 .. 16, k = 16 or 256) where a general engine's per-query overhead dominates, and used
// for the coarse quantiser as well.
//
// Memory is laid out by the host (assignNearest in src/learn/kmeans.ts); byte offsets.
// No allocation, no runtime: `--runtime stub`.
//   X       the rows in quads (`interleave`): quad g = rows 4g..4g+3, coordinate t of row 4g + r
//           at ((g * d + t) * 4 + r) * 4 (a quad past n repeats the last row). A tile step then
//           broadcasts its 4 row values from one 16-byte group by constant offsets: with the rows
//           apart, each of the 4 loads needed its own address add, and the integer work kept the
//           loop at 33-34 GFLOP per CPU second against 42 for this layout (d = 128, k = 1,024)
//   panels  the centres in panels of 8: panel g = d x 8 f32 holding -2 c_{8g+l}[t] at t * 8 + l
//   norms   f32[8 * panels]: ||c||^2, +Infinity for the padding of the last panel
//   out     i32[n]: the nearest centre, ties to the lower centre (in this float32 arithmetic)

@inline function mac(acc: v128, a: v128, b: v128): v128 {
  if (ASC_RELAXED) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** Lowest value of lanes (v0 | v1), ties to the lower index; returns the index. */
@inline function argmin8(v0: v128, i0: v128, v1: v128, i1: v128): i32 {
  // lane-wise: keep v1's lane only when strictly lower, or equal with a lower index
  const take = v128.or(f32x4.lt(v1, v0), v128.and(f32x4.eq(v1, v0), i32x4.lt_s(i1, i0)));
  const v = v128.bitselect(v1, v0, take), ix = v128.bitselect(i1, i0, take);
  let bv = f32x4.extract_lane(v, 0), bi = i32x4.extract_lane(ix, 0);
  let cv = f32x4.extract_lane(v, 1), ci = i32x4.extract_lane(ix, 1);
  if (cv < bv || (cv == bv && ci < bi)) { bv = cv; bi = ci; }
  cv = f32x4.extract_lane(v, 2); ci = i32x4.extract_lane(ix, 2);
  if (cv < bv || (cv == bv && ci < bi)) { bv = cv; bi = ci; }
  cv = f32x4.extract_lane(v, 3); ci = i32x4.extract_lane(ix, 3);
  if (cv < bv || (cv == bv && ci < bi)) { bv = cv; bi = ci; }
  return bi;
}

/**
 * Nearest centre of rows [0, n). The centres are walked in blocks of `blockPanels` panels (sized
 * by the host to stay in L2: 1,024 centres of 128 floats are 512 KiB, past this machine kind's
 * L2, and streaming them once per 4 rows left the tile at 30 GFLOP/s against the brute-force
 * kernel's 45); inside a block every quad of rows sweeps every panel. Between blocks each row's
 * 8 lane-wise running minima and their centre indices wait in `state` (64 bytes per row).
 */
export function assign(X: usize, n: i32, d: i32, panels: usize, nPanels: i32, norms: usize, out: usize, blockPanels: i32, state: usize): void {
  const rowBytes = <usize>d << 2;
  const panelBytes = <usize>d << 5;
  const inf = f32x4.splat(Infinity);
  const step = i32x4.splat(8);
  for (let pb = 0; pb < nPanels; pb += blockPanels) {
    const pe = min(pb + blockPanels, nPanels);
    const first = pb == 0, last = pe == nPanels;
  for (let i = 0; i < n; i += 4) {
    // rows past the end repeat the last row (their labels are not stored)
    const x0 = X + <usize>i * rowBytes;
    const st = state + (<usize>i << 6);
    let b00 = inf, b01 = inf, b10 = inf, b11 = inf, b20 = inf, b21 = inf, b30 = inf, b31 = inf;
    let j00 = i32x4.splat(0), j01 = j00, j10 = j00, j11 = j00, j20 = j00, j21 = j00, j30 = j00, j31 = j00;
    if (!first) {
      b00 = v128.load(st, 0); b01 = v128.load(st, 16); j00 = v128.load(st, 32); j01 = v128.load(st, 48);
      b10 = v128.load(st, 64); b11 = v128.load(st, 80); j10 = v128.load(st, 96); j11 = v128.load(st, 112);
      b20 = v128.load(st, 128); b21 = v128.load(st, 144); j20 = v128.load(st, 160); j21 = v128.load(st, 176);
      b30 = v128.load(st, 192); b31 = v128.load(st, 208); j30 = v128.load(st, 224); j31 = v128.load(st, 240);
    }
    let g0 = i32x4.add(i32x4(0, 1, 2, 3), i32x4.splat(pb << 3)), g1 = i32x4.add(i32x4(4, 5, 6, 7), i32x4.splat(pb << 3));
    for (let g = pb; g < pe; g++) {
      const P = panels + <usize>g * panelBytes;
      const N0 = v128.load(norms + (<usize>g << 5)), N1 = v128.load(norms + (<usize>g << 5), 16);
      let a00 = N0, a01 = N1, a10 = N0, a11 = N1, a20 = N0, a21 = N1, a30 = N0, a31 = N1;
      // pointer-stepped (one add per stream and step, as the brute-force kernel's loop)
      let p = P, xp = x0;
      const pEnd = P + panelBytes;
      while (p < pEnd) {
        const c0 = v128.load(p), c1 = v128.load(p, 16);
        let s = v128.load32_splat(xp); a00 = mac(a00, s, c0); a01 = mac(a01, s, c1);
        s = v128.load32_splat(xp, 4); a10 = mac(a10, s, c0); a11 = mac(a11, s, c1);
        s = v128.load32_splat(xp, 8); a20 = mac(a20, s, c0); a21 = mac(a21, s, c1);
        s = v128.load32_splat(xp, 12); a30 = mac(a30, s, c0); a31 = mac(a31, s, c1);
        p += 32; xp += 16;
      }
      // strictly lower only: on a tie the earlier (lower) centre of the lane stays
      let lt = f32x4.lt(a00, b00); b00 = f32x4.min(a00, b00); j00 = v128.bitselect(g0, j00, lt);
      lt = f32x4.lt(a01, b01); b01 = f32x4.min(a01, b01); j01 = v128.bitselect(g1, j01, lt);
      lt = f32x4.lt(a10, b10); b10 = f32x4.min(a10, b10); j10 = v128.bitselect(g0, j10, lt);
      lt = f32x4.lt(a11, b11); b11 = f32x4.min(a11, b11); j11 = v128.bitselect(g1, j11, lt);
      lt = f32x4.lt(a20, b20); b20 = f32x4.min(a20, b20); j20 = v128.bitselect(g0, j20, lt);
      lt = f32x4.lt(a21, b21); b21 = f32x4.min(a21, b21); j21 = v128.bitselect(g1, j21, lt);
      lt = f32x4.lt(a30, b30); b30 = f32x4.min(a30, b30); j30 = v128.bitselect(g0, j30, lt);
      lt = f32x4.lt(a31, b31); b31 = f32x4.min(a31, b31); j31 = v128.bitselect(g1, j31, lt);
      g0 = i32x4.add(g0, step); g1 = i32x4.add(g1, step);
    }
    if (!last) {
      v128.store(st, b00, 0); v128.store(st, b01, 16); v128.store(st, j00, 32); v128.store(st, j01, 48);
      v128.store(st, b10, 64); v128.store(st, b11, 80); v128.store(st, j10, 96); v128.store(st, j11, 112);
      v128.store(st, b20, 128); v128.store(st, b21, 144); v128.store(st, j20, 160); v128.store(st, j21, 176);
      v128.store(st, b30, 192); v128.store(st, b31, 208); v128.store(st, j30, 224); v128.store(st, j31, 240);
      continue;
    }
    store<i32>(out + (<usize>i << 2), argmin8(b00, j00, b01, j01));
    if (i + 1 < n) store<i32>(out + (<usize>(i + 1) << 2), argmin8(b10, j10, b11, j11));
    if (i + 2 < n) store<i32>(out + (<usize>(i + 2) << 2), argmin8(b20, j20, b21, j21));
    if (i + 3 < n) store<i32>(out + (<usize>(i + 3) << 2), argmin8(b30, j30, b31, j31));
  }
  }
}

/**
 * Every score ||c||^2 - 2 <x, c> (the same panels and norms as `assign`; the host may put -c and
 * 1 there for 1 - <x, c>) of rows [0, n) against the 8 * nPanels centres, written row-major to
 * out (n x 8 nPanels f32). The IVF coarse quantiser's probe: the same 4 x 8 register tile and the
 * same L2-sized centre blocks as `assign`, no running minima (the host keeps each row's nprobe
 * best), so there is no per-panel compare / select and no state between blocks.
 */
export function scores(X: usize, n: i32, d: i32, panels: usize, nPanels: i32, norms: usize, out: usize, blockPanels: i32): void {
  const rowBytes = <usize>d << 2;
  const panelBytes = <usize>d << 5;
  const outRow = <usize>nPanels << 5;
  for (let pb = 0; pb < nPanels; pb += blockPanels) {
    const pe = min(pb + blockPanels, nPanels);
    const n4 = n & ~3;
    for (let i = 0; i < n4; i += 4) {
      const x0 = X + <usize>i * rowBytes;
      const o0 = out + <usize>i * outRow;
      for (let g = pb; g < pe; g++) {
        const P = panels + <usize>g * panelBytes;
        const N0 = v128.load(norms + (<usize>g << 5)), N1 = v128.load(norms + (<usize>g << 5), 16);
        let a00 = N0, a01 = N1, a10 = N0, a11 = N1, a20 = N0, a21 = N1, a30 = N0, a31 = N1;
        let p = P, xp = x0;
        const pEnd = P + panelBytes;
        while (p < pEnd) {
          const c0 = v128.load(p), c1 = v128.load(p, 16);
          let s = v128.load32_splat(xp); a00 = mac(a00, s, c0); a01 = mac(a01, s, c1);
          s = v128.load32_splat(xp, 4); a10 = mac(a10, s, c0); a11 = mac(a11, s, c1);
          s = v128.load32_splat(xp, 8); a20 = mac(a20, s, c0); a21 = mac(a21, s, c1);
          s = v128.load32_splat(xp, 12); a30 = mac(a30, s, c0); a31 = mac(a31, s, c1);
          p += 32; xp += 16;
        }
        const o = o0 + (<usize>g << 5);
        v128.store(o, a00); v128.store(o, a01, 16);
        v128.store(o + outRow, a10); v128.store(o + outRow, a11, 16);
        v128.store(o + 2 * outRow, a20); v128.store(o + 2 * outRow, a21, 16);
        v128.store(o + 3 * outRow, a30); v128.store(o + 3 * outRow, a31, 16);
      }
    }
    // the last n % 4 rows one at a time (a single query's probe is one such row: a 4-row tile
    // repeating it would do the work four times)
    for (let i = n4; i < n; i++) {
      // row i's coordinates in its quad: 16 bytes apart, from lane i & 3
      const x0 = X + <usize>n4 * rowBytes + (<usize>(i & 3) << 2);
      const o0 = out + <usize>i * outRow;
      for (let g = pb; g < pe; g++) {
        const P = panels + <usize>g * panelBytes;
        let a0 = v128.load(norms + (<usize>g << 5)), a1 = v128.load(norms + (<usize>g << 5), 16);
        let b0 = f32x4.splat(0), b1 = b0;
        let p = P, xp = x0;
        const pEnd = P + panelBytes - 32;
        // two coordinates per step into two accumulator pairs (shorter dependency chains)
        while (p < pEnd) {
          let s = v128.load32_splat(xp); a0 = mac(a0, s, v128.load(p)); a1 = mac(a1, s, v128.load(p, 16));
          s = v128.load32_splat(xp, 16); b0 = mac(b0, s, v128.load(p, 32)); b1 = mac(b1, s, v128.load(p, 48));
          p += 64; xp += 32;
        }
        if (p == pEnd) { const s = v128.load32_splat(xp); a0 = mac(a0, s, v128.load(p)); a1 = mac(a1, s, v128.load(p, 16)); }
        const o = o0 + (<usize>g << 5);
        v128.store(o, f32x4.add(a0, b0)); v128.store(o, f32x4.add(a1, b1), 16);
      }
    }
  }
}

/**
 * Writes rows [0, n) of the row-major X (d f32 each) at dst in quads, the layout `assign` and
 * `scores` read (see the top of this file); the last quad's missing rows repeat row n - 1.
 */
export function interleave(X: usize, n: i32, d: i32, dst: usize): void {
  const rowBytes = <usize>d << 2;
  for (let i = 0; i < n; i += 4) {
    const q = dst + <usize>i * rowBytes;
    const r0 = X + <usize>i * rowBytes;
    const r1 = X + <usize>min(i + 1, n - 1) * rowBytes;
    const r2 = X + <usize>min(i + 2, n - 1) * rowBytes;
    const r3 = X + <usize>min(i + 3, n - 1) * rowBytes;
    let t: usize = 0;
    // four coordinates of four rows at a time: a 4 x 4 transpose in registers
    for (; t + 16 <= rowBytes; t += 16) {
      const a = v128.load(r0 + t), b = v128.load(r1 + t), c = v128.load(r2 + t), e = v128.load(r3 + t);
      const ab0 = i32x4.shuffle(a, b, 0, 4, 1, 5), ab1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
      const ce0 = i32x4.shuffle(c, e, 0, 4, 1, 5), ce1 = i32x4.shuffle(c, e, 2, 6, 3, 7);
      const o = q + (t << 2);
      v128.store(o, i64x2.shuffle(ab0, ce0, 0, 2));
      v128.store(o, i64x2.shuffle(ab0, ce0, 1, 3), 16);
      v128.store(o, i64x2.shuffle(ab1, ce1, 0, 2), 32);
      v128.store(o, i64x2.shuffle(ab1, ce1, 1, 3), 48);
    }
    for (; t < rowBytes; t += 4) {
      const o = q + (t << 2);
      store<f32>(o, load<f32>(r0 + t)); store<f32>(o, load<f32>(r1 + t), 4);
      store<f32>(o, load<f32>(r2 + t), 8); store<f32>(o, load<f32>(r3 + t), 12);
    }
  }
}

/** Inserts score v of centre j into a row's sorted best (B, L: np slots, `filled` of them used); returns the new fill. */
@inline function insertBest(B: usize, L: usize, np: i32, filled: i32, v: f32, j: i32): i32 {
  let pos = filled < np ? filled++ : np - 1;
  while (pos > 0) {
    const u = load<f32>(B + (<usize>(pos - 1) << 2));
    if (!(v < u)) break;
    store<f32>(B + (<usize>pos << 2), u);
    store<i32>(L + (<usize>pos << 2), load<i32>(L + (<usize>(pos - 1) << 2)));
    pos--;
  }
  store<f32>(B + (<usize>pos << 2), v);
  store<i32>(L + (<usize>pos << 2), j);
  return filled;
}

/**
 * The np best (lowest) of each score row (S: n rows of kp f32, the first k of a row real), nearest
 * first, into lists (n x np i32, -1 past a row's k) and best (n x np f32): a sorted insertion that
 * takes a score only when strictly lower than the current np-th (on equal scores the lower centre
 * stays). The probe's selection after `scores`; the same loop in TypeScript cost as much as the
 * scores themselves at nprobe 32. Once np scores are held, four scores at a time are compared
 * with the np-th (one f32x4 compare and a bitmask): few pass, so a row costs about k / 4 compares
 * instead of k scalar tests and branches (2.3 us of a 10 us probe at k 1,024 before); the lanes
 * that pass are inserted in centre order, so the result is the scalar loop's.
 */
export function select(S: usize, n: i32, kp: i32, k: i32, np: i32, lists: usize, best: usize): void {
  for (let i = 0; i < n; i++) {
    const s = S + ((<usize>i * <usize>kp) << 2);
    const L = lists + ((<usize>i * <usize>np) << 2), B = best + ((<usize>i * <usize>np) << 2);
    let filled = 0;
    let j = 0;
    for (; j < k && filled < np; j++) filled = insertBest(B, L, np, filled, load<f32>(s + (<usize>j << 2)), j);
    if (filled == np) {
      let worst = load<f32>(B + (<usize>(np - 1) << 2));
      for (; j + 4 <= k; j += 4) {
        const v = v128.load(s + (<usize>j << 2));
        const m = i32x4.bitmask(f32x4.lt(v, f32x4.splat(worst)));
        if (m == 0) continue;
        for (let lane = 0; lane < 4; lane++) {
          if ((m & (1 << lane)) == 0) continue;
          const x = load<f32>(s + (<usize>(j + lane) << 2));
          if (!(x < worst)) continue;
          insertBest(B, L, np, np, x, j + lane);
          worst = load<f32>(B + (<usize>(np - 1) << 2));
        }
      }
      for (; j < k; j++) {
        const x = load<f32>(s + (<usize>j << 2));
        if (!(x < worst)) continue;
        insertBest(B, L, np, np, x, j);
        worst = load<f32>(B + (<usize>(np - 1) << 2));
      }
    }
    for (let t = filled; t < np; t++) { store<i32>(L + (<usize>t << 2), -1); store<f32>(B + (<usize>t << 2), Infinity); }
  }
}

/**
 * Scores ||c||^2 - 2 <x, c> of chosen (row, centre group) pairs: the bounded (Yinyang) Lloyd
 * step's recomputation (src/learn/kmeans-yinyang.ts). Each score is summed exactly as `assign`'s
 * tile sums it (start at ||c||^2, then acc + x[t] * (-2 c[t]) for t = 0 .. d-1 in float32, `mac`),
 * so a row's argmin over the scored centres is the one `assign` finds among them, bit for bit.
 *   X      rows, row-major (d f32 each)
 *   P      centre panels of 4: panel p = d x 4 f32 holding -2 c[t] of its 4 centres at t * 4 + l
 *   N      f32[4 * panels]: ||c||^2, +Infinity for padding slots
 *   jobs   i32 triples (row, first panel, panels): one per (row, group of consecutive panels)
 *   out    f32: 4 scores per panel, job after job
 * Up to 4 panels run side by side (independent accumulators hide the add latency).
 */
export function groupScores(X: usize, d: i32, P: usize, N: usize, jobs: usize, nJobs: i32, out: usize): void {
  const panelBytes = <usize>d << 4;
  let o = out;
  for (let j = 0; j < nJobs; j++) {
    const jb = jobs + <usize>j * 12;
    const x0 = X + <usize>load<i32>(jb) * (<usize>d << 2);
    let p = load<i32>(jb, 4);
    const pe = p + load<i32>(jb, 8);
    for (; p + 4 <= pe; p += 4) {
      let q = P + <usize>p * panelBytes;
      const nb = N + (<usize>p << 4);
      let a0 = v128.load(nb), a1 = v128.load(nb, 16), a2 = v128.load(nb, 32), a3 = v128.load(nb, 48);
      let xp = x0;
      const qEnd = q + panelBytes;
      while (q < qEnd) {
        const s = v128.load32_splat(xp);
        a0 = mac(a0, s, v128.load(q));
        a1 = mac(a1, s, v128.load(q + panelBytes));
        a2 = mac(a2, s, v128.load(q + 2 * panelBytes));
        a3 = mac(a3, s, v128.load(q + 3 * panelBytes));
        q += 16; xp += 4;
      }
      v128.store(o, a0); v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48);
      o += 64;
    }
    for (; p + 2 <= pe; p += 2) {
      let q = P + <usize>p * panelBytes;
      const nb = N + (<usize>p << 4);
      let a0 = v128.load(nb), a1 = v128.load(nb, 16);
      let xp = x0;
      const qEnd = q + panelBytes;
      while (q < qEnd) {
        const s = v128.load32_splat(xp);
        a0 = mac(a0, s, v128.load(q));
        a1 = mac(a1, s, v128.load(q + panelBytes));
        q += 16; xp += 4;
      }
      v128.store(o, a0); v128.store(o, a1, 16);
      o += 32;
    }
    if (p < pe) {
      let q = P + <usize>p * panelBytes;
      let a0 = v128.load(N + (<usize>p << 4));
      let xp = x0;
      const qEnd = q + panelBytes;
      while (q < qEnd) {
        a0 = mac(a0, v128.load32_splat(xp), v128.load(q));
        q += 16; xp += 4;
      }
      v128.store(o, a0);
      o += 16;
    }
  }
}

/**
 * Per score row (S: n rows of kp f32, the first k real, as `scores` writes them): the argmin
 * (ties to the lower centre, `assign`'s rule) into labels (i32) and its score into best (f32), and
 * per group g of the centres (groupOf: i32[k]) the lowest score of its centres other than the
 * argmin into gmins (n x G f32, +Infinity for none): the Yinyang first pass's bounds. One sweep
 * takes every group's minimum; the argmin's group alone is swept again without it, through
 * its members (slots: i32 centre per slot, -1 padding; groupSlot: i32[G + 1] first slot of each).
 */
export function groupMins(S: usize, n: i32, kp: i32, k: i32, groupOf: usize, G: i32, slots: usize, groupSlot: usize, labels: usize, best: usize, gmins: usize): void {
  for (let i = 0; i < n; i++) {
    const s = S + ((<usize>i * <usize>kp) << 2);
    const gm = gmins + ((<usize>i * <usize>G) << 2);
    for (let g = 0; g < G; g++) store<f32>(gm + (<usize>g << 2), Infinity);
    let bv: f32 = Infinity, b = 0;
    for (let j = 0; j < k; j++) {
      const v = load<f32>(s + (<usize>j << 2));
      const p = gm + (<usize>load<i32>(groupOf + (<usize>j << 2)) << 2);
      if (v < load<f32>(p)) store<f32>(p, v);
      if (v < bv) { bv = v; b = j; }
    }
    store<i32>(labels + (<usize>i << 2), b);
    store<f32>(best + (<usize>i << 2), bv);
    const gb = load<i32>(groupOf + (<usize>b << 2));
    let m: f32 = Infinity;
    const se = load<i32>(groupSlot + (<usize>(gb + 1) << 2));
    for (let q = load<i32>(groupSlot + (<usize>gb << 2)); q < se; q++) {
      const id = load<i32>(slots + (<usize>q << 2));
      if (id < 0 || id == b) continue;
      const v = load<f32>(s + (<usize>id << 2));
      if (v < m) m = v;
    }
    store<f32>(gm + (<usize>gb << 2), m);
  }
}
