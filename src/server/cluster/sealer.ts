import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { decodeSegment, encodeSegment, segmentChecksum, type SegmentData } from './segment.js';
import { compactRun, deadRun, mergeSegments } from './compaction.js';
import { mergeOffThread } from './compaction-worker.js';
import type { MergeTask } from './compaction-task.js';
import type { Segment, ShardState } from './shard.js';

/** One segment named by a manifest. */
export interface SegmentEntry {
  /** Object name in the segments store: `<collection>.<incarnation>.<shard>.<to>` (compacted: `...<to>.c<from>.<time>`). */
  name: string;
  from: number;
  to: number;
  sha256: string;
  bytes: number;
  points: number;
  tombstones: number;
}

/** A shard's manifest in the metadata bucket (`manifests.<collection>.<shard>`). */
export interface Manifest {
  /**
   * The collection's incarnation (its creation time as digits): a collection deleted and created
   * again under the same name must never load the old one's segments (a sealer that was
   * mid-seal during the deletion may still write a manifest after it).
   */
  incarnation: string;
  /** Last stream sequence the segments cover (the last one's `to`); the stream is purged up to it. */
  seq: number;
  /** The shard's sealed segments, oldest first, covering consecutive stream ranges. */
  segments: SegmentEntry[];
  node: string;
  at: string;
}

export interface SealOptions {
  /** Seal a shard's growing segment once this many points changed in it (default 100,000). */
  points: number;
  /** ... or once this long has passed with any change (default 60 s); also how often a node checks for pending uploads and compaction. */
  intervalMs: number;
  /** Sealer lease time to live (default 15 s): another node takes a shard over after it. */
  leaseMs: number;
  /** Compaction: merge a run of this many small segments (at most `points` each), or all segments at twice as many (default 8). */
  compactSegments: number;
  /** ... and rewrite a segment alone once this fraction of its points is hidden by newer ones (default 0.3). */
  deadFraction: number;
  /** Test hook: a pause between a segment's upload and the manifest update (default 0). */
  pauseMs: number;
  /** The collection's index config: compaction merges on a worker thread with it (absent: on the calling thread). */
  mergeIndex?: MergeTask['index'];
  /** Merge on the calling thread even where a worker could (tests, debugging). */
  mergeOnThread?: boolean;
}

/** Every JetStream call of the sealer is bounded: a request lost in a server failover must not hang a seal. */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms); })]).finally(() => clearTimeout(t));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Segments of a collection's shards: manifests and leases in the metadata bucket, segment bytes
 * in the JetStream object store. Safe against two sealers (a lease that expired under a slow or
 * killed holder): a manifest changes only by compare-and-swap on the revision it was read at, a
 * seal only appends segments past its sequence, and an object is deleted only by the node whose
 * compare-and-swap removed it from the manifest, or as an orphan (named by no manifest) older
 * than the orphan grace. A seal or compaction cut short leaves an unreferenced object; the stream
 * keeps every record after the manifest's sequence, so nothing is lost.
 */
export class Segments {
  /** Per stream and incarnation, the first sequence this node purged it to (a failed purge is retried). */
  private purgedTo = new Map<string, number>();

  constructor(private meta: KV, private obj: ObjectStore, private jsm: JetStreamManager, private nodeId: string, private log: (m: string) => void) {}

  /**
   * Purges `stream` below `m.seq + 1` (the records up to the manifest are in segments). A purge
   * that fails or times out (a NATS failover, a loaded machine) is retried at the next tick even
   * when nothing new was sealed: otherwise an idle shard kept those records until its next write.
   */
  private async purge(stream: string, m: Manifest): Promise<void> {
    // per incarnation: a collection deleted and created again reuses its streams' names
    const key = `${stream}@${m.incarnation}`, to = m.seq + 1;
    if ((this.purgedTo.get(key) ?? 0) >= to) return;
    await bounded(this.jsm.streams.purge(stream, { seq: to }), 10_000, `purging ${stream}`)
      .then(() => { this.purgedTo.set(key, Math.max(to, this.purgedTo.get(key) ?? 0)); })
      .catch((e) => this.log(`purge of ${stream} below ${to} failed (${(e as Error).message}); retried at the next tick`));
  }

