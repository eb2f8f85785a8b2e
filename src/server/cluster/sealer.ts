import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import { decodeSegment, encodeSegment, segmentChecksum } from './segment.js';
import type { ShardState } from './shard.js';

/** A shard's manifest in the metadata bucket (`manifests.<collection>.<shard>`). */
export interface Manifest {
  /** Object name in the segments store: `<collection>.<incarnation>.<shard>.<seq>`. */
  segment: string;
  /**
   * The collection's incarnation (its creation time as digits): a collection deleted and created
   * again under the same name must never load the old one's segments (a sealer that was
   * mid-seal during the deletion may still write a manifest after it).
   */
  incarnation: string;
  /** Last stream sequence the segment holds; the stream is purged up to it. */
  seq: number;
  sha256: string;
  bytes: number;
  points: number;
  node: string;
  at: string;
}

export interface SealOptions {
  /** Seal a shard once this many points changed since its last seal (default 100,000). */
  points: number;
  /** ... or once this long has passed with any change (default 60 s). */
  intervalMs: number;
  /** Sealer lease time to live (default 15 s): another node takes a shard over after it. */
  leaseMs: number;
  /** Test hook: a pause between the segment's upload and the manifest update (default 0). */
  pauseMs: number;
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
 * killed holder): a manifest only moves forward (compare-and-swap on its revision, a higher
 * sequence only), and only segments below the current manifest's sequence are deleted, so a
 * manifest never names a deleted segment. A seal cut short (upload without manifest) leaves an
 * unreferenced object that the next seal deletes; the stream keeps every record until a
 * manifest covers it, so nothing is lost.
 */
export class Segments {
  constructor(private meta: KV, private obj: ObjectStore, private jsm: JetStreamManager, private nodeId: string, private log: (m: string) => void) {}

  /** The shard's manifest; `m` is null when there is none of this incarnation (rev: the key's revision for a CAS, 0 if no key). */
  async manifest(coll: string, inc: string, shard: number): Promise<{ m: Manifest | null; rev: number }> {
    const e = await bounded(this.meta.get(`manifests.${coll}.${shard}`), 3_000, 'reading the manifest');
    if (!e) return { m: null, rev: 0 };
    if (e.operation !== 'PUT') return { m: null, rev: e.revision };
    const m = e.json<Manifest>();
    return { m: m.incarnation === inc ? m : null, rev: e.revision };
  }

