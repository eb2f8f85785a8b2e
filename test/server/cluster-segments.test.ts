// Segments of a cluster shard (issue 18), in process (no NATS): growing and sealed segments cut
// at seal marks, tombstones hiding older copies, payload changes of sealed points, the segments
// encoded and loaded again (a node restart), and compaction: after every step search, retrieve,
// count and scroll equal an exact oracle (a Map of the live points and one brute-force index).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIndex } from '../../src/index/api.js';
import { Collection } from '../../src/server/collection.js';
import { ShardState } from '../../src/server/cluster/shard.js';
import { decodeChange, encodeChange, type Change } from '../../src/server/cluster/codec.js';
import { decodeSegment, encodeSegment, segmentChecksum, type SegmentData } from '../../src/server/cluster/segment.js';
import { compactRun, deadRun, mergeSegments } from '../../src/server/cluster/compaction.js';
import { mergeOffThread } from '../../src/server/cluster/compaction-worker.js';
import { compileFilter } from '../../src/server/filter.js';
import { randomRows } from './cluster-helpers.js';

const DIM = 6;
const make = () => Collection.makeIndex({ family: 'brute', familyOptions: {}, size: DIM, distance: 'Euclid' } as never);
const rec = (c: Change) => decodeChange(encodeChange(c), 't'); // through the stream's bytes

/** Live points: key -> vector and payload. */
type Oracle = Map<string, { v: number[]; p: Record<string, unknown> }>;

function check(s: ShardState, o: Oracle, queries: number[][], what: string): void {
  assert.equal(s.size, o.size, `${what}: count`);
  const keys = [...o.keys()].sort((a, b) => Number(a) - Number(b));
  assert.deepEqual(s.orderedKeys(), keys, `${what}: scroll order`);
  assert.deepEqual(s.scroll(keys[3] ?? null, 5, null), keys.slice(3, 8), `${what}: scroll page`);
  for (const k of keys) {
    const got = s.get(k);
    assert.ok(got, `${what}: point ${k} retrieved`);
    assert.deepEqual(Array.from(got.vector), Array.from(Float32Array.from(o.get(k)!.v)), `${what}: vector of ${k}`);
    assert.deepEqual(got.payload, o.get(k)!.p, `${what}: payload of ${k}`);
  }
  for (let k = 0; k < 400; k++) if (!o.has(String(k))) assert.equal(s.get(String(k)), null, `${what}: deleted point ${k} not retrieved`);
  const even = compileFilter({ must: [{ key: 'even', match: { value: true } }] });
  assert.equal(s.count(even), [...o.values()].filter((x) => x.p.even === true).length, `${what}: filtered count`);
  const truth = createIndex('brute', keys.map((k) => o.get(k)!.v), { metric: 'euclidean' });
  for (const q of queries) {
    const want = Array.from(truth.search([q], 10).ids).map((i) => keys[i]);
    assert.deepEqual(s.search(Float32Array.from(q), 10, {}, (d) => d).map((h) => h.key), want, `${what}: search`);
    // Qdrant's params (hnsw_ef, exact) reach brute-force segments too: ignored, not an error
    assert.deepEqual(s.search(Float32Array.from(q), 10, { ef: 8, exact: true }, (d) => d).map((h) => h.key), want, `${what}: search with params`);
    const wantEven = keys.filter((k) => o.get(k)!.p.even === true);
    const te = createIndex('brute', wantEven.map((k) => o.get(k)!.v), { metric: 'euclidean' });
    assert.deepEqual(s.search(Float32Array.from(q), 5, {}, (d) => d, even).map((h) => h.key), Array.from(te.search([q], 5).ids).map((i) => wantEven[i]), `${what}: filtered search`);
  }
}

/** What a node loading the manifest would get: the sealed segments through their bytes. */
function persisted(s: ShardState): SegmentData[] {
  return s.sealed.map((g) => { const b = encodeSegment(g.data('c', 0)); return decodeSegment(b, `seg ${g.to}`, segmentChecksum(b)); });
}

