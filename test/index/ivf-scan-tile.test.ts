import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IvfKernels } from '../../src/index/ivf/kernels.js';
import { Rng } from '../../src/core/rng.js';

// The ivf-flat list scan's register tile (assembly/ivf.ts scanList: 2 queries x 4 rows, the L2
// pre-selection by A - 2 <q, x> with the direct-form distance recomputed) against the
// query-after-query scan (scanL2 / scanIp: one (query, row) pair at a time), at the kernel
// level so that every remainder is reached: 1-7 queries per list, rows not a multiple of 4,
// d not a multiple of 4 or 16, with and without a mask, two lists in a row per query (the
// threshold carried from one list to the next), k below and above the allowed rows.

const K = IvfKernels.create();

interface Case { d: number; rows: number[]; nqs: number; k: number; masked: boolean; ip: boolean; offset: number; sphere?: boolean }

function run(c: Case, seed: number): void {
  const ex = K!.ex, rng = new Rng(seed), B = 8, { d, k } = c;
  const nLab = c.rows.reduce((a, b) => a + b, 0) + 1;
  const lists = c.rows.map((n, li) => ({ n, name: `c${li}`, lab: `l${li}` }));
  for (const L of lists) { K!.reserve(L.name, Math.max(16, L.n * d * 4)); K!.reserve(L.lab, Math.max(16, L.n * 4)); }
  const maxN = Math.max(...c.rows);
  for (const [name, bytes] of [['Q', B * d * 4], ['qs', 32], ['hd', B * k * 4], ['hi', B * k * 4], ['cnt', B * 4], ['norms', nLab * 4],
    ['qn', B * 8], ['thr', B * 4], ['rows', (maxN + 4) * 12], ['mask', nLab], ['rhd', k * 4], ['rhi', k * 4]] as [string, number][]) K!.reserve(name, bytes);
  const o = (s: string) => K!.offset(s);
  // rows far from the origin (offset): the L2 key's error is relative to ||x||^2, the distances are not
  const Q = K!.f32('Q', B * d);
  for (let i = 0; i < Q.length; i++) Q[i] = c.offset + rng.normal();
  // sphere: every query at the same centre, every row at a distance from it growing by 1e-6
  // relative per row: near-ties far below the key's float32 error (||x||^2 / D ~ 1e6 here)
  if (c.sphere) for (let i = d; i < Q.length; i++) Q[i] = Q[i % d];
  let label = 1;
  for (const L of lists) {
    const X = K!.f32(L.name, L.n * d);
    for (let i = 0; i < X.length; i++) X[i] = c.offset + rng.normal();
    if (c.sphere) {
      for (let p = 0; p < L.n; p++) {
        let nn = 0;
        for (let t = 0; t < d; t++) { const u = rng.normal(); X[p * d + t] = u; nn += u * u; }
        const r = (1 + 1e-6 * ((label + p) % 11)) / Math.sqrt(nn);
        for (let t = 0; t < d; t++) X[p * d + t] = Q[t] + X[p * d + t] * r;
      }
    }
    // a few exact duplicates: equal distances, ranked by label
    if (L.n > 3) X.copyWithin(2 * d, 0, d);
    const lb = new Int32Array(K!.buffer, o(L.lab), L.n);
    for (let p = 0; p < L.n; p++) lb[p] = label++;
    ex.rowNorms(o(L.name), o(L.lab), L.n, d, o('norms'));
  }
  const mask = K!.u8('mask', nLab);
  for (let l = 0; l < nLab; l++) mask[l] = c.masked ? (l % 3 !== 1 ? 1 : 0) : 1;
  const maskOff = c.masked ? o('mask') : 0;
  // nqs of the B queries, ascending (as the host groups them)
  const qs = new Int32Array(K!.buffer, o('qs'), B);
  const pick = Array.from({ length: B }, (_, i) => i).sort(() => rng.random() - 0.5).slice(0, c.nqs).sort((a, b) => a - b);
  qs.set(pick);
  new Int32Array(K!.buffer, o('cnt'), B).fill(0);
  K!.f32('thr', B).fill(Infinity);
  ex.queryNorms(o('Q'), d, B, o('qn'));
  for (const L of lists) ex.scanList(o('Q'), d, o('qs'), c.nqs, o(L.name), o(L.lab), L.n, maskOff, o('hd'), o('hi'), o('cnt'), k, c.ip ? 1 : 0, o('norms'), o('qn'), o('thr'), o('rows'));
  const cnt = new Int32Array(K!.buffer, o('cnt'), B);
  for (const q of pick) {
    const gi = new Int32Array(k), gd = new Float64Array(k), wi = new Int32Array(k), wd = new Float64Array(k);
    const gn = K!.drainAt(o('hd') + q * k * 4, o('hi') + q * k * 4, cnt[q], gi, gd);
    ex.heapReset(o('rhd'), o('rhi'), k);
    for (const L of lists) (c.ip ? ex.scanIp : ex.scanL2)(o('Q') + q * d * 4, d, o(L.name), o(L.lab), L.n, maskOff);
    const wn = K!.drainAt(o('rhd'), o('rhi'), ex.heapCount(), wi, wd);
    const what = `${JSON.stringify(c)} query ${q}`;
    assert.equal(gn, wn, `${what}: ${gn} vs ${wn} neighbours`);
    // L2: the direct-form distances themselves, so the same ids and distances bit for bit
    if (!c.ip) {
      assert.deepEqual([...gi.subarray(0, gn)], [...wi.subarray(0, wn)], `${what}: ids`);
      assert.deepEqual([...gd.subarray(0, gn)], [...wd.subarray(0, wn)], `${what}: distances`);
    }
    for (let t = 0; t < gn; t++) {
      if (c.masked) assert.equal(gi[t] % 3 !== 1, true, `${what}: label ${gi[t]} is masked`);
      // ip: the same dot products summed in another order: distances within 1e-6 relative, and the
      // same id at every rank but where two candidates' distances are that close (near-ties)
      const tol = 1e-6 * Math.max(1, Math.abs(wd[t]));
      assert.ok(Math.abs(gd[t] - wd[t]) <= tol, `${what}: distance ${t}: ${gd[t]} vs ${wd[t]}`);
      if (gi[t] !== wi[t]) {
        const near = wi.subarray(0, wn).findIndex((l, u) => l === gi[t] && Math.abs(wd[u] - wd[t]) <= 2 * tol) >= 0 || (t === gn - 1);
        assert.ok(near, `${what}: rank ${t}: id ${gi[t]} vs ${wi[t]} (${gd[t]} vs ${wd[t]})`);
      }
    }
  }
}

test('ivf-flat list scan: the 2 x 4 register tile returns the per-query scan\'s neighbours and distances (L2 exactly, ip within 1e-6), every remainder, with and without a mask', { skip: K ? false : 'WebAssembly SIMD unavailable' }, () => {
  let seed = 1;
  for (const ip of [false, true]) {
    for (const d of [1, 3, 4, 7, 16, 19, 36, 128]) {
      for (const nqs of [1, 2, 3, 4, 5, 6, 7]) {
        for (const masked of [false, true]) {
          run({ d, rows: [37, 13], nqs, k: 5, masked, ip, offset: 20 }, seed++);
          run({ d, rows: [1, 3, 4, 5, 9], nqs, k: 3, masked, ip, offset: 0 }, seed++);
          run({ d, rows: [6, 2], nqs, k: 12, masked, ip, offset: 3 }, seed++);
          if (!ip) run({ d, rows: [23, 17], nqs, k: 4, masked, ip, offset: 1000, sphere: true }, seed++);
        }
      }
    }
  }
});
