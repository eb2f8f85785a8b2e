import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm, KvWatchInclude, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { Collection, DISTANCES, type Distance } from '../collection.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import type { CompiledFilter, Payload } from '../filter.js';
import { pointKey, type PointId } from '../point-id.js';
import { compileFilter } from '../filter.js';
import { encodeChange, shardOf, type SelectChange } from './codec.js';
import { CollectionView } from './view.js';
import { ShardFollower } from './follower.js';
import { bounded, Sealer, Segments, type SealOptions } from './sealer.js';
import { ShardState, type KeyHit } from './shard.js';

/** The collection's record in the metadata bucket (immutable in this slice: no resharding). */
export interface ClusterCollectionConfig {
  name: string;
  size: number;
  distance: Distance;
  shards: number;
  replicas: number;
  family: string;
  familyOptions: Record<string, unknown>;
  /** Shard map: shard i is stream streams[i] on subject subjects[i]. */
  streams: string[];
  subjects: string[];
  createdAt: string;
}

export interface ClusterNodeOptions {
  /** NATS URLs of the cluster's servers (the client fails over between them). */
  servers: string[];
  nodeId: string;
  /** Stream and bucket replicas for new collections (default 3; 1 for a single server). */
  replicas?: number;
  /** How long an upsert keeps retrying its publish (same message id) before a 503 (default 30 s). */
  publishDeadlineMs?: number;
  /** Per attempt publish timeout (default 5 s). */
  publishTimeoutMs?: number;
  /** How long a strong read waits for the node to catch up with the streams (default 10 s). */
  readWaitMs?: number;
  /** Sealing of segments (docs/cluster.md, "Sealed segments"); defaults in sealer.ts. */
  seal?: Partial<SealOptions>;
  log?: (msg: string) => void;
}

/**
 * What a read must see (Milvus's levels): `eventual` what the node has applied; `strong` every
 * write acknowledged before the request (each shard stream asked for its last sequence); bounded
 * staleness `{maxLagMs}` every write acknowledged more than maxLagMs before the request (a stream
 * is asked only when the shard's last confirmation is older) or `{maxLagSeq}` at most maxLagSeq
 * messages per shard behind the stream's last sequence; read-your-writes `{after}` the given
 * per-shard sequences (what writes answer in `knnkit_sequences` / the knnkit-sequences header).
 */
export type Consistency = 'eventual' | 'strong' | { after: Record<number, number> } | { maxLagMs: number } | { maxLagSeq: number };

export interface UpsertPoint { id: PointId; vector: number[] | Float32Array; payload?: Payload | null }

const META_BUCKET = 'knnkit-meta';
const SEGMENT_STORE = 'knnkit-segments';
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const METRIC: Record<Distance, string> = { Cosine: 'cosine', Euclid: 'euclidean', Dot: 'ip', Manhattan: 'manhattan' };

interface Attached {
  config: ClusterCollectionConfig;
  shards: ShardState[];
  followers: ShardFollower[];
  sealer: Sealer;
}

/**
 * A knnkit node of a cluster on NATS JetStream (issue 18, first slice). Writes go to the shard
 * streams (one stream per collection shard, subjects knnkit.wal.<collection>.<shard>, R3,
 * deduplicated by message id) and are acknowledged only after JetStream's publish ack, which
 * JetStream sends once a quorum of the stream's replicas has stored the message. Every node is
 * a query node: it follows each shard stream with an ordered consumer from the first message,
 * applies the changes to one in-memory index per shard, and answers a search by asking every
 * shard for its top k and merging. Node state is only a cache of the streams: a node that dies
 * loses nothing, and a new one rebuilds by replaying them.
 */
export class ClusterNode {
  private collections = new Map<string, Promise<Attached>>();
  private closed = false;

  readonly segments: Segments;
  private constructor(readonly opts: ClusterNodeOptions, readonly nc: NatsConnection, readonly js: JetStreamClient, readonly jsm: JetStreamManager, readonly meta: KV, readonly store: ObjectStore) {
    this.segments = new Segments(meta, store, jsm, opts.nodeId, (m) => this.log(m));
  }

