import { badRequest, notFound } from '../errors.js';
import { compileFilter } from '../filter.js';
import { intIn, parseVector } from '../http.js';
import { pointKey } from '../point-id.js';
import type { KeyHit } from './shard.js';
import { andSpec, NO_FILTER, type CollectionView, type FilterSpec } from './view.js';

type Body = Record<string, unknown>;

/** Reciprocal rank fusion's constant, as the single server (Qdrant's default k = 2). */
const RRF_K = 2;
const PREFETCH_KEYS = ['query', 'prefetch', 'filter', 'limit', 'params', 'score_threshold', 'using', 'lookup_from'];

/** The request's filter, checked here (a 400 naming where it is) and sent as written to the shards. */
export function filterSpec(raw: unknown, where: string): FilterSpec {
  return compileFilter(raw, where) ? { filters: [raw], ids: null } : NO_FILTER;
}

function threshold(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badRequest(`${where}.score_threshold: expected a finite number`);
  return v;
}

/**
 * Qdrant's universal query on a cluster node, with the single server's semantics
 * (src/server/routes/search.ts runQuery, which is bound to the single server's Collection):
 * prefetches first, then `query` ranks their union (RRF fusion of their rankings, or a vector
 * re-scoring the prefetched points); without prefetch a vector / point id / {nearest} query
 * searches every shard and merges; no query lists points in id order. BM25 text queries need
 * a text index, which cluster shards do not have: 400.
 */
export async function clusterQuery(v: CollectionView, body: Body, outer: FilterSpec, where: string): Promise<KeyHit[]> {
  const limit = intIn(body.limit, 10, 0, 100000, `${where}.limit`);
  const offset = intIn(body.offset, 0, 0, 1000000, `${where}.offset`);
  const filter = andSpec(filterSpec(body.filter, `${where}.filter`), outer);
  const prm = (body.params ?? {}) as Body;
  const ef = (prm.hnsw_ef as number | null) ?? undefined;
  if (prm.exact != null && typeof prm.exact !== 'boolean') throw badRequest(`${where}.params.exact: got ${JSON.stringify(prm.exact)}; expected true, false or null`);
  let exact = prm.exact === true;
  const thr = threshold(body.score_threshold, where);
  const pre = body.prefetch == null ? [] : Array.isArray(body.prefetch) ? body.prefetch as Body[] : [body.prefetch as Body];
  const sub: KeyHit[][] = [];
  for (const [i, pf] of pre.entries()) {
    if (!pf || typeof pf !== 'object') throw badRequest(`${where}.prefetch[${i}]: expected a query object`);
    for (const k of Object.keys(pf)) if (!PREFETCH_KEYS.includes(k)) throw badRequest(`${where}.prefetch[${i}]: unknown field ${JSON.stringify(k)}`);
    sub.push(await clusterQuery(v, { ...pf, offset: 0 }, filter, `${where}.prefetch[${i}]`));
  }
  let q = body.query;
  if (q && typeof q === 'object' && !Array.isArray(q) && 'nearest' in (q as Body)) q = (q as Body).nearest;
  const qo = q && typeof q === 'object' && !Array.isArray(q) ? q as Body : null;
  let hits: KeyHit[];
  let higherBetter = v.similarity;
  if (qo && ('fusion' in qo || 'rrf' in qo)) {
    if ('fusion' in qo && qo.fusion !== 'rrf') throw badRequest(`${where}.query.fusion: got ${JSON.stringify(qo.fusion)}; supported: "rrf"`);
    if (sub.length === 0) throw badRequest(`${where}.query: fusion needs prefetch queries to fuse`);
    const k = 'rrf' in qo ? intIn((qo.rrf as Body | null)?.k, RRF_K, 1, 100000, `${where}.query.rrf.k`) : RRF_K;
    const fused = new Map<string, number>();
    for (const list of sub) list.forEach((h, r) => fused.set(h.key, (fused.get(h.key) ?? 0) + 1 / (k + r + 1)));
    hits = [...fused.entries()].map(([key, score]) => ({ key, score })).sort((a, b) => b.score - a.score || cmpKey(a.key, b.key)).slice(offset, offset + limit);
    higherBetter = true;
  } else if (qo && 'text' in qo) {
    throw badRequest(`${where}.query.text: cluster nodes have no text index; BM25 queries are served by the single server only`);
  } else if (q === undefined || q === null) {
    if (sub.length) throw badRequest(`${where}.query: prefetch needs a query (a vector, or {fusion: "rrf"})`);
    hits = (await v.scroll(null, offset + limit, filter)).keys.slice(offset).map((key) => ({ key, score: 0 }));
  } else {
    let vector: ArrayLike<number>, exclude: string | undefined;
    if (Array.isArray(q)) vector = parseVector(q, v.config.size, `${where}.query`, false);
    else if (typeof q === 'number' || typeof q === 'string') {
      exclude = pointKey(q, `${where}.query`);
      const p = await v.get(exclude);
      if (!p) throw notFound(`No point with id ${JSON.stringify(q)} found (${where}.query)`);
      vector = p.vector;
    } else throw badRequest(`${where}.query: expected a vector or a point id`);
    let f = filter;
    if (sub.length) {
      // re-score the prefetched points exactly, among them alone (as the single server)
      f = andSpec(f, { filters: [], ids: [...new Set(sub.flat().map((h) => h.key))] });
      exact = true;
    }
    hits = await v.search(vector, limit, { offset, filter: f, ef, exact, exclude });
  }
  if (thr !== undefined) hits = hits.filter((h) => (higherBetter ? h.score >= thr : h.score <= thr));
  return hits;
}

function cmpKey(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }
