import { randomUUID } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Kvm, KvWatchInclude, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { Collection, DISTANCES, type Distance } from '../collection.js';
import { ApiError, badRequest, notFound } from '../errors.js';
import type { Payload } from '../filter.js';
import { pointKey, type PointId } from '../point-id.js';
import { compileFilter } from '../filter.js';
import { encodeChange, shardOf, type SelectChange } from './codec.js';
import { CollectionView, compileSpec, LocalShard, scoreOf, type FilterSpec, type ShardReader } from './view.js';
import { replicasOf } from './assignment.js';
import { Membership } from './membership.js';
import { RemoteShard, type Replica, type ShardAnswer, type ShardOp } from './remote.js';
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
  /**
   * How many live nodes hold each shard (default 2, at most the number of live nodes serving
   * HTTP): the shard's replicas, chosen by rendezvous hashing (assignment.ts).
   */
  shardReplicas?: number;
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
  inc: string;
  /** The shards this node follows (null: not held); `ready` once caught up with the stream as of their start. */
  shards: (ShardState | null)[];
  followers: (ShardFollower | null)[];
  ready: boolean[];
  /** Shards assigned to this node now (a shard no longer assigned is dropped after the grace). */
  want: boolean[];
  drops: (NodeJS.Timeout | null)[];
  sealer: Sealer;
  detached: boolean;
}

/**
 * A knnkit node of a cluster on NATS JetStream (issue 18). Writes go to the shard streams (one
 * stream per collection shard, subjects knnkit.wal.<collection>.<shard>, R3, deduplicated by
 * message id) and are acknowledged only after JetStream's publish ack, which JetStream sends once
 * a quorum of the stream's replicas has stored the message. A node serving HTTP keeps a liveness
 * lease (membership.ts) and follows only the shards assigned to it among the live nodes
 * (assignment.ts): it loads each one's sealed segments, replays the stream after them, and
 * applies the changes to in-memory indexes. Any node answers any read by asking every shard for
 * its top k (its own copy, or a replica over HTTP: remote.ts) and merging. Node state is only a
 * cache of the streams and segments: a node that dies loses nothing, and its shards move to the
 * live nodes once its lease expires.
 */
export class ClusterNode {
  private collections = new Map<string, Promise<Attached>>();
  private closed = false;

  readonly segments: Segments;
  /** Node liveness leases (membership.ts): every node keeps one; only a node serving HTTP (serveAt) is assigned shards. */
  readonly membership: Membership;
  private constructor(readonly opts: ClusterNodeOptions, readonly nc: NatsConnection, readonly js: JetStreamClient, readonly jsm: JetStreamManager, readonly meta: KV, readonly store: ObjectStore) {
    this.segments = new Segments(meta, store, jsm, opts.nodeId, (m) => this.log(m));
    this.membership = new Membership(meta, opts.nodeId, null, this.leaseMs, (x) => this.log(x));
    this.membership.onChange = () => { for (const p of this.collections.values()) void p.then((a) => this.reassign(a), () => undefined); };
  }

  /** In the shard assignment (serving HTTP); an in-process node follows every shard of the collections it is asked about. */
  private get assigning(): boolean { return this.membership.url !== null; }

  private get leaseMs(): number { return this.opts.seal?.leaseMs ?? 15_000; }

  /**
   * Joins the cluster's shard assignment as a node serving HTTP at `url`: writes its liveness
   * lease `nodes.<id>`, attaches every collection, and from then on follows only the shards
   * assigned to it (recomputed whenever the live node set changes). Without it (an in-process
   * node) the node follows every shard of the collections it is asked about.
   */
  async serveAt(url: string): Promise<void> {
    await this.membership.announce(url);
    for (const p of this.collections.values()) void p.then((a) => this.reassign(a), () => undefined);
    for (const name of await this.listCollections().catch(() => [])) void this.attach(name).catch((e) => this.log(`attaching ${name}: ${(e as Error).message}`));
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
    await node.membership.start(); // the node's liveness lease nodes.<id> (url null until it serves HTTP)
    void node.watchCollections(0);
    return node;
  }

