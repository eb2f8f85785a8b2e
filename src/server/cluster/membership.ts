import type { KV } from '@nats-io/kv';
import { bounded } from './sealer.js';

/** A node's liveness lease in the metadata bucket (`nodes.<id>`). */
export interface NodeLease {
  id: string;
  /** Base URL of the node's HTTP API (null: an in-process node that serves no one else). */
  url: string | null;
  /** Wall-clock expiry (ms); renewed every leaseMs / 3. */
  until: number;
  /** Shards this node holds caught up and answers for, per collection. */
  shards: Record<string, number[]>;
  /** This process's start (a restart under the same id writes a new one). */
  started: string;
}

/**
 * Node liveness: each node keeps `nodes.<id>` in the metadata bucket fresh (a TTL'd lease,
 * written by compare-and-swap on the revision it last wrote or read, so a node restarted under
 * the same id takes the key over in one update) and reads everyone's every leaseMs / 3. A node
 * is live while its lease is unexpired (wall clocks, as the sealer leases: nodes' clocks must
 * agree to well within the TTL); a node already live is declared dead only once this node's own
 * renewals have succeeded for a full lease time: a bucket that took no writes (a NATS failover
 * longer than the TTL) let no node renew, so expiries then prove nothing. A node closing deletes
 * its key, so the others reassign its shards at once instead of after the TTL. `onChange` runs when the set of live nodes changes.
 */
export class Membership {
  private rev = 0;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> | null = null;
  private stopped = false;
  private readonly started = new Date().toISOString();
  private held: Record<string, number[]> = {};
  /** Since when this node's lease renewals have succeeded without a failure in between (0: the last one failed). */
  private okSince = 0;
  /** The live nodes as of the last read (this node always included while running). */
  live = new Map<string, NodeLease>();
  onChange: () => void = () => undefined;

  /** `url`: null for an in-process node (in the live set, never assigned shards) until it serves HTTP (announce). */
  constructor(private meta: KV, readonly nodeId: string, public url: string | null, readonly leaseMs: number, private log: (m: string) => void) {}

  /** The node now serves HTTP at `url`: written to its lease at once (bounded), then the live set read. */
  async announce(url: string): Promise<void> {
    this.url = url;
    await this.renew();
    await this.refreshOrKeep('announce');
  }

  /**
   * The live set read now, or (the listing not answered in time: a NATS server just lost, a
   * loaded machine) this node alone until the next beat reads it: a slow listing must not fail
   * a node's start, as it once failed a test's node after a server was SIGKILLed.
   */
  private async refreshOrKeep(why: string): Promise<void> {
    try {
      await this.refresh();
    } catch (e) {
      if (!this.live.has(this.nodeId)) this.live.set(this.nodeId, this.record());
      this.log(`node leases not read at ${why} (${(e as Error).message}); read again at the next beat`);
    }
  }

  private get key(): string { return `nodes.${this.nodeId}`; }

  private record(): NodeLease {
    return { id: this.nodeId, url: this.url, until: Date.now() + this.leaseMs, shards: this.held, started: this.started };
  }

  /** Writes the lease (bounded; a start without a NATS quorum fails) and starts renewing. */
  async start(): Promise<void> {
    await this.renew();
    this.okSince = Date.now();
    await this.refreshOrKeep('start');
    this.timer = setInterval(() => { if (!this.busy) this.busy = this.beat().finally(() => { this.busy = null; }); }, Math.max(50, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  /** What this node holds caught up (advertised at the next renewal, which this triggers). */
  setHeld(collection: string, shards: number[]): void {
    const cur = this.held[collection] ?? [];
    if (cur.length === shards.length && cur.every((s, i) => s === shards[i])) return;
    this.held = { ...this.held, [collection]: shards };
    if (!shards.length) delete this.held[collection];
    if (!this.busy && this.timer) this.busy = this.beat().finally(() => { this.busy = null; });
  }

  private async beat(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.renew();
      this.okSince ||= Date.now();
    } catch (e) {
      this.okSince = 0;
      this.log(`node lease not renewed (${(e as Error).message}); retrying`);
    }
    try { await bounded(this.refresh(), this.leaseMs, 'reading the node leases'); } catch (e) { this.log(`node leases not read (${(e as Error).message}); keeping the last live set`); }
  }

  /**
   * Compare-and-swap on the revision this node last wrote; when that fails (first write, a
   * restart under the same id, a lost answer), reads the key and updates on its revision.
   */
  private async renew(): Promise<void> {
    const val = JSON.stringify(this.record());
    if (this.rev) {
      try { this.rev = await bounded(this.meta.update(this.key, val, this.rev), 3_000, 'renewing the node lease'); return; } catch { /* read and take over below */ }
    }
    const e = await bounded(this.meta.get(this.key), 3_000, 'reading the node lease');
    if (e && e.operation === 'PUT') {
      const prev = e.json<NodeLease>();
      if (prev.started !== this.started && prev.until > Date.now() && this.rev === 0) this.log(`node id ${this.nodeId}: taking over a lease still fresh (a restart of this node, or another process with the same id)`);
      this.rev = await bounded(this.meta.update(this.key, val, e.revision), 3_000, 'taking over the node lease');
    } else if (e) {
      this.rev = await bounded(this.meta.update(this.key, val, e.revision), 3_000, 'writing the node lease');
    } else {
      this.rev = await bounded(this.meta.create(this.key, val), 3_000, 'creating the node lease');
    }
  }

  /** Reads every node lease; the live set is those unexpired. */
  async refresh(): Promise<void> {
    const keys: string[] = [];
    for await (const k of await bounded(this.meta.keys('nodes.>'), 3_000, 'listing node leases')) keys.push(k);
    // a node live before and missing from the listing is read by its key (a listing cut short must not kill it)
    for (const id of this.live.keys()) if (!keys.includes(`nodes.${id}`)) keys.push(`nodes.${id}`);
    const now = Date.now();
    const next = new Map<string, NodeLease>();
    for (const k of keys) {
      // a lease that cannot be read is not an expired one: the whole read fails and the last live set stays
      const e = await bounded(this.meta.get(k), 3_000, `reading the node lease ${k}`);
      if (!e || e.operation !== 'PUT') continue;
      const l = e.json<NodeLease>();
      // no node is declared dead before the bucket has taken writes for a full lease time: while
      // it could not (a NATS failover), no node could renew, and an expiry proves nothing
      if (l.until > now || (this.live.has(l.id) && (this.okSince === 0 || now - this.okSince < this.leaseMs))) next.set(l.id, l);
    }
    if (!this.stopped) next.set(this.nodeId, this.record());
    const before = [...this.live.keys()].sort().join(',');
    const after = [...next.keys()].sort().join(',');
    this.live = next;
    if (before !== after) {
      this.log(`live nodes: ${after}`);
      this.onChange();
    }
  }

  /** Live node ids that serve HTTP (those a shard can be assigned to). */
  servingIds(): string[] {
    return [...this.live.values()].filter((l) => l.url).map((l) => l.id);
  }

  /** Stops renewing and deletes the lease (a clean leave: the others reassign without waiting for the TTL). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.busy?.catch(() => undefined);
    await bounded(this.meta.delete(this.key, this.rev ? { previousSeq: this.rev } : undefined), 3_000, 'deleting the node lease').catch(() => undefined);
  }
}
