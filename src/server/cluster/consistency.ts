import type { FastifyReply, FastifyRequest } from 'fastify';
import { badRequest } from '../errors.js';
import type { Consistency } from './node.js';

/** Response header of a write: the shard stream sequences it was stored at ("0:12,3:40"). */
export const SEQUENCES_HEADER = 'knnkit-sequences';
/** Request header of a read-your-writes read: the sequences it must see (same format). */
export const AFTER_HEADER = 'knnkit-after';

/** "0:12,3:40" -> {0: 12, 3: 40}; `where` names the header or parameter in the 400. */
export function parseSequences(v: unknown, where: string): Record<number, number> {
  if (typeof v !== 'string' || !/^\d+:\d+(,\d+:\d+)*$/.test(v.replace(/\s+/g, ''))) {
    throw badRequest(`${where}: got ${JSON.stringify(v)}; expected shard:sequence pairs separated by commas, as a write's ${SEQUENCES_HEADER} header, e.g. "0:12,3:40"`);
  }
  const out: Record<number, number> = {};
  for (const pair of v.replace(/\s+/g, '').split(',')) {
    const [s, q] = pair.split(':').map(Number);
    if (!Number.isSafeInteger(s) || !Number.isSafeInteger(q)) throw badRequest(`${where}: ${JSON.stringify(pair)} is out of range`);
    out[s] = Math.max(out[s] ?? 0, q); // a client merging several writes' headers keeps the latest per shard
  }
  return out;
}

export function formatSequences(seqs: Record<number, number>): string {
  return Object.entries(seqs).sort((a, b) => Number(a[0]) - Number(b[0])).map(([s, q]) => `${s}:${q}`).join(',');
}

function nonNegInt(v: unknown, where: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest(`${where}: got ${JSON.stringify(v)}; expected a non-negative integer`);
  return n;
}

/**
 * A read's consistency from its query string and headers (docs/cluster.md, "Consistency"):
 * `consistency=eventual | strong | bounded | session` (Qdrant's `majority`, `quorum`, `all` and
 * replica counts read as strong), `max_lag_ms` / `max_lag_seq` for bounded staleness, and the
 * knnkit-after header or `after` parameter for read-your-writes. Default: read-your-writes when
 * sequences are given, else strong.
 */
export function readConsistency(req: FastifyRequest): Consistency {
  const q = req.query as Record<string, unknown>;
  const afterRaw = q.after ?? req.headers[AFTER_HEADER];
  const after = afterRaw === undefined ? null : parseSequences(afterRaw, q.after !== undefined ? 'after' : `${AFTER_HEADER} header`);
  const lagMs = q.max_lag_ms === undefined ? null : nonNegInt(q.max_lag_ms, 'max_lag_ms');
  const lagSeq = q.max_lag_seq === undefined ? null : nonNegInt(q.max_lag_seq, 'max_lag_seq');
  if (lagMs !== null && lagSeq !== null) throw badRequest('max_lag_ms and max_lag_seq: give one bound, not both');
  const c = q.consistency;
  const bounded = (): Consistency => {
    if (lagMs !== null) return { maxLagMs: lagMs };
    if (lagSeq !== null) return { maxLagSeq: lagSeq };
    throw badRequest('consistency=bounded: expected max_lag_ms or max_lag_seq');
  };
  if (c === undefined) return after ? { after } : lagMs !== null || lagSeq !== null ? bounded() : 'strong';
  if (c === 'eventual') return 'eventual';
  if (c === 'bounded') return bounded();
  if (c === 'session') {
    if (!after) throw badRequest(`consistency=session: expected the ${AFTER_HEADER} header or the after parameter (a write's ${SEQUENCES_HEADER})`);
    return { after };
  }
  if (c === 'strong' || c === 'all' || c === 'majority' || c === 'quorum' || (typeof c === 'string' && /^\d+$/.test(c))) return 'strong';
  throw badRequest(`consistency: got ${JSON.stringify(c)}; expected eventual, strong, bounded (with max_lag_ms or max_lag_seq) or session (with ${AFTER_HEADER})`);
}

/** A write's answer: Qdrant's UpdateResult, with the sequences in the body and the header. */
export function writeResult(reply: FastifyReply, seqs: Record<number, number>): Record<string, unknown> {
  reply.header(SEQUENCES_HEADER, formatSequences(seqs));
  return { operation_id: Math.max(0, ...Object.values(seqs)), status: 'completed', knnkit_sequences: seqs };
}
