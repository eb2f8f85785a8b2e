import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnnkitError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/rng.js';
import { createIndex } from '../../src/index/api.js';
import { loadIndex, saveIndex } from '../../src/index/persist.js';
import type { ManagedIndex } from '../../src/index/managed-index.js';
import type { VectorIndex } from '../../src/index/types.js';
import type { DiskannCore } from '../../src/index/diskann/core.js';
import type { ReadDone, SectorSource } from '../../src/index/diskann/sectors.js';
import { recall } from '../helpers/recall.js';
import { subspaceClusters } from '../helpers/data.js';

// 20 clusters on 8-d subspaces of R^64 with 8-byte codes: PQ ranks poorly inside a cluster, so
// the walk's choices matter and small L leaves recall well below 1 (room for a broken walk to show)
const all = subspaceClusters(5200, 64, 8, 20, 5);
const X = { kind: 'dense' as const, data: all.subarray(0, 5000 * 64), rows: 5000, cols: 64 };
const Q = { kind: 'dense' as const, data: all.slice(5000 * 64), rows: 200, cols: 64 };
const truth = createIndex('brute', X).search(Q, 10);
const idx = createIndex('diskann', X, { R: 24, L: 40, cacheNodes: 50, pqBytes: 8 });
const core = (i: VectorIndex) => (i as ManagedIndex).core as DiskannCore;

/**
 * A sector source that answers reads out of order: each read lands on a later macrotask, and
 * the read that lands is drawn at random among those in flight (a disk's completions are in
 * no particular order). It records how many reads were in flight when each read was issued.
 */
class Shuffled implements SectorSource {
  readonly resident = true;
  inFlight = 0;
  maxInFlight = 0;
  /** atIssue[c] = reads issued while c others were in flight. */
  readonly atIssue: number[] = [];
  failAfter = Infinity;
  private readonly queue: { dest: Uint8Array; sector: number; done: ReadDone }[] = [];
  constructor(private readonly inner: SectorSource, private readonly rng: Rng) {}
  get bytes(): number { return this.inner.bytes; }
  readSync(dest: Uint8Array, sector: number): void { this.inner.readSync(dest, sector); }
  readInto(dest: Uint8Array, sector: number, done: ReadDone): void {
    this.atIssue[this.inFlight] = (this.atIssue[this.inFlight] ?? 0) + 1;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.queue.push({ dest, sector, done });
    setImmediate(() => {
      const r = this.queue.splice(this.rng.int(this.queue.length), 1)[0];
      this.inFlight--;
      if (--this.failAfter < 0) { r.done(new KnnkitError('index', 'index: reading the test source: injected failure')); return; }
      this.inner.readSync(r.dest, r.sector);
      r.done(null);
    });
  }
  read(): Promise<void> { throw new Error('unused'); }
  whole(): Uint8Array { return this.inner.whole(); }
  close(): void {}
}

/** Swaps the index's sector source for a Shuffled one over it; returns it and the restore. */
function shuffle(i: VectorIndex, seed: number): { src: Shuffled; restore: () => void } {
  const st = core(i).state!, inner = st.source, src = new Shuffled(inner, new Rng(seed));
  st.source = src;
  return { src, restore: () => { st.source = inner; } };
}

/** Per query, the nodes read by `a` that `b` did not read. */
function wasted(a: Int32Array[], b: Int32Array[]): number[] {
  return a.map((r, q) => { const s = new Set(b[q]); return r.filter((v) => !s.has(v)).length; });
}