  static async start(opts: ClusterNodeOptions): Promise<ClusterNode> {
    if (!opts.servers.length) throw badRequest('cluster servers: got none; expected at least one nats:// URL');
    const nc = await connect({ servers: opts.servers, name: `knnkit-${opts.nodeId}`, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 10_000 });
    try {
      return await ClusterNode.setUp(opts, nc);
    } catch (e) {
      await nc.close().catch(() => undefined); // nothing may keep the process alive after a failed start
      throw e;
    }
  }

  private static async setUp(opts: ClusterNodeOptions, nc: NatsConnection): Promise<ClusterNode> {
    const jsm = await jetstreamManager(nc, { timeout: 10_000 });
    const js = jetstream(nc, { timeout: 10_000 });
    // the metadata bucket: collection configs and shard maps (create is idempotent for equal options)
    const meta = await new Kvm(js).create(META_BUCKET, { replicas: opts.replicas ?? 3, history: 1, storage: StorageType.File });
    // sealed segments (create is idempotent); bounded: a node must not hang at start
    const store = await bounded(new Objm(js).create(SEGMENT_STORE, { replicas: opts.replicas ?? 3, storage: StorageType.File }), 20_000, 'opening the segment store');
    const node = new ClusterNode(opts, nc, js, jsm, meta, store);
    void node.watchDeletes(0);
    return node;
  }