test('shard segments: deletes, overwrites and payload changes after sealing hide older copies, across a reload and compaction', () => {
  const s = new ShardState(0, make, DIM);
  const o: Oracle = new Map();
  const queries = randomRows(6, DIM, 9);
  let seq = 0, vs = 100;
  const log: [Change, number][] = [];
  const apply = (c: Change, q: number) => { log.push([c, q]); s.apply(c, q); };
  let rnd = 12345;
  const r = (n: number) => { rnd = (rnd * 1103515245 + 12345) % 2147483648; return rnd % n; };
  const upsert = (ks: number[]) => {
    const rows = randomRows(ks.length, DIM, vs++);
    apply(rec({ op: 'upsert', keys: ks.map(String), payloads: ks.map((k) => ({ k, even: k % 2 === 0, v: vs })), vectors: Float32Array.from(rows.flat()) }), ++seq);
    ks.forEach((k, i) => o.set(String(k), { v: rows[i], p: { k, even: k % 2 === 0, v: vs } }));
  };
  const del = (ks: number[]) => { apply(rec({ op: 'delete', keys: ks.map(String) }), ++seq); ks.forEach((k) => o.delete(String(k))); };
  const mark = () => apply(rec({ op: 'seal' }), ++seq);
  upsert(Array.from({ length: 120 }, (_, i) => i));
  mark();
  assert.equal(s.sealed.length, 1);
  // deleted and overwritten after sealing: the sealed copies are hidden, never shown again
  del([3, 4, 5]);
  upsert([6, 7, 200]);
  apply(rec({ op: 'set_payload', payload: { tag: 'x' }, path: null, keys: ['8', '9'] }), ++seq); // points of the sealed segment move to the growing one
  for (const k of ['8', '9']) o.get(k)!.p = { ...o.get(k)!.p, tag: 'x' };
  apply(rec({ op: 'delete', filter: { must: [{ key: 'k', range: { gte: 100, lt: 110 } }] } }), ++seq);
  for (let k = 100; k < 110; k++) o.delete(String(k));
  check(s, o, queries, 'after the first seal');
  mark();
  assert.equal(s.sealed.length, 2);
  mark(); // nothing changed: no empty segment
  assert.equal(s.sealed.length, 2);
  for (let round = 0; round < 6; round++) {
    upsert(Array.from({ length: 30 }, () => 130 + r(130)).filter((k, i, a) => a.indexOf(k) === i));
    del(Array.from({ length: 8 }, () => r(260)).filter((k, i, a) => a.indexOf(k) === i));
    upsert([3]); del([3]); // deleted again in the same segment: a tombstone, no copy
    mark();
  }
  const liveAtSeal = o.size;
  del([0, 1, 2]); // in the growing segment only (tombstones not sealed yet)
  check(s, o, queries, 'after 8 seals');

  // a node restart: the sealed segments from their bytes, then the records after them replayed
  const replay = (segs: SegmentData[]) => {
    const t = new ShardState(0, make, DIM);
    t.loadSegments(segs, segs[segs.length - 1].to);
    for (const [c, q] of log) t.apply(c, q);
    return t;
  };
  const segs = persisted(s);
  check(replay(segs), o, queries, 'reloaded');

  // compaction: the newest small run, then everything; results equal the oracle, dropped points really gone
  const entries = segs.map((d) => ({ points: d.payloads.size, tombstones: d.tombstones.size }));
  assert.deepEqual(compactRun(entries, 5, 40), [1, entries.length - 1], 'the run of small segments after the first (120-point) one');
  assert.equal(compactRun(entries, 10, 40), null);
  assert.deepEqual(compactRun(entries, 4, 1000), [0, entries.length - 1], 'all once there are 2k');
  // a segment mostly hidden by newer ones is rewritten alone: its dead copies go, its tombstones stay
  assert.equal(deadRun([segs[0]], 0.01), null, 'nothing newer hides anything');
  const [x] = deadRun(segs, 0.1)!;
  assert.equal(x, 0, 'segment 0 lost its deleted, overwritten and moved points');
  const alone = mergeSegments(segs, 0, 0, make)!;
  assert.ok(alone.payloads.size < segs[0].payloads.size && alone.tombstones.size === 0);
  check(replay([alone, ...segs.slice(1)]), o, queries, 'after rewriting segment 0 alone');
  const suffix = mergeSegments(segs, 1, segs.length - 1, make)!;
  const afterSuffix = [segs[0], suffix];
  check(replay(afterSuffix), o, queries, 'after compacting segments 1..last');
  const sumPoints = segs.slice(1).reduce((n, d) => n + d.payloads.size, 0);
  assert.ok(suffix.payloads.size < sumPoints, 'overwritten copies dropped');
  for (const k of suffix.tombstones.keys()) assert.ok(segs[0].keys.get(k) !== undefined, `tombstone ${k} kept only where it hides a copy in segment 0`);
  assert.ok(suffix.tombstones.has('4'), 'the delete of a point of segment 0 survives compaction');
  const all = mergeSegments(afterSuffix, 0, 1, make)!;
  assert.equal(all.tombstones.size, 0, 'a full compaction keeps no tombstone');
  assert.equal(all.payloads.size, liveAtSeal, 'one copy per point live at the last seal');
  check(replay([all]), o, queries, 'after a full compaction');
  // the compacting node swaps its own segments in memory and answers the same
  assert.equal(s.replaceSealed(segs[1].from, segs[segs.length - 1].to, suffix), true);
  assert.equal(s.sealed.length, 2);
  check(s, o, queries, 'compacted in memory');
  assert.equal(s.replaceSealed(segs[0].from, segs[segs.length - 1].to, all), true);
  check(s, o, queries, 'fully compacted in memory');
});