  /** The shard's manifest; `m` is null when there is none of this incarnation (rev: the key's revision for a CAS, 0 if no key). */
  async manifest(coll: string, inc: string, shard: number): Promise<{ m: Manifest | null; rev: number }> {
    const e = await bounded(this.meta.get(`manifests.${coll}.${shard}`), 3_000, 'reading the manifest');
    if (!e) return { m: null, rev: 0 };
    if (e.operation !== 'PUT') return { m: null, rev: e.revision };
    const m = e.json<Manifest>();
    return { m: m.incarnation === inc && Array.isArray(m.segments) ? m : null, rev: e.revision };
  }

  /**
   * A segment's bytes, read within 10 s + 1 s per 5 MB. Not `getBlob`: its push consumer notices
   * a chunk lost in a server failover only at its 30 s idle heartbeat, which stalled a follower
   * past a 30 s read wait (a 503 in the 50,000-point kill test); a read cut at the bound is
   * cancelled (its consumer stopped) and the follower tries again.
   */
  private async download(e: SegmentEntry): Promise<SegmentData> {
    const r = await bounded(this.obj.get(e.name), 10_000, `opening segment ${e.name}`);
    if (!r) throw new Error(`segment ${e.name} named by the manifest is not in the store`);
    const reader = r.data.getReader();
    const chunks: Uint8Array[] = [];
    const read = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value?.length) chunks.push(value);
      }
      const err = await r.error;
      if (err) throw err;
    })();
    try {
      await bounded(read, 10_000 + Math.ceil(e.bytes / 5e6) * 1_000, `reading segment ${e.name}`);
    } catch (err) {
      reader.cancel().catch(() => undefined);
      read.catch(() => undefined);
      throw err;
    }
    // one plain Uint8Array (a Buffer's slice() is a view, and decodeSegment copies to align by slice())
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) { bytes.set(c, at); at += c.length; }
    return decodeSegment(bytes, e.name, e.sha256);
  }

  /** Loads the manifest's segments into the shard when the manifest is ahead of what the shard applied. */
  async loadInto(coll: string, inc: string, shard: ShardState): Promise<boolean> {
    const cur = await this.manifest(coll, inc, shard.shard);
    if (!cur.m || cur.m.seq <= shard.applied) return false;
    const t0 = performance.now();
    const list: SegmentData[] = [];
    for (const e of cur.m.segments) list.push(await this.download(e));
    shard.loadSegments(list, cur.m.seq);
    const bytes = cur.m.segments.reduce((n, e) => n + e.bytes, 0);
    this.log(`loaded manifest ${coll}/${shard.shard}: ${list.length} segments (${shard.size} live points, ${bytes} bytes, to sequence ${cur.m.seq}) in ${(performance.now() - t0).toFixed(0)} ms`);
    return true;
  }

  /** Takes or renews the shard's sealer lease (compare-and-swap on the key's revision). */
  async lease(coll: string, shard: number, ttlMs: number): Promise<boolean> {
    const key = `leases.${coll}.${shard}`;
    const now = Date.now();
    const val = JSON.stringify({ node: this.nodeId, until: now + ttlMs });
    const e = await bounded(this.meta.get(key), 3_000, 'reading the lease');
    try {
      if (!e || e.operation !== 'PUT') { await bounded(this.meta.create(key, val), 3_000, 'creating the lease'); return true; }
      const cur = e.json<{ node: string; until: number }>();
      if (cur.node !== this.nodeId && cur.until > now) return false;
      await bounded(this.meta.update(key, val, e.revision), 3_000, 'renewing the lease');
      return true;
    } catch {
      return false; // another node won the compare-and-swap (or the bucket did not answer)
    }
  }

  private async put(name: string, bytes: Uint8Array): Promise<void> {
    await bounded(this.obj.putBlob({ name }, bytes), 60_000, `uploading ${name}`);
  }

  /** Writes the manifest by compare-and-swap on the revision it was read at (throws when another node changed it). */
  private async advance(coll: string, shard: number, m: Manifest, rev: number): Promise<void> {
    const key = `manifests.${coll}.${shard}`;
    if (rev) await bounded(this.meta.update(key, JSON.stringify(m), rev), 3_000, 'advancing the manifest');
    else await bounded(this.meta.create(key, JSON.stringify(m)), 3_000, 'creating the manifest');
  }

  /**
   * After a manifest write: an object it names that an orphan sweep of a racing sealer deleted
   * meanwhile (possible only with a lease expired under this node) is put again from memory.
   */
  private async ensureStored(named: { name: string; bytes: Uint8Array }[]): Promise<void> {
    for (const x of named) {
      const info = await bounded(this.obj.info(x.name), 10_000, `checking ${x.name}`);
      if (!info || info.deleted) { this.log(`segment ${x.name} vanished after the manifest named it; uploading it again`); await this.put(x.name, x.bytes); }
    }
  }

  /**
   * Uploads the shard's sealed segments past the manifest (frozen at the sealer's marks) and
   * appends them to the manifest by compare-and-swap; then purges the stream up to the new
   * manifest sequence and deletes orphans. Returns the manifest in force.
   */
  async publish(coll: string, inc: string, stream: string, shard: ShardState, o: SealOptions): Promise<{ m: Manifest | null; rev: number }> {
    const cur = await this.manifest(coll, inc, shard.shard);
    const base = cur.m?.seq ?? 0;
    const pending = shard.sealed.filter((s) => s.to > base);
    if (!pending.length) {
      if (cur.m) {
        await this.purge(stream, cur.m);
        await this.sweep(coll, inc, shard.shard, cur.m, o).catch((e) => this.log(`orphans of ${coll}/${shard.shard} not deleted yet (${(e as Error).message})`));
      }
      return cur;
    }
    if (pending[0].from > base + 1) throw new Error(`segments of ${coll}/${shard.shard} start at ${pending[0].from}, the manifest ends at ${base}`);
    const named: { name: string; bytes: Uint8Array }[] = [];
    const entries: SegmentEntry[] = [];
    for (const s of pending) {
      // the sealed segment never changes in memory (hidden points are only marked), so this is its state at `to`
      const bytes = encodeSegment(s.data(coll, shard.shard));
      const name = `${coll}.${inc}.${shard.shard}.${s.to}`;
      this.log(`sealing ${name}: ${s.payloads.size} points, ${s.tombstones.size} tombstones, ${bytes.length} bytes`);
      await this.put(name, bytes);
      named.push({ name, bytes });
      entries.push(entryOf(name, s, bytes));
    }
    if (o.pauseMs) await sleep(o.pauseMs);
    const m: Manifest = { incarnation: inc, seq: pending[pending.length - 1].to, segments: [...(cur.m?.segments ?? []), ...entries], node: this.nodeId, at: new Date().toISOString() };
    await this.advance(coll, shard.shard, m, cur.rev);
    await this.ensureStored(named);
    this.log(`sealed ${named[named.length - 1].name}; manifest at sequence ${m.seq}, ${m.segments.length} segments`);
    // the records up to seq are in segments: purge them (keeps seq + 1 onwards)
    await this.purge(stream, m);
    await this.sweep(coll, inc, shard.shard, m, o).catch((e) => this.log(`orphans of ${coll}/${shard.shard} not deleted yet (${(e as Error).message})`));
    return { m, rev: await this.manifest(coll, inc, shard.shard).then((x) => x.rev) };
  }

  /**
   * Compaction (when compactRun picks a run of the manifest's segments): the run's points that
   * no newer segment hides, and the tombstones still hiding a copy in an older segment, go into
   * one new segment; the manifest swaps the run for it by compare-and-swap; then the replaced
   * objects are deleted. Segments come from this node's memory where it holds the same ones,
   * else from the store. The sequence is unchanged: the stream is not touched.
   */
  async compact(coll: string, inc: string, shard: ShardState, cur: { m: Manifest | null; rev: number }, o: SealOptions): Promise<boolean> {
    if (!cur.m) return false;
    const entries = cur.m.segments;
    const inMemory = (e: SegmentEntry) => shard.sealed.find((x: Segment) => x.from === e.from && x.to === e.to);
    let run = compactRun(entries, o.compactSegments, o.points);
    if (!run) {
      // a segment mostly overwritten or deleted since: checked only from memory (never worth a download)
      const mem = entries.map(inMemory);
      if (mem.length > 1 && mem.every(Boolean)) run = deadRun(mem.map((s) => s!.data(coll, shard.shard)), o.deadFraction);
    }
    if (!run) return false;
    const [i, j] = run;
    const source = async (e: SegmentEntry): Promise<SegmentData> => {
      const s = inMemory(e);
      return s ? s.data(coll, shard.shard) : this.download(e);
    };
    const data: SegmentData[] = [];
    for (const e of entries) data.push(await source(e));
    let merged: SegmentData | null, bytes: Uint8Array | null = null;
    if (o.mergeIndex) {
      const t0 = performance.now();
      const r = await mergeOffThread(data, i, j, o.mergeIndex);
      merged = r?.data ?? null; bytes = r?.bytes ?? null;
      this.log(`merged ${coll}/${shard.shard} segments ${i}..${j} on a worker thread in ${(performance.now() - t0).toFixed(0)} ms`);
    } else {
      merged = mergeSegments(data, i, j, shard.makeIndex);
    }
    const from = entries[i].from, to = entries[j].to;
    // unique per compaction: a segment rewritten alone keeps its range, and its old object must stay until the swap
    const name = `${coll}.${inc}.${shard.shard}.${to}.c${from}.${Date.now().toString(36)}`;
    const was = entries.slice(i, j + 1).reduce((n, e) => n + e.points, 0);
    let entry: SegmentEntry | null = null;
    if (merged) {
      bytes ??= encodeSegment(merged);
      this.log(`compacting ${name}: segments ${i}..${j} of ${entries.length}, ${was} -> ${merged.payloads.size} points, ${merged.tombstones.size} tombstones, ${bytes.length} bytes`);
      await this.put(name, bytes);
      entry = { name, from, to, sha256: segmentChecksum(bytes), bytes: bytes.length, points: merged.payloads.size, tombstones: merged.tombstones.size };
    } else this.log(`compacting ${coll}/${shard.shard}: segments ${i}..${j} hold no live point or needed tombstone; dropped`);
    if (o.pauseMs) await sleep(o.pauseMs);
    const m: Manifest = { ...cur.m, segments: [...entries.slice(0, i), ...(entry ? [entry] : []), ...entries.slice(j + 1)], node: this.nodeId, at: new Date().toISOString() };
    try {
      await this.advance(coll, shard.shard, m, cur.rev);
    } catch (e) {
      if (entry) await bounded(this.obj.delete(entry.name), 10_000, `deleting ${entry.name}`).catch(() => undefined);
      throw e;
    }
    if (entry && bytes) await this.ensureStored([{ name: entry.name, bytes }]);
    for (const e of entries.slice(i, j + 1)) await bounded(this.obj.delete(e.name), 10_000, `deleting ${e.name}`).catch((err) => this.log(`replaced segment ${e.name} not deleted (${(err as Error).message}); the orphan sweep will`));
    const swapped = shard.replaceSealed(from, to, merged);
    this.log(`compacted ${coll}/${shard.shard}: manifest at sequence ${m.seq}, ${m.segments.length} segments${swapped ? '' : ' (this node keeps its own segments)'}`);
    return true;
  }

  /**
   * Deletes the shard's objects no manifest names that are older than the orphan grace (4 lease
   * times): uploads of a seal or compaction cut short, and segments a compaction replaced whose
   * deletion did not happen. Younger ones may be a racing sealer's upload about to be named.
   */
  private async sweep(coll: string, inc: string, shard: number, m: Manifest, o: SealOptions): Promise<void> {
    const prefix = `${coll}.${inc}.${shard}.`;
    const named = new Set(m.segments.map((e) => e.name));
    const before = Date.now() - 4 * o.leaseMs;
    for (const x of await bounded(this.obj.list(), 10_000, 'listing segments')) {
      if (!x.name.startsWith(prefix) || x.deleted || named.has(x.name) || Date.parse(x.mtime) > before) continue;
      await bounded(this.obj.delete(x.name), 10_000, `deleting ${x.name}`);
      this.log(`deleted orphan segment ${x.name}`);
    }
  }

  /** Deletes a collection's manifests, leases and segments (the collection is gone). */
  async dropCollection(coll: string, shards: number): Promise<void> {
    for (let i = 0; i < shards; i++) {
      await bounded(this.meta.delete(`manifests.${coll}.${i}`), 3_000, 'deleting a manifest').catch(() => undefined);
      await bounded(this.meta.delete(`leases.${coll}.${i}`), 3_000, 'deleting a lease').catch(() => undefined);
    }
    const all = await bounded(this.obj.list(), 10_000, 'listing segments').catch(() => []);
    for (const x of all) if (x.name.startsWith(`${coll}.`) && !x.deleted) await bounded(this.obj.delete(x.name), 10_000, `deleting ${x.name}`).catch(() => undefined);
  }
}