test('diskann pipelined: W = 1 walks exactly as the rounds do (same answers, same reads in the same order), in memory and from the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-pipe-'));
  try {
    const path = join(dir, 'p.knnkit');
    await saveIndex(idx, path);
    for (const ix of [idx, await loadIndex(path)]) {
      const c = core(ix);
      c.traceReads = true;
      for (const L of [10, 40]) {
        const a = ix.search(Q, 10, { L, beamWidth: 1 }), ra = c.lastSearchStats().readNodes!;
        const b = await ix.searchAsync(Q, 10, { L, beamWidth: 1, threads: 3 }), rb = c.lastSearchStats().readNodes!;
        assert.deepEqual(Array.from(b.ids), Array.from(a.ids));
        assert.deepEqual(Array.from(b.distances), Array.from(a.distances));
        for (let q = 0; q < Q.rows; q++) assert.deepEqual(Array.from(rb[q]), Array.from(ra[q]), `query ${q} at L ${L}`);
        // pipelined hops = the chain of dependent reads: with one read in flight, every read
        assert.deepEqual(Array.from(c.lastSearchStats().hops), ra.map((r) => r.length));
      }
      c.traceReads = false;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diskann pipelined: reads landing out of order keep W in flight, refill at once, read no node twice, and find what the rounds find', async () => {
  const c = core(idx);
  c.traceReads = true;
  try {
    for (const W of [4, 8]) {
      for (const L of [20, 40]) {
        const a = idx.search(Q, 10, { L, beamWidth: W }), sa = c.lastSearchStats(), ra = sa.readNodes!;
        const { src, restore } = shuffle(idx, 7 * W + L);
        let b;
        try { b = await idx.searchAsync(Q, 10, { L, beamWidth: W, threads: 1 }); } finally { restore(); }
        const sb = c.lastSearchStats(), rb = sb.readNodes!;
        const recA = recall(a, truth), recB = recall(b, truth);
        // the same quality where L >= 5 W (the served settings: L 85-100, W 4-8). With W 8 at
        // L 12-20 and reads landing at random, the pipelined walk finds 0.01-0.02 less: picks
        // made while 7 of ℒ's 20 entries are still unread are worse than a whole beam's
        if (L >= 5 * W) assert.ok(recB >= recA - 0.001, `W ${W} L ${L}: pipelined recall ${recB} < rounds ${recA}`);
        else assert.ok(recB >= recA - 0.03, `W ${W} L ${L}: pipelined recall ${recB} far below rounds ${recA}`);
        assert.ok(src.maxInFlight <= W, `${src.maxInFlight} reads in flight with W ${W}`);
        // a completion refills its slot at once: nearly every read after a query's first W is
        // issued while W - 1 others are still in flight (rounds issue at 0, 1, ..., W - 1)
        const issued = src.atIssue.reduce((x, y) => x + (y ?? 0), 0);
        const refills = src.atIssue[W - 1] ?? 0;
        assert.ok(refills > 0.6 * issued, `W ${W} L ${L}: ${refills} of ${issued} reads issued with ${W - 1} in flight (${JSON.stringify(src.atIssue)})`);
        let readsA = 0, readsB = 0;
        for (let q = 0; q < Q.rows; q++) {
          assert.equal(new Set(rb[q]).size, rb[q].length, `query ${q}: a node read twice`);
          assert.equal(sb.reads[q], rb[q].length);
          assert.ok(sb.hops[q] <= rb[q].length && sb.hops[q] >= Math.ceil(rb[q].length / W), `query ${q}: depth ${sb.hops[q]} for ${rb[q].length} reads at W ${W}`);
          readsA += ra[q].length; readsB += rb[q].length;
        }
        // bounded: the speculative (wasted) reads are a fraction of the rounds' reads
        const waste = wasted(rb, ra).reduce((x, y) => x + y, 0);
        assert.ok(readsB <= 1.3 * readsA && waste <= 0.3 * readsA, `W ${W} L ${L}: ${readsB} reads pipelined, ${readsA} in rounds, ${waste} wasted`);
      }
    }
  } finally {
    c.traceReads = false;
  }
});

test('diskann pipelined: filters and removed ids are walked through, never returned', async () => {
  const ix = createIndex('diskann', X, { R: 24, L: 40, cacheNodes: 50, pqBytes: 8 });
  const allowed = new Set(Array.from({ length: 5000 }, (_, i) => i).filter((i) => i % 3 === 0));
  const { restore } = shuffle(ix, 3);
  try {
    const r = await ix.searchAsync(Q, 10, { filter: allowed, beamWidth: 4, threads: 2 });
    for (const id of r.ids) assert.ok(id === -1 || allowed.has(id), `id ${id} is not allowed`);
    const ref = createIndex('brute', X).search(Q, 10, { filter: allowed });
    assert.ok(recall(r, ref) >= 0.85, `filtered recall ${recall(r, ref)}`);
    ix.remove(Array.from({ length: 2500 }, (_, i) => 2 * i + 1));
    const live = await ix.searchAsync(Q, 10, { beamWidth: 8, threads: 3 });
    for (const id of live.ids) assert.ok(id === -1 || id % 2 === 0, `removed id ${id} returned`);
  } finally {
    restore();
  }
});

test('diskann pipelined: a failed read rejects the search with its error; the index serves the next search', async () => {
  const ix = createIndex('diskann', X, { R: 24, L: 40, cacheNodes: 50, pqBytes: 8 });
  const { src, restore } = shuffle(ix, 11);
  try {
    src.failAfter = 300;
    await assert.rejects(ix.searchAsync(Q, 10, { beamWidth: 4, threads: 2 }), (e: unknown) => e instanceof KnnkitError && /injected failure/.test(e.message));
    src.failAfter = Infinity;
    const again = await ix.searchAsync(Q, 10, { L: 40, beamWidth: 4, threads: 2 });
    assert.ok(recall(again, truth) >= 0.95, `recall ${recall(again, truth)} after a failed search`);
  } finally {
    restore();
  }
});

test('diskann visited set: each node added once, growth keeps every key, clear empties it', async () => {
  const { VisitedSet } = await import('../../src/index/diskann/visited.js');
  const v = new VisitedSet(16);
  const rng = new Rng(5), keys = new Set<number>();
  for (let i = 0; i < 20000; i++) {
    const u = rng.int(2_000_000);
    assert.equal(v.add(u), !keys.has(u), `key ${u}`);
    keys.add(u);
  }
  for (const u of keys) assert.equal(v.add(u), false);
  assert.ok(v.bytes >= 2 * keys.size * 4);
  v.clear();
  assert.equal(v.add(0), true);
  assert.equal(v.add(0), false);
  for (const u of [...keys].slice(0, 100)) assert.equal(v.add(u), true);
});