test('segment bytes: a flipped byte or another checksum is refused', () => {
  const s = new ShardState(1, make, DIM);
  const rows = randomRows(20, DIM, 5);
  s.apply(rec({ op: 'upsert', keys: rows.map((_, i) => String(i)), payloads: rows.map((_, i) => ({ i })), vectors: Float32Array.from(rows.flat()) }), 1);
  s.apply(rec({ op: 'delete', keys: ['3'] }), 2);
  s.apply(rec({ op: 'seal' }), 3);
  const bytes = encodeSegment(s.sealed[0].data('x', 1));
  const back = decodeSegment(bytes, 'seg', segmentChecksum(bytes));
  assert.deepEqual([back.from, back.to, back.payloads.size, [...back.tombstones]], [1, 3, 19, [['3', 2]]]);
  const bad = bytes.slice();
  bad[100] ^= 1;
  assert.throws(() => decodeSegment(bad, 'seg'), /checksum mismatch/);
  assert.throws(() => decodeSegment(bytes, 'seg', '00'.repeat(32)), /the manifest says/);
  assert.throws(() => decodeSegment(bytes.subarray(0, 10), 'seg'), /not a knnkit segment/);
});

test('HNSW segments: points hidden after sealing are filtered inside the graph search; recall@10 against brute force, before and after a reload and a compaction on a worker thread', async () => {
  const D = 16;
  const makeH = () => Collection.makeIndex({ family: 'hnsw', familyOptions: {}, size: D, distance: 'Euclid' } as never);
  const s = new ShardState(0, makeH, D);
  const o = new Map<string, number[]>();
  let seq = 0;
  const log: [Change, number][] = [];
  const apply = (c: Change) => { const r = rec(c); log.push([r, ++seq]); s.apply(r, seq); };
  for (let b = 0; b < 4; b++) {
    const rows = randomRows(500, D, 200 + b);
    apply({ op: 'upsert', keys: rows.map((_, i) => String(b * 500 + i)), payloads: rows.map(() => ({})), vectors: Float32Array.from(rows.flat()) });
    rows.forEach((v, i) => o.set(String(b * 500 + i), v));
    apply({ op: 'seal' });
  }
  // 30 % of the sealed points hidden: every 10th..: deleted, or overwritten with new vectors
  const del = [...o.keys()].filter((k) => Number(k) % 10 < 2);
  apply({ op: 'delete', keys: del });
  del.forEach((k) => o.delete(k));
  const over = [...o.keys()].filter((k) => Number(k) % 10 === 2);
  const nv = randomRows(over.length, D, 300);
  apply({ op: 'upsert', keys: over, payloads: over.map(() => ({})), vectors: Float32Array.from(nv.flat()) });
  over.forEach((k, i) => o.set(k, nv[i]));
  const keys = [...o.keys()];
  const truth = createIndex('brute', keys.map((k) => o.get(k)!), { metric: 'euclidean' });
  const recall = (t: ShardState) => {
    let hit = 0;
    const qs = randomRows(50, D, 301);
    for (const q of qs) {
      const want = new Set(Array.from(truth.search([q], 10).ids).map((i) => keys[i]));
      const got = t.search(Float32Array.from(q), 10, { ef: 64 }, (d) => d);
      for (const h of got) { assert.ok(o.has(h.key), `hidden point ${h.key} returned`); if (want.has(h.key)) hit++; }
    }
    return hit / (qs.length * 10);
  };
  // params.exact: brute force's neighbours from the HNSW segments (hidden points excluded, a
  // filter honoured), where the graph at ef 10 misses some
  const even = compileFilter({ must: [{ has_id: keys.filter((k) => Number(k) % 2 === 0).map(Number) }] });
  const evenKeys = keys.filter((k) => Number(k) % 2 === 0);
  const truthEven = createIndex('brute', evenKeys.map((k) => o.get(k)!), { metric: 'euclidean' });
  const exactCheck = (t: ShardState, what: string) => {
    let approxMiss = 0;
    for (const q of randomRows(20, D, 302)) {
      const want = Array.from(truth.search([q], 10).ids).map((i) => keys[i]);
      const got = t.search(Float32Array.from(q), 10, { ef: 10, exact: true }, (d) => d).map((h) => h.key);
      assert.deepEqual(got, want, `${what}: exact search`);
      const approx = t.search(Float32Array.from(q), 10, { ef: 10 }, (d) => d).map((h) => h.key);
      approxMiss += approx.filter((k) => !want.includes(k)).length;
      assert.deepEqual(t.search(Float32Array.from(q), 5, { exact: true }, (d) => d, even).map((h) => h.key), Array.from(truthEven.search([q], 5).ids).map((i) => evenKeys[i]), `${what}: exact filtered search`);
    }
    return approxMiss;
  };
  const miss = exactCheck(s, 'in memory');
  process.stderr.write(`cluster-segments: HNSW at ef 10 missed ${miss} of 200 true neighbours; params.exact missed none\n`);
  const r1 = recall(s);
  apply({ op: 'seal' });
  const segs = s.sealed.map((g) => { const b = encodeSegment(g.data('c', 0)); return decodeSegment(b, 'seg', segmentChecksum(b)); });
  const t = new ShardState(0, makeH, D);
  t.loadSegments(segs, seq);
  const r2 = recall(t);
  exactCheck(t, 'reloaded');
  process.stderr.write(`cluster-segments: HNSW 4 x 500 sealed + 30 % hidden, recall@10 ${r1.toFixed(3)} in memory, ${r2.toFixed(3)} reloaded (view)\n`);
  assert.ok(r1 >= 0.9 && r2 >= 0.9, `recall ${r1}, ${r2}`);
  assert.equal(t.size, o.size);
  // a full compaction merged and built on a worker thread (as nodes do): the same points as the
  // in-thread merge, no hidden point, recall kept; the event loop's longest stall is reported
  let stall = 0, last = performance.now();
  const tick = setInterval(() => { const now = performance.now(); stall = Math.max(stall, now - last); last = now; }, 5);
  const t0 = performance.now();
  const off = await mergeOffThread(segs, 0, segs.length - 1, { family: 'hnsw', familyOptions: {}, size: D, distance: 'Euclid' });
  const tWorker = performance.now() - t0;
  clearInterval(tick);
  const t1 = performance.now();
  const inThread = mergeSegments(segs, 0, segs.length - 1, makeH)!;
  const tThread = performance.now() - t1;
  assert.ok(off);
  assert.equal(segmentChecksum(off.bytes), off.bytes.length ? segmentChecksum(encodeSegment(off.data)) : '', 'the bytes are the merged segment');
  assert.deepEqual([...off.data.payloads.keys()].map((id) => off.data.keys.keyOf(id)).sort(), [...inThread.payloads.keys()].map((id) => inThread.keys.keyOf(id)).sort());
  assert.equal(off.data.tombstones.size, 0);
  const u = new ShardState(0, makeH, D);
  u.loadSegments([off.data], seq);
  assert.equal(u.size, o.size);
  const r3 = recall(u);
  process.stderr.write(`cluster-segments: full compaction of ${segs.length} HNSW segments on a worker ${tWorker.toFixed(0)} ms (longest event-loop stall ${stall.toFixed(0)} ms), in thread ${tThread.toFixed(0)} ms; recall@10 ${r3.toFixed(3)}\n`);
  assert.ok(r3 >= 0.9, `recall after the worker's compaction ${r3}`);
});