function entryOf(name: string, s: Segment, bytes: Uint8Array): SegmentEntry {
  return { name, from: s.from, to: s.to, sha256: segmentChecksum(bytes), bytes: bytes.length, points: s.payloads.size, tombstones: s.tombstones.size };
}

/**
 * A node's sealing loop for one collection: each tick, for every shard whose growing segment is
 * due (N points changed, or T elapsed with changes), or every T anyway, the node holding (or
 * taking) the shard's lease marks the end of the growing segment in the stream (when it has
 * changes and is due), uploads the sealed segments past the manifest, advances it, and compacts
 * when the manifest's segments call for it. Any failure is logged and retried at a later tick.
 */
export class Sealer {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private lastSeal: number[];
  private lastCheck: number[];
  stopped = false;

  /**
   * `shards()`: the shards this node may seal now (held, caught up and assigned to it: the
   * sealer lease is contested only among a shard's replicas). `mark(shard)` publishes the seal
   * mark to the shard's stream and answers its sequence.
   */
  constructor(private segs: Segments, private coll: string, private inc: string, private streams: string[], private shards: () => ShardState[], private o: SealOptions,
    private mark: (shard: number) => Promise<number>, private log: (m: string) => void) {
    this.lastSeal = streams.map(() => Date.now());
    this.lastCheck = streams.map(() => Date.now());
  }