  /** Loads the manifest's segment into the shard when it is ahead of what the shard applied. */
  async loadInto(coll: string, inc: string, shard: ShardState): Promise<boolean> {
    const cur = await this.manifest(coll, inc, shard.shard);
    if (!cur.m || cur.m.seq <= shard.applied) return false;
    const t0 = performance.now();
    const bytes = await bounded(this.obj.getBlob(cur.m.segment), 60_000, `reading segment ${cur.m.segment}`);
    if (!bytes) throw new Error(`segment ${cur.m.segment} named by the manifest is not in the store`);
    shard.load(decodeSegment(bytes, cur.m.segment, cur.m.sha256));
    this.log(`loaded segment ${cur.m.segment} (${cur.m.points} points, ${bytes.length} bytes, to sequence ${cur.m.seq}) in ${(performance.now() - t0).toFixed(0)} ms`);
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

  /**
   * Seals the shard's state at its applied sequence: upload, manifest (CAS), purge of the
   * stream up to that sequence, deletion of older segments. Returns the manifest, or null when
   * another sealer's manifest is already at or past it.
   */
  async seal(coll: string, inc: string, stream: string, shard: ShardState, pauseMs: number): Promise<Manifest | null> {
    const seq = shard.applied, points = shard.size, changed = shard.unsealed;
    const before = await this.manifest(coll, inc, shard.shard);
    if (before.m && before.m.seq >= seq) return null;
    // synchronous: the snapshot is the shard exactly at `seq` (the follower applies between awaits only)
    const bytes = encodeSegment({ collection: coll, shard: shard.shard, seq, keys: shard.keys, payloads: shard.payloads, index: shard.index });
    const name = `${coll}.${inc}.${shard.shard}.${seq}`;
    this.log(`sealing ${name}: ${points} points, ${bytes.length} bytes`);
    await bounded(this.obj.putBlob({ name }, bytes), 60_000, `uploading ${name}`);
    if (pauseMs) await sleep(pauseMs);
    const m: Manifest = { segment: name, incarnation: inc, seq, sha256: segmentChecksum(bytes), bytes: bytes.length, points, node: this.nodeId, at: new Date().toISOString() };
    const cur = await this.manifest(coll, inc, shard.shard);
    if (cur.m && cur.m.seq >= seq) return null;
    const key = `manifests.${coll}.${shard.shard}`;
    if (cur.rev) await bounded(this.meta.update(key, JSON.stringify(m), cur.rev), 3_000, 'advancing the manifest');
    else await bounded(this.meta.create(key, JSON.stringify(m)), 3_000, 'creating the manifest');
    shard.unsealed = Math.max(0, shard.unsealed - changed);
    // the records up to seq are in the segment: purge them (keeps seq + 1 onwards)
    await bounded(this.jsm.streams.purge(stream, { seq: seq + 1 }), 10_000, `purging ${stream}`).catch((e) => this.log(`purge of ${stream} below ${seq + 1} failed (${(e as Error).message}); the next seal purges`));
    await this.dropBelow(`${coll}.${inc}.${shard.shard}.`, seq).catch((e) => this.log(`old segments of ${coll}/${shard.shard} not deleted yet (${(e as Error).message})`));
    this.log(`sealed ${name}; manifest at sequence ${seq}`);
    return m;
  }

  /** Deletes the segments named `<prefix><seq>` below `seq` (older ones, and uploads whose seal was cut short). */
  private async dropBelow(prefix: string, seq: number): Promise<void> {
    for (const o of await bounded(this.obj.list(), 10_000, 'listing segments')) {
      if (!o.name.startsWith(prefix) || o.deleted) continue;
      const s = Number(o.name.slice(prefix.length).split('.').pop());
      if (Number.isInteger(s) && s < seq) await bounded(this.obj.delete(o.name), 10_000, `deleting ${o.name}`);
    }
  }

  /** Deletes a collection's manifests, leases and segments (the collection is gone). */
  async dropCollection(coll: string, shards: number): Promise<void> {
    for (let i = 0; i < shards; i++) {
      await bounded(this.meta.delete(`manifests.${coll}.${i}`), 3_000, 'deleting a manifest').catch(() => undefined);
      await bounded(this.meta.delete(`leases.${coll}.${i}`), 3_000, 'deleting a lease').catch(() => undefined);
    }
    await this.dropBelow(`${coll}.`, Number.MAX_SAFE_INTEGER).catch(() => undefined);
  }
}

/**
 * A node's sealing loop for one collection: each tick, every shard due for a seal (N points
 * changed, or T elapsed with changes) is sealed by this node if it holds (or can take) the
 * shard's lease. Any failure is logged and retried at a later tick.
 */
export class Sealer {
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private lastSeal: number[];
  stopped = false;

  constructor(private segs: Segments, private coll: string, private inc: string, private streams: string[], private shards: ShardState[], private o: SealOptions, private log: (m: string) => void) {
    this.lastSeal = shards.map(() => Date.now());
  }

  start(): void {
    const tick = Math.max(100, Math.min(1_000, this.o.intervalMs / 2));
    this.timer = setInterval(() => { if (!this.busy) this.busy = this.tick().finally(() => { this.busy = null; }); }, tick);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    for (const s of this.shards) {
      if (this.stopped) return;
      const due = s.unsealed >= this.o.points || (s.unsealed > 0 && Date.now() - this.lastSeal[s.shard] >= this.o.intervalMs);
      if (!due) continue;
      try {
        if (!await this.segs.lease(this.coll, s.shard, this.o.leaseMs)) { this.lastSeal[s.shard] = Date.now(); continue; }
        await this.segs.seal(this.coll, this.inc, this.streams[s.shard], s, this.o.pauseMs);
        this.lastSeal[s.shard] = Date.now();
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
