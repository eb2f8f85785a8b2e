import { valuesAt, type Payload } from './filter.js';

/** Lower-cased runs of letters and digits (Unicode), the same for documents and queries. */
export function tokenize(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * BM25 (Robertson & Zaragoza 2009) over one text payload field: an inverted index
 * term -> (id, tf). score(q, d) = sum over query terms t of
 *   idf(t) * tf(t, d) * (k1 + 1) / (tf(t, d) + k1 * (1 - b + b * |d| / avgdl)),
 *   idf(t) = ln(1 + (N - df(t) + 0.5) / (df(t) + 0.5)),
 * with k1 = 1.2, b = 0.75 (Lucene's defaults). It is the lexical half of hybrid retrieval:
 * `points/query` fuses its ranking with the vector ranking (reciprocal rank fusion).
 */
export class Bm25Index {
  field: string | null = null;
  private postings = new Map<string, Map<number, number>>();
  private lengths = new Map<number, number>();
  private totalLength = 0;
  readonly k1 = 1.2;
  readonly b = 0.75;

  /** Indexes `field` of every payload (null: no text index). */
  setField(field: string | null, payloads: Map<number, Payload>): void {
    this.field = field;
    this.postings.clear();
    this.lengths.clear();
    this.totalLength = 0;
    if (field) for (const [id, p] of payloads) this.add(id, p);
  }

  private text(p: Payload): string {
    return valuesAt(p, this.field!).filter((v) => typeof v === 'string').join(' ');
  }

  add(id: number, p: Payload): void {
    if (!this.field) return;
    const toks = tokenize(this.text(p));
    if (toks.length === 0) return;
    const tf = new Map<string, number>();
    for (const t of toks) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [t, n] of tf) {
      let post = this.postings.get(t);
      if (!post) this.postings.set(t, (post = new Map()));
      post.set(id, n);
    }
    this.lengths.set(id, toks.length);
    this.totalLength += toks.length;
  }

  remove(id: number, p: Payload): void {
    if (!this.field) return;
    const len = this.lengths.get(id);
    if (len === undefined) return;
    for (const t of new Set(tokenize(this.text(p)))) {
      const post = this.postings.get(t);
      if (post) { post.delete(id); if (post.size === 0) this.postings.delete(t); }
    }
    this.lengths.delete(id);
    this.totalLength -= len;
  }

  /** Top `limit` ids by BM25 score for a text query (only ids in `allow` when given). */
  search(query: string, limit: number, allow: Set<number> | null): { id: number; score: number }[] {
    const N = this.lengths.size;
    if (N === 0 || limit <= 0) return [];
    const avgdl = this.totalLength / N;
    const scores = new Map<number, number>();
    for (const t of new Set(tokenize(query))) {
      const post = this.postings.get(t);
      if (!post) continue;
      const idf = Math.log(1 + (N - post.size + 0.5) / (post.size + 0.5));
      for (const [id, tf] of post) {
        if (allow && !allow.has(id)) continue;
        const dl = this.lengths.get(id)!;
        const s = idf * (tf * (this.k1 + 1)) / (tf + this.k1 * (1 - this.b + this.b * dl / avgdl));
        scores.set(id, (scores.get(id) ?? 0) + s);
      }
    }
    return [...scores.entries()].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
  }
}