  start(): void {
    const tick = Math.max(100, Math.min(1_000, this.o.intervalMs / 2));
    this.timer = setInterval(() => { if (!this.busy) this.busy = this.tick().finally(() => { this.busy = null; }); }, tick);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    for (const s of this.shards()) {
      if (this.stopped) return;
      const now = Date.now();
      const cut = s.unsealed >= this.o.points || (s.unsealed > 0 && now - this.lastSeal[s.shard] >= this.o.intervalMs);
      if (!cut && now - this.lastCheck[s.shard] < this.o.intervalMs) continue;
      this.lastCheck[s.shard] = now;
      try {
        const held = await this.segs.lease(this.coll, s.shard, this.o.leaseMs);
        if (process.env.KNNKIT_CLUSTER_DEBUG) this.log(`tick ${this.coll}/${s.shard}: lease ${held ? 'held' : 'elsewhere'}, applied ${s.applied}, unsealed ${s.unsealed}, cut ${cut}`);
        if (!held) { this.lastSeal[s.shard] = now; continue; }
        const sealing = cut && !s.growing.empty;
        if (sealing) {
          const seq = await this.mark(s.shard);
          if (!await s.waitFor(seq, 30_000)) throw new Error(`the seal mark at sequence ${seq} was not applied within 30 s`);
        }
        const cur = await this.segs.publish(this.coll, this.inc, this.streams[s.shard], s, this.o);
        // the interval runs from the last seal, not from the last check: the checks come every
        // interval too, and restarting the clock at each one left cut = false for as long as
        // the timer's jitter kept the gap under the interval (an idle shard's changes unsealed)
        if (sealing) this.lastSeal[s.shard] = Date.now();
        if (!this.stopped && await this.segs.lease(this.coll, s.shard, this.o.leaseMs)) await this.segs.compact(this.coll, this.inc, s, cur, this.o);
      } catch (e) {
        this.log(`seal of ${this.coll}/${s.shard} failed (${(e as Error).message}); retried later`);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.busy?.catch(() => undefined);
  }
}