  /**
   * Collections deleted through any node are detached here (followers stopped, memory freed);
   * on a node in the shard assignment, every collection (existing or new) is attached, so the
   * node follows its assigned shards before any request needs them. Started in the background and retried: right after a server loss the watch's consumer can
   * take a while to create, and a node must not fail to start for it.
   */
  private async watchCollections(attempt: number): Promise<void> {
    if (this.closed) return;
    try {
      const w = await this.meta.watch({ key: 'collections.>', include: KvWatchInclude.LastValue });
      if (this.closed) { w.stop(); return; }
      this.stopWatch = () => w.stop();
      for await (const e of w) {
        const name = e.key.slice('collections.'.length);
        if (e.operation !== 'PUT') await this.detach(name);
        // a node in the shard assignment follows its shards of every collection from its creation
        else if (this.assigning) void this.attach(name).catch((err) => this.log(`attaching ${name}: ${(err as Error).message}`));
      }
    } catch (err) {
      if (this.closed) return;
      this.log(`metadata watch: ${(err as Error).message}; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** Math.min(attempt, 5))));
      return this.watchCollections(attempt + 1);
    }
  }

  private stopWatch: () => void = () => undefined;

  private async detach(name: string): Promise<void> {
    const p = this.collections.get(name);
    if (!p) return;
    this.collections.delete(name);
    const a = await p.catch(() => null);
    if (a) await this.stopAttached(a);
    this.membership.setHeld(name, []);
  }

  private async stopAttached(a: Attached): Promise<void> {
    a.detached = true;
    for (const t of a.drops) if (t) clearTimeout(t);
    await a.sealer.stop();
    await Promise.all(a.followers.map((f) => f?.stop()));
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
    const inc = config.createdAt.replace(/\D/g, '');
    const n = config.shards;
    const a: Attached = {
      config, inc, shards: Array(n).fill(null), followers: Array(n).fill(null), ready: Array(n).fill(false),
      want: Array(n).fill(false), drops: Array(n).fill(null), sealer: null as unknown as Sealer, detached: false,
    };
    const so = this.opts.seal ?? {};
    // the sealer of a shard is elected (sealer leases) among the nodes assigned it and caught up
    a.sealer = new Sealer(this.segments, name, inc, config.streams, () => a.shards.filter((s, i): s is ShardState => !!s && a.ready[i] && a.want[i]), {
      points: so.points ?? 100_000, intervalMs: so.intervalMs ?? 60_000, leaseMs: this.leaseMs, compactSegments: so.compactSegments ?? 8, deadFraction: so.deadFraction ?? 0.3, pauseMs: so.pauseMs ?? 0,
      // compaction's merge and index build on a worker thread: a large HNSW merge must not stall this node's requests
      mergeIndex: so.mergeOnThread ? undefined : { family: config.family, familyOptions: config.familyOptions, size: config.size, distance: config.distance },
    }, (i) => this.publish(config, i, encodeChange({ op: 'seal' })), (m) => this.log(`${name}: ${m}`));
    this.reassign(a);
    a.sealer.start();
    return a;
  }

  /** The shard's replicas (node ids, preference order) among the live nodes serving HTTP. */
  replicasOf(name: string, shard: number): string[] {
    if (!this.assigning) return [this.opts.nodeId];
    const ids = this.membership.servingIds();
    return replicasOf(name, shard, ids, Math.min(this.opts.shardReplicas ?? 2, ids.length));
  }

  /**
   * Follows the shards now assigned to this node and drops, after a grace of two lease times
   * (readers may still be routed here meanwhile, while the new replicas catch up), those no
   * longer assigned. An in-process node (not serving HTTP) follows every shard.
   */
  private reassign(a: Attached): void {
    if (a.detached || this.closed) return;
    const name = a.config.name;
    for (let i = 0; i < a.config.shards; i++) {
      const want = !this.assigning || this.replicasOf(name, i).includes(this.opts.nodeId);
      a.want[i] = want;
      if (want) {
        if (a.drops[i]) { clearTimeout(a.drops[i]!); a.drops[i] = null; }
        if (!a.shards[i]) this.follow(a, i);
      } else if (a.shards[i] && !a.drops[i]) {
        this.log(`${name}/${i}: no longer assigned here; dropping it in ${2 * this.leaseMs} ms`);
        a.drops[i] = setTimeout(() => { a.drops[i] = null; if (!a.want[i]) void this.unfollow(a, i); }, 2 * this.leaseMs);
        a.drops[i]!.unref();
      }
    }
  }

  private follow(a: Attached, i: number): void {
    const { config, inc } = a;
    const name = config.name;
    const shard = new ShardState(i, () => Collection.makeIndex(config), config.size);
    shard.log = (m) => this.log(`${name}/${i}: ${m}`);
    const f = new ShardFollower(this.js, this.jsm, config.streams[i], shard, (m) => this.log(`${name}/${i}: ${m}`), () => this.segments.loadInto(name, inc, shard));
    a.shards[i] = shard; a.followers[i] = f; a.ready[i] = false;
    if (this.assigning) this.log(`${name}/${i}: assigned here; following it`);
    f.start();
    void this.markReady(a, i, shard);
  }

  /** A followed shard is ready (answers reads, advertised, may seal) once it applied the stream's last sequence as of its start. */
  private async markReady(a: Attached, i: number, shard: ShardState): Promise<void> {
    const live = () => !a.detached && !this.closed && a.shards[i] === shard;
    let target = -1;
    while (live() && target < 0) {
      const info = await withTimeout(this.jsm.streams.info(a.config.streams[i]), 3_000).catch(() => null);
      if (info) target = info.state.last_seq; else await new Promise((r) => setTimeout(r, 500));
    }
    while (live() && !await shard.waitFor(target, 1_000)) { /* still catching up */ }
    if (!live()) return;
    a.ready[i] = true;
    this.advertise(a);
  }

  private async unfollow(a: Attached, i: number): Promise<void> {
    const f = a.followers[i];
    a.shards[i] = null; a.followers[i] = null; a.ready[i] = false;
    this.advertise(a);
    this.log(`${a.config.name}/${i}: dropped (assigned elsewhere)`);
    await f?.stop();
  }

  private advertise(a: Attached): void {
    this.membership.setHeld(a.config.name, a.ready.flatMap((r, i) => (r ? [i] : [])));
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
   * Waits until this node's shards `held` have applied what the request must see (see
   * Consistency). When the streams cannot be asked (no NATS quorum: nothing new can be
   * acknowledged either), strong and bounded reads are served from what the node has, as
   * eventual ones. Waits at most readWaitMs, then 503.
   */
  private async catchUp(a: Attached, c: Consistency, held: ShardState[], wait = this.opts.readWaitMs ?? 10_000): Promise<void> {
    if (c === 'eventual' || !held.length) return;
    let targets: Record<number, number> = {};
    let asked: number[] = [];
    const t0 = Date.now();
    const byShard = new Map(held.map((s) => [s.shard, s]));
    if (typeof c === 'object' && 'after' in c) {
      for (const [i, seq] of Object.entries(c.after)) if (byShard.has(Number(i))) targets[Number(i)] = seq;
    } else {
      const lag = typeof c === 'object' && 'maxLagSeq' in c ? c.maxLagSeq : 0;
      // bounded by time: only shards not confirmed caught up within the bound are asked
      asked = typeof c === 'object' && 'maxLagMs' in c
        ? held.filter((s) => t0 - s.caughtUpAt > c.maxLagMs).map((s) => s.shard)
        : held.map((s) => s.shard);
      await Promise.all(asked.map(async (i) => {
        const info = await withTimeout(this.jsm.streams.info(a.config.streams[i]), 2_000).catch(() => null);
        if (info) targets[i] = Math.max(0, info.state.last_seq - lag);
      }));
    }
    const ok = await Promise.all(Object.entries(targets).map(([i, seq]) => byShard.get(Number(i))!.waitFor(seq, wait)));
    if (ok.includes(false)) {
      const msg = `node ${this.opts.nodeId} did not catch up with collection ${a.config.name}'s streams within ${wait} ms (applied ${held.map((s) => `${s.shard}:${s.applied}`).join(',')}; needed ${JSON.stringify(targets)})`;
      this.log(`503: ${msg}`); // a follower stuck for the whole read wait is worth a line in the node's log
      throw new ApiError(503, `Service unavailable: ${msg}`);
    }
    // a shard that reached the stream's last sequence as of t0 holds every write acknowledged before t0
    if (typeof c !== 'object' || !('maxLagSeq' in c)) for (const i of asked) if (targets[i] !== undefined) byShard.get(i)!.caughtUpAt = Math.max(byShard.get(i)!.caughtUpAt, t0);
  }

  /** Waits (bounded) for a held shard to be ready; false when it is not held or not ready in time. */
  private async readyIn(a: Attached, i: number, ms: number): Promise<boolean> {
    const end = Date.now() + ms;
    while (a.shards[i] && !a.ready[i] && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return !!a.shards[i] && a.ready[i];
  }

  /**
   * The collection as this request may read it: per shard this node's copy when it holds it
   * caught up, else a replica over HTTP (those advertising the shard in their node lease first,
   * then the other assigned ones), else this node's copy once caught up; then the consistency
   * wait on the local shards (remote ones wait on their node).
   */
  async read(name: string, consistency: Consistency = 'strong'): Promise<CollectionView> {
    const a = await this.attach(name);
    const { config } = a;
    if (typeof consistency === 'object' && 'after' in consistency) {
      for (const i of Object.keys(consistency.after)) {
        if (!(Number(i) < config.shards)) throw badRequest(`after: shard ${i}; collection ${config.name} has shards 0..${config.shards - 1}`);
      }
    }
    const wait = this.opts.readWaitMs ?? 10_000;
    const score = scoreOf(config.distance === 'Cosine' || config.distance === 'Dot');
    const readers: ShardReader[] = [];
    const local: ShardState[] = [];
    for (let i = 0; i < config.shards; i++) {
      const own = a.shards[i];
      if (own && a.ready[i]) { readers.push(new LocalShard(own, score)); local.push(own); continue; }
      const remote = this.remoteReplicas(name, i);
      if (remote.length && (!own || remote[0].advertised)) { readers.push(new RemoteShard(name, i, remote, consistency, wait)); continue; }
      if (own && await this.readyIn(a, i, wait) && a.shards[i]) { readers.push(new LocalShard(a.shards[i]!, score)); local.push(a.shards[i]!); continue; }
      throw new ApiError(503, `Service unavailable: shard ${i} of collection ${name} has no live replica (${this.assigning ? `live nodes: ${[...this.membership.live.keys()].join(', ')}` : 'this node does not hold it'})`);
    }
    await this.catchUp(a, consistency, local);
    return new CollectionView(config, readers);
  }

  /** Other live nodes to ask for a shard: those advertising it caught up (assignment order first), then the other assigned ones. */
  private remoteReplicas(name: string, shard: number): (Replica & { advertised: boolean })[] {
    const m = this.membership;
    if (!this.assigning) return [];
    const assigned = this.replicasOf(name, shard);
    const rank = (id: string) => { const r = assigned.indexOf(id); return r < 0 ? assigned.length : r; };
    const out: (Replica & { advertised: boolean })[] = [];
    for (const l of m.live.values()) {
      if (l.id === this.opts.nodeId || !l.url) continue;
      const advertised = (l.shards[name] ?? []).includes(shard);
      if (advertised || assigned.includes(l.id)) out.push({ id: l.id, url: l.url, advertised });
    }
    return out.sort((x, y) => Number(y.advertised) - Number(x.advertised) || rank(x.id) - rank(y.id));
  }

  /**
   * A read of one shard for another node (remote.ts): 409 when this node does not hold the shard
   * caught up (waiting a little for one it is catching up), else the consistency wait and the read.
   */
  async serveShard(name: string, shard: number, consistency: Consistency, op: ShardOp, waitMs?: number): Promise<ShardAnswer> {
    const a = await this.attach(name);
    if (!Number.isInteger(shard) || shard < 0 || shard >= a.config.shards) throw badRequest(`shard: got ${shard}; collection ${name} has shards 0..${a.config.shards - 1}`);
    if (!await this.readyIn(a, shard, Math.min(5_000, this.opts.readWaitMs ?? 10_000))) throw new ApiError(409, `node ${this.opts.nodeId} does not hold shard ${shard} of ${name} (caught up)`);
    const s = a.shards[shard]!;
    // the routing node's read wait, not this node's: its client gets its 503 on its own terms
    await this.catchUp(a, consistency, [s], Math.min(waitMs ?? Infinity, this.opts.readWaitMs ?? 10_000));
    const applied = s.applied;
    const score = scoreOf(a.config.distance === 'Cosine' || a.config.distance === 'Dot');
    const f = (x: FilterSpec) => compileSpec(x);
    switch (op.op) {
      case 'search': return { applied, result: s.search(Float32Array.from(op.vector), op.k, op.params ?? {}, score, f(op.filter)) };
      case 'get': return { applied, result: op.keys.flatMap((k) => { const p = s.get(k); return p ? [[k, { vector: Array.from(p.vector), payload: p.payload }]] : []; }) };
      case 'scroll': return { applied, result: s.scroll(op.from, op.limit, f(op.filter)) };
      case 'count': return { applied, result: s.count(f(op.filter)) };
      default: throw badRequest(`op: got ${JSON.stringify((op as { op: unknown }).op)}; expected search, get, scroll or count`);
    }
  }

  async search(name: string, vector: ArrayLike<number>, limit: number, o: { consistency?: Consistency; ef?: number; exact?: boolean; offset?: number; filter?: FilterSpec } = {}): Promise<KeyHit[]> {
    const { config } = await this.attach(name);
    if (vector.length !== config.size) throw badRequest(`vector: got ${vector.length} dimensions; expected ${config.size}`);
    return (await this.read(name, o.consistency ?? 'strong')).search(vector, limit, o);
  }

  async retrieve(name: string, id: PointId, consistency: Consistency = 'strong'): Promise<{ id: PointId; vector: number[]; payload: Payload } | null> {
    const got = await (await this.read(name, consistency)).get(pointKey(id));
    return got ? { id, vector: Array.from(got.vector), payload: got.payload } : null;
  }

  async count(name: string, consistency: Consistency = 'strong', filter: FilterSpec | undefined = undefined): Promise<number> {
    return (await this.read(name, consistency)).count(filter);
  }

  /** Per shard held on this node: sealed segments, points in the growing segment, live points (null: not held here). */
  async segmentsOf(name: string): Promise<({ sealed: number; growing: number; points: number } | null)[]> {
    return (await this.attach(name)).shards.map((s) => (s ? { sealed: s.sealed.length, growing: s.growing.payloads.size, points: s.size } : null));
  }

  /** Per shard: stream sequence applied on this node (null: not held here). */
  async applied(name: string): Promise<(number | null)[]> {
    return (await this.attach(name)).shards.map((s) => s?.applied ?? null);
  }

  /** The shards this node holds of a collection, and whether each is caught up. */
  async held(name: string): Promise<{ shard: number; ready: boolean; assigned: boolean }[]> {
    const a = await this.attach(name);
    return a.shards.flatMap((s, i) => (s ? [{ shard: i, ready: a.ready[i], assigned: a.want[i] }] : []));
  }

  /** Stops following and closes the connection (drained: in-flight publishes finish). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopWatch();
    // the lease first: the other nodes reassign this node's shards without waiting for the TTL
    await this.membership.stop();
    for (const p of this.collections.values()) {
      const a = await p.catch(() => null);
      if (a) await this.stopAttached(a);
    }
    await this.nc.drain().catch(() => this.nc.close());
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms); })]).finally(() => clearTimeout(t));
}
