import { ApiError } from '../errors.js';
import type { Consistency } from './node.js';
import type { KeyHit } from './shard.js';
import type { FilterSpec, ShardReader, StoredPoint } from './view.js';

/** The internal read a node answers for a shard it holds (`POST /internal/shards/{collection}/{shard}`). */
export type ShardOp =
  | { op: 'search'; vector: number[]; k: number; params: Record<string, unknown>; filter: FilterSpec }
  | { op: 'get'; keys: string[] }
  | { op: 'scroll'; from: string | null; limit: number; filter: FilterSpec }
  | { op: 'count'; filter: FilterSpec };

export interface ShardAnswer { applied: number; result: unknown }

/** A replica to ask: node id and its HTTP base URL. */
export interface Replica { id: string; url: string }

/**
 * A shard held by other nodes, read over HTTP: each call goes to the first replica that
 * answers (the one that answered before first), with the request's consistency; a replica that
 * times out, is unreachable, does not hold the shard (409) or cannot serve it (5xx) is skipped
 * for the next. Once a replica has answered at stream sequence s, later calls of the same
 * request ask for at least s (read-your-writes on that shard), so a fail-over mid-request never
 * reads an older state. No replica left: 503 naming the shard, never a partial answer.
 */
export class RemoteShard implements ShardReader {
  private consistency: Consistency;
  /** Per call: an eventual read waits for nothing, so a replica silent for 5 s is skipped; others may wait up to the read wait. */
  private readonly timeoutMs: number;

  /** `waitMs`: the routing node's read wait, which the replica applies (each call is cut at it + 5 s). */
  constructor(private collection: string, private shard: number, private replicas: Replica[], consistency: Consistency, private waitMs: number) {
    this.consistency = restrict(consistency, shard);
    this.timeoutMs = this.consistency === 'eventual' ? 5_000 : waitMs + 5_000;
  }

  private async call(op: ShardOp): Promise<unknown> {
    const tried: string[] = [];
    for (let i = 0; i < this.replicas.length; i++) {
      const r = this.replicas[i];
      let res: Response;
      try {
        res = await fetch(`${r.url}/internal/shards/${encodeURIComponent(this.collection)}/${this.shard}`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ consistency: this.consistency, wait_ms: this.waitMs, ...op }), signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (e) {
        tried.push(`${r.id}: ${(e as Error).message}`);
        continue;
      }
      const body = await res.json().catch(() => null) as { result?: ShardAnswer; status?: { error?: string } } | null;
      if (res.status === 200 && body?.result) {
        // the answering replica first next time; later calls must not read older than this one
        if (i > 0) this.replicas = [r, ...this.replicas.filter((x) => x !== r)];
        const prev = typeof this.consistency === 'object' && 'after' in this.consistency ? this.consistency.after[this.shard] ?? 0 : 0;
        this.consistency = { after: { [this.shard]: Math.max(prev, body.result.applied) } };
        return body.result.result;
      }
      const msg = body?.status?.error ?? `HTTP ${res.status}`;
      // the client's mistake is the same on every replica
      if (res.status === 400 || res.status === 404) throw new ApiError(res.status, msg);
      tried.push(`${r.id}: ${msg}`);
    }
    throw new ApiError(503, `Service unavailable: shard ${this.shard} of collection ${this.collection} has no replica that answered (${tried.length ? tried.join('; ') : 'no live replica'})`);
  }

  async search(q: Float32Array, k: number, params: Record<string, unknown>, filter: FilterSpec): Promise<KeyHit[]> {
    return await this.call({ op: 'search', vector: Array.from(q), k, params, filter }) as KeyHit[];
  }

  async get(keys: string[]): Promise<Map<string, StoredPoint>> {
    const got = await this.call({ op: 'get', keys }) as [string, { vector: number[]; payload: StoredPoint['payload'] }][];
    return new Map(got.map(([k, p]) => [k, { vector: Float32Array.from(p.vector), payload: p.payload }]));
  }

  async scroll(from: string | null, limit: number, filter: FilterSpec): Promise<string[]> {
    return await this.call({ op: 'scroll', from, limit, filter }) as string[];
  }

  async count(filter: FilterSpec): Promise<number> {
    return await this.call({ op: 'count', filter }) as number;
  }
}

/** The part of a request's consistency that concerns one shard (read-your-writes: its sequence). */
function restrict(c: Consistency, shard: number): Consistency {
  if (typeof c === 'object' && 'after' in c) return c.after[shard] !== undefined ? { after: { [shard]: c.after[shard] } } : 'eventual';
  return c;
}