  /**
   * Collections deleted through any node are detached here (followers stopped, memory freed).
   * Started in the background and retried: right after a server loss the watch's consumer can
   * take a while to create, and a node must not fail to start for it.
   */
  private async watchDeletes(attempt: number): Promise<void> {
    if (this.closed) return;
    try {
      const w = await this.meta.watch({ key: 'collections.>', include: KvWatchInclude.UpdatesOnly });
      if (this.closed) { w.stop(); return; }
      this.stopWatch = () => w.stop();
      for await (const e of w) {
        if (e.operation !== 'PUT') await this.detach(e.key.slice('collections.'.length));
      }
    } catch (err) {
      if (this.closed) return;
      this.log(`metadata watch: ${(err as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** Math.min(attempt, 5))));
      return this.watchDeletes(attempt + 1);
    }
  }

  private stopWatch: () => void = () => undefined;

  private async detach(name: string): Promise<void> {
    const p = this.collections.get(name);
    if (!p) return;
    this.collections.delete(name);
    const a = await p.catch(() => null);
    if (a) { await a.sealer.stop(); await Promise.all(a.followers.map((f) => f.stop())); }
  }

  /** Names of the collections in the metadata bucket. */
  async listCollections(): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const k of await this.meta.keys('collections.>')) out.push(k.slice('collections.'.length));
    } catch (err) {
      throw new ApiError(503, `Service unavailable: the metadata bucket cannot be read (${(err as Error).message})`);
    }
    return out.sort();
  }

  /**
   * Deletes a collection: its key first (no node attaches it anew; attached nodes detach when
   * their watch sees the deletion), then its streams. False when it does not exist.
   */
  async deleteCollection(name: string): Promise<boolean> {
    let config: ClusterCollectionConfig;
    try { config = await this.readConfig(name); } catch (e) { if ((e as ApiError).statusCode === 404) return false; throw e; }
    await this.meta.delete(`collections.${name}`);
    await this.detach(name);
    for (const s of config.streams) await this.jsm.streams.delete(s).catch(() => false);
    await this.segments.dropCollection(name, config.shards);
    return true;
  }

  private log(msg: string): void { this.opts.log?.(`${new Date().toISOString().slice(14, 23)} [${this.opts.nodeId}] ${msg}`); }

  // ---- collections ----

  async createCollection(c: { name: string; size: number; distance: Distance; shards?: number; family?: string; familyOptions?: Record<string, unknown> }): Promise<ClusterCollectionConfig> {
    if (!NAME.test(c.name)) throw badRequest(`collection name ${JSON.stringify(c.name)}: expected 1-64 letters, digits, _ or - (it names streams and subjects)`);
    if (!Number.isInteger(c.size) || c.size < 1 || c.size > 65536) throw badRequest(`vectors.size: got ${c.size}; expected an integer in [1, 65536]`);
    if (!DISTANCES.includes(c.distance)) throw badRequest(`vectors.distance: got ${JSON.stringify(c.distance)}; expected one of ${DISTANCES.join(', ')}`);
    const shards = c.shards ?? 2;
    if (!Number.isInteger(shards) || shards < 1 || shards > 256) throw badRequest(`shard_number: got ${shards}; expected an integer in [1, 256]`);
    const replicas = this.opts.replicas ?? 3;
    const config: ClusterCollectionConfig = {
      name: c.name, size: c.size, distance: c.distance, shards, replicas,
      family: c.family ?? 'brute', familyOptions: c.familyOptions ?? {},
      streams: Array.from({ length: shards }, (_, i) => `KNNKIT_${c.name}_${i}`),
      subjects: Array.from({ length: shards }, (_, i) => `knnkit.wal.${c.name}.${i}`),
      createdAt: new Date().toISOString(),
    };
    // refuses a family / options that cannot back a collection before anything is created
    Collection.makeIndex({ family: config.family, familyOptions: config.familyOptions, size: config.size, distance: config.distance });
    if (await this.meta.get(`collections.${c.name}`).catch(() => null).then((e) => e?.operation === 'PUT')) throw badRequest(`Collection \`${c.name}\` already exists!`);
    for (let i = 0; i < shards; i++) {
      await this.jsm.streams.add({
        name: config.streams[i], subjects: [config.subjects[i]], num_replicas: replicas,
        retention: RetentionPolicy.Limits, storage: StorageType.File, discard: DiscardPolicy.Old,
        duplicate_window: 120e9, // ns: a retried publish with the same id within 2 min is stored once
      });
    }
    // compare-and-swap: create fails when another node registered the name meanwhile
    try {
      await this.meta.create(`collections.${c.name}`, JSON.stringify(config));
    } catch (e) {
      throw badRequest(`Collection \`${c.name}\` already exists! (${(e as Error).message})`);
    }
    return config;
  }

  /** A collection's config: the attached copy (configs are immutable in this slice), else the bucket's. */
  async configOf(name: string): Promise<ClusterCollectionConfig> {
    const attached = this.collections.get(name);
    if (attached) return (await attached).config;
    return this.readConfig(name);
  }

  private async readConfig(name: string): Promise<ClusterCollectionConfig> {
    let e;
    try {
      e = await this.meta.get(`collections.${name}`);
    } catch (err) {
      throw new ApiError(503, `Service unavailable: the metadata bucket cannot be read (${(err as Error).message})`);
    }
    if (!e || e.operation !== 'PUT') throw notFound(`Collection \`${name}\` doesn't exist!`);
    return e.json<ClusterCollectionConfig>();
  }

  /** The collection's shards on this node, following their streams (started on first use). */
  attach(name: string): Promise<Attached> {
    let p = this.collections.get(name);
    if (!p) {
      p = this.startFollowing(name);
      this.collections.set(name, p);
      p.catch(() => this.collections.delete(name));
    }
    return p;
  }

  private async startFollowing(name: string): Promise<Attached> {
    const config = await this.readConfig(name);
    const shards = config.streams.map((_, i) => new ShardState(i, () => Collection.makeIndex(config), config.size));
    shards.forEach((sh, i) => { sh.log = (m) => this.log(`${name}/${i}: ${m}`); });
    const inc = config.createdAt.replace(/\D/g, '');
    const followers = shards.map((shard, i) => new ShardFollower(this.js, this.jsm, config.streams[i], shard, (m) => this.log(`${name}/${i}: ${m}`), () => this.segments.loadInto(name, inc, shard)));
    for (const f of followers) f.start();
    const so = this.opts.seal ?? {};
    const sealer = new Sealer(this.segments, name, inc, config.streams, shards, {
      points: so.points ?? 100_000, intervalMs: so.intervalMs ?? 60_000, leaseMs: so.leaseMs ?? 15_000, compactSegments: so.compactSegments ?? 8, deadFraction: so.deadFraction ?? 0.3, pauseMs: so.pauseMs ?? 0,
    }, (i) => this.publish(config, i, encodeChange({ op: 'seal' })), (m) => this.log(`${name}: ${m}`));
    sealer.start();
    return { config, shards, followers, sealer };
  }

  // ---- writes ----

  /**
   * Upserts points: one message per touched shard, each acknowledged by JetStream. Returns the
   * stream sequence of each shard's message (what read-your-writes waits for). A publish that
   * fails (leader election, a lost server) is retried with the same message id, which the stream
   * stores once, until publishDeadlineMs; then 503. A 503 means "unknown": the write may have
   * been stored, and retrying the request is safe (an upsert is idempotent).
   */
  async upsert(name: string, points: UpsertPoint[]): Promise<Record<number, number>> {
    const { config } = await this.attach(name);
    const groups = new Map<number, { keys: string[]; payloads: Payload[]; rows: ArrayLike<number>[] }>();
    const last = new Map<string, number>(); // the last of repeated ids wins (Qdrant's rule)
    points.forEach((p, i) => last.set(pointKey(p.id), i));
    for (const [key, i] of last) {
      const p = points[i];
      const v = p.vector;
      if (!v || v.length !== config.size) throw badRequest(`points[${i}].vector: got ${v?.length ?? 'no'} dimensions; expected ${config.size}`);
      for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j])) throw badRequest(`points[${i}].vector[${j}]: got ${v[j]}; expected a finite number`);
      const s = shardOf(key, config.shards);
      let g = groups.get(s);
      if (!g) groups.set(s, (g = { keys: [], payloads: [], rows: [] }));
      g.keys.push(key); g.payloads.push(p.payload ?? {}); g.rows.push(v);
    }
    const seqs: Record<number, number> = {};
    await Promise.all([...groups].map(async ([s, g]) => {
      const vectors = new Float32Array(g.keys.length * config.size);
      g.rows.forEach((r, i) => vectors.set(r, i * config.size));
      seqs[s] = await this.publish(config, s, encodeChange({ op: 'upsert', keys: g.keys, payloads: g.payloads, vectors }));
    }));
    return seqs;
  }

  async deletePoints(name: string, ids: PointId[]): Promise<Record<number, number>> {
    return this.change(name, { op: 'delete', keys: ids.map((id) => pointKey(id)) });
  }

  /**
   * A delete or payload change, as stream records every follower applies. Points given by id go
   * to their shards; a filter goes to every shard as it is (each follower selects the matching
   * points of its shard at that stream position, so every node selects the same ones).
   */
  async change(name: string, c: SelectChange): Promise<Record<number, number>> {
    const { config } = await this.attach(name);
    const seqs: Record<number, number> = {};
    if (c.keys) {
      const groups = new Map<number, string[]>();
      for (const key of c.keys) {
        const s = shardOf(key, config.shards);
        (groups.get(s) ?? groups.set(s, []).get(s)!).push(key);
      }
      await Promise.all([...groups].map(async ([s, keys]) => { seqs[s] = await this.publish(config, s, encodeChange({ ...c, keys })); }));
    } else {
      compileFilter(c.filter); // a bad filter is the client's 400 here, never a record followers skip
      const data = encodeChange(c);
      await Promise.all(config.streams.map(async (_, s) => { seqs[s] = await this.publish(config, s, data); }));
    }
    return seqs;
  }

  private async publish(config: ClusterCollectionConfig, shard: number, data: Uint8Array): Promise<number> {
    const msgID = `${this.opts.nodeId}-${randomUUID()}`;
    const deadline = Date.now() + (this.opts.publishDeadlineMs ?? 30_000);
    let lastErr = '';
    for (let attempt = 0; Date.now() < deadline && !this.closed; attempt++) {
      try {
        const ack = await this.js.publish(config.subjects[shard], data, {
          msgID, timeout: Math.min(this.opts.publishTimeoutMs ?? 5_000, Math.max(100, deadline - Date.now())),
          expect: { streamName: config.streams[shard] },
        });
        return ack.seq;
      } catch (e) {
        lastErr = (e as Error).message;
        await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** Math.min(attempt, 4))));
      }
    }
    throw new ApiError(503, `Service unavailable: the write to ${config.name} shard ${shard} was not acknowledged by JetStream (${lastErr || 'node closing'}); it may or may not be stored, retrying is safe`);
  }

  // ---- reads ----

  /**
   * Waits until the node has applied what the request must see (see Consistency). When the
   * streams cannot be asked (no NATS quorum: nothing new can be acknowledged either), strong and
   * bounded reads are served from what the node has, as eventual ones. Waits at most readWaitMs,
   * then 503.
   */
  private async catchUp(a: Attached, c: Consistency): Promise<void> {
    if (c === 'eventual') return;
    const wait = this.opts.readWaitMs ?? 10_000;
    let targets: Record<number, number> = {};
    let asked: number[] = [];
    const t0 = Date.now();
    if (typeof c === 'object' && 'after' in c) {
      targets = c.after;
      for (const i of Object.keys(targets)) {
        if (!a.shards[Number(i)]) throw badRequest(`after: shard ${i}; collection ${a.config.name} has shards 0..${a.shards.length - 1}`);
      }
    } else {
      const lag = typeof c === 'object' && 'maxLagSeq' in c ? c.maxLagSeq : 0;
      // bounded by time: only shards not confirmed caught up within the bound are asked
      asked = typeof c === 'object' && 'maxLagMs' in c
        ? a.shards.filter((s) => t0 - s.caughtUpAt > c.maxLagMs).map((s) => s.shard)
        : a.shards.map((s) => s.shard);
      await Promise.all(asked.map(async (i) => {
        const info = await withTimeout(this.jsm.streams.info(a.config.streams[i]), 2_000).catch(() => null);
        if (info) targets[i] = Math.max(0, info.state.last_seq - lag);
      }));
    }
    const ok = await Promise.all(Object.entries(targets).map(([i, seq]) => a.shards[Number(i)].waitFor(seq, wait)));
    if (ok.includes(false)) {
      const msg = `node ${this.opts.nodeId} did not catch up with collection ${a.config.name}'s streams within ${wait} ms (applied ${a.shards.map((s) => s.applied).join(',')}; needed ${JSON.stringify(targets)})`;
      this.log(`503: ${msg}`); // a follower stuck for the whole read wait is worth a line in the node's log
      throw new ApiError(503, `Service unavailable: ${msg}`);
    }
    // a shard that reached the stream's last sequence as of t0 holds every write acknowledged before t0
    if (typeof c !== 'object' || !('maxLagSeq' in c)) for (const i of asked) if (targets[i] !== undefined) a.shards[i].caughtUpAt = Math.max(a.shards[i].caughtUpAt, t0);
  }

  /** The collection as this request may read it, once the consistency wait is over. */
  async read(name: string, consistency: Consistency = 'strong'): Promise<CollectionView> {
    const a = await this.attach(name);
    await this.catchUp(a, consistency);
    return new CollectionView(a.config, a.shards);
  }

  async search(name: string, vector: ArrayLike<number>, limit: number, o: { consistency?: Consistency; ef?: number; offset?: number; filter?: CompiledFilter | null } = {}): Promise<KeyHit[]> {
    const { config } = await this.attach(name);
    if (vector.length !== config.size) throw badRequest(`vector: got ${vector.length} dimensions; expected ${config.size}`);
    return (await this.read(name, o.consistency ?? 'strong')).search(vector, limit, o);
  }

  async retrieve(name: string, id: PointId, consistency: Consistency = 'strong'): Promise<{ id: PointId; vector: number[]; payload: Payload } | null> {
    const got = (await this.read(name, consistency)).get(pointKey(id));
    return got ? { id, vector: Array.from(got.vector), payload: got.payload } : null;
  }

  async count(name: string, consistency: Consistency = 'strong', filter: CompiledFilter | null = null): Promise<number> {
    return (await this.read(name, consistency)).count(filter);
  }

  /** Per shard on this node: sealed segments, points in the growing segment, live points. */
  async segmentsOf(name: string): Promise<{ sealed: number; growing: number; points: number }[]> {
    return (await this.attach(name)).shards.map((s) => ({ sealed: s.sealed.length, growing: s.growing.payloads.size, points: s.size }));
  }

  /** Per shard: stream sequence applied on this node. */
  async applied(name: string): Promise<number[]> {
    return (await this.attach(name)).shards.map((s) => s.applied);
  }

  /** Stops following and closes the connection (drained: in-flight publishes finish). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatch();
    for (const p of this.collections.values()) {
      const a = await p.catch(() => null);
      if (a) { await a.sealer.stop(); await Promise.all(a.followers.map((f) => f.stop())); }
    }
    await this.nc.drain().catch(() => this.nc.close());
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms); })]).finally(() => clearTimeout(t));
}
