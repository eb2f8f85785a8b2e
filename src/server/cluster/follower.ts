import { AckPolicy, DeliverPolicy, ReplayPolicy } from '@nats-io/jetstream';
import type { Consumer, ConsumerMessages, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { decodeChange } from './codec.js';
import type { ShardState } from './shard.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Keeps a shard's in-memory state following its stream, exactly in stream order.
 *
 * It reads through an ephemeral pull consumer of its own (no acks, in memory, one replica,
 * starting at `applied + 1`) with short fetches (2 s expiry, 1 s heartbeats). Any sign of
 * trouble — a fetch error, missed heartbeats, a fetch that outlives its expiry, or a message
 * whose sequence is not `applied + 1` (a gap: a delivery lost with a server) — drops the
 * consumer and makes a new one from `applied + 1` on whichever server answers. This is what the
 * client library's ordered consumer does, done here because its recovery asks a consumer that
 * died with its server for its info and can wait for a long time (seen with nats-server 2.9).
 */
export class ShardFollower {
  private consumer: Consumer | null = null;
  private batch: ConsumerMessages | null = null;
  private stopped = false;
  private loop: Promise<void> | null = null;
  /** Consumers made again after trouble (tests and metrics read it). */
  restarts = 0;

  /**
   * `recover` loads the shard's sealed segment when the manifest is ahead of the shard: at the
   * start (replay only after the manifest's sequence) and at a gap (records below the purge
   * point are gone from the stream; the segment holds them).
   */
  constructor(private js: JetStreamClient, private jsm: JetStreamManager, readonly stream: string, readonly shard: ShardState, private log: (m: string) => void,
    private recover: () => Promise<boolean> = async () => false) {}

  private async tryRecover(why: string): Promise<void> {
    const t0 = Date.now();
    if (process.env.KNNKIT_CLUSTER_DEBUG) this.log(`${why}: loading the manifest's segments (applied ${this.shard.applied})`);
    try {
      const loaded = await withTimeout(this.recover(), 90_000, 'loading the sealed segments');
      if (process.env.KNNKIT_CLUSTER_DEBUG) this.log(`${why}: ${loaded ? 'loaded' : 'nothing newer to load'} in ${Date.now() - t0} ms`);
    } catch (e) {
      this.log(`${why}: sealed segment not loaded (${(e as Error).message}); following the stream`);
    }
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async newConsumer(): Promise<Consumer> {
    // a short bound: a request sent while the connection fails over can be lost, and a new try
    // on the new connection is quicker than the manager's 10 s timeout (an orphan the late
    // request may create is removed by the server after inactive_threshold)
    const ci = await withTimeout(this.jsm.consumers.add(this.stream, {
      ack_policy: AckPolicy.None, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.shard.applied + 1,
      replay_policy: ReplayPolicy.Instant, mem_storage: true, num_replicas: 1,
      inactive_threshold: 30e9, // ns: the server removes it 30 s after this node stops pulling
    }), 3_000, 'creating the consumer');
    return this.js.consumers.getConsumerFromInfo(ci);
  }

  private dropConsumer(): void {
    const name = this.consumer ? (this.consumer as unknown as { name?: string }).name : undefined;
    this.consumer = null;
    if (name) this.jsm.consumers.delete(this.stream, name).catch(() => undefined);
  }

  /**
   * After a fetch that delivered nothing: is the stream ahead of this shard all the same? A
   * follower whose next records were purged (sealed into segments) while the stream then stays
   * idle gets no message at all, so no gap shows; asked at most every 5 s while idle (at once
   * after a new consumer), the stream's first and last sequences tell. Records purged under the
   * shard: load the manifest; records there but not delivered at two probes in a row: a new consumer.
   */
  private async probeIdle(): Promise<void> {
    if (Date.now() - this.lastProbe < 5_000) return;
    this.lastProbe = Date.now();
    const info = await withTimeout(this.jsm.streams.info(this.stream), 3_000, 'stream info').catch(() => null);
    if (!info) return;
    const { first_seq: first, last_seq: last } = info.state;
    if (first > this.shard.applied + 1) {
      await this.tryRecover(`idle at ${this.shard.applied} below the stream's first sequence ${first}`);
      throw new Error(`behind the purged stream start (${first})`);
    }
    // twice in a row at the same point: not a record that arrived just after the fetch expired
    if (last > this.shard.applied && this.idleBehind === this.shard.applied) throw new Error(`idle at ${this.shard.applied} with the stream at ${last}`);
    this.idleBehind = last > this.shard.applied ? this.shard.applied : -1;
  }

  private lastProbe = 0;
  private idleBehind = -1;

  private async run(): Promise<void> {
    let failures = 0;
    await this.tryRecover('start');
    while (!this.stopped) {
      try {
        if (!this.consumer) { this.consumer = await this.newConsumer(); this.lastProbe = 0; }
        // bounded too: only the batch below is guarded, and a fetch that never answered (seen
        // right after this node's own seal and purge) stalled the follower with no error: the
        // shard's sealer then renewed its lease for ever without seeing the new records
        const batch = await withTimeout(this.consumer.fetch({ max_messages: 512, expires: 2_000, idle_heartbeat: 1_000 }), 10_000, 'starting a fetch');
        this.batch = batch;
        const guard = setTimeout(() => batch.stop(new Error('fetch outlived its expiry')), 8_000);
        let got = 0;
        try {
          for await (const m of batch) {
            if (m.seq !== this.shard.applied + 1) throw new Error(`gap: got sequence ${m.seq} after ${this.shard.applied}`);
            this.shard.apply(decodeChange(m.data, `${this.stream}#${m.seq}`), m.seq);
            got++;
          }
          // an iterator ended by stop(err) rethrows; one ended by expiry just returns
          await batch.closed().then((err) => { if (err) throw err; });
        } finally {
          clearTimeout(guard);
          this.batch = null;
        }
        if (got === 0 && !this.stopped) await this.probeIdle();
        failures = 0;
      } catch (e) {
        if (this.stopped) break;
        if (/stream not found/i.test((e as Error).message)) {
          // the collection was deleted (its streams first go with it): nothing left to follow
          this.log(`${this.stream} no longer exists; stopped following`);
          this.stopped = true;
          break;
        }
        this.restarts++;
        if (/^gap:/.test((e as Error).message)) await this.tryRecover((e as Error).message);
        if (failures === 0 || process.env.KNNKIT_CLUSTER_DEBUG) this.log(`following ${this.stream} again from ${this.shard.applied + 1} (${(e as Error).message})`);
        this.dropConsumer();
        await sleep(Math.min(2_000, 100 * 2 ** Math.min(failures++, 5)));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.batch?.stop();
    await this.loop?.catch(() => undefined);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: no answer in ${ms} ms`)), ms); })]).finally(() => clearTimeout(t));
}
