import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { buildServer } from '../../src/server/app.js';

/**
 * Retrieval for RAG through `knnkit serve`, on real embeddings shipped inside an npm package:
 * @sap-ux/fiori-docs-embeddings (Apache-2.0) holds 778 chunks of SAP Fiori documentation with
 * their all-MiniLM-L6-v2 vectors (384 dimensions, float32, embeddings.bin + records.jsonl).
 * Nothing is downloaded and no model runs: queries are held-out chunks' own vectors (a chunk's
 * embedding stands in for the embedding of a question about it) and their titles as text.
 *
 * Every `holdOutEvery`-th chunk is held out as a query; the others are indexed with their text as
 * payload, through the official Qdrant client, in a server on 127.0.0.1. For each query:
 * - vector search (HNSW, Cosine) vs exact search (brute force here, in-process): recall@k;
 * - hybrid: prefetch vector top-20 and BM25 top-20 on the chunk titles, fused by RRF;
 * - category precision@k: the share of retrieved chunks from the query chunk's own documentation
 *   category (a label the package ships; every chunk here is a whole page, so no same-page hits).
 * Questions typed as free text go to BM25 alone (lexical matching on titles and text, not an
 * embedding: no model runs here).
 */
export interface Chunk { id: string; title: string; content: string; category: string; document_id: string; path: string }

export interface RagReport {
  chunks: number;
  dim: number;
  model: string;
  indexed: number;
  queries: number;
  k: number;
  /** Mean recall@k of the server's HNSW search against exact cosine search. */
  recallVsExact: number;
  /** Mean recall@k of the server's search with params.exact against exact search (1 if correct). */
  recallExactMode: number;
  /** Mean share of the top k from the query chunk's category (vector search / hybrid). */
  categoryPrecisionVector: number;
  categoryPrecisionHybrid: number;
  /** Free-text questions answered by BM25 (lexical) over the chunk titles. */
  asked: { question: string; titles: string[] }[];
  upsertMs: number;
  searchMsPerQuery: number;
  examples: { query: string; vector: string[]; hybrid: string[] }[];
}

/** The package's files (null when it is not installed). */
export function locateEmbeddings(): { bin: string; records: string; metadata: string } | null {
  try {
    const req = createRequire(import.meta.url);
    const root = dirname(req.resolve('@sap-ux/fiori-docs-embeddings/package.json'));
    const dir = join(root, 'data', 'embeddings');
    const files = { bin: join(dir, 'embeddings.bin'), records: join(dir, 'records.jsonl'), metadata: join(dir, 'metadata.json') };
    return existsSync(files.bin) && existsSync(files.records) ? files : null;
  } catch {
    return null;
  }
}

export function loadEmbeddings(): { chunks: Chunk[]; vectors: Float32Array; dim: number; model: string } {
  const f = locateEmbeddings();
  if (!f) throw new Error('@sap-ux/fiori-docs-embeddings is not installed (npm install)');
  const meta = JSON.parse(readFileSync(f.metadata, 'utf8')) as { dimensions: number; totalVectors: number; model: string };
  const chunks = readFileSync(f.records, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Chunk);
  const b = readFileSync(f.bin);
  if (b.length !== meta.totalVectors * meta.dimensions * 4 || chunks.length !== meta.totalVectors) {
    throw new Error(`embeddings: ${b.length} bytes and ${chunks.length} records for ${meta.totalVectors} x ${meta.dimensions} float32`);
  }
  const vectors = new Float32Array(b.length / 4);
  new Uint8Array(vectors.buffer).set(b);
  return { chunks, vectors, dim: meta.dimensions, model: meta.model };
}

function cosineTop(q: Float32Array, rows: { i: number; v: Float32Array }[], k: number): number[] {
  const qn = Math.hypot(...q);
  return rows.map(({ i, v }) => {
    let dot = 0, n = 0;
    for (let j = 0; j < v.length; j++) { dot += q[j] * v[j]; n += v[j] * v[j]; }
    return { i, s: dot / (qn * Math.sqrt(n)) };
  }).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, k).map((x) => x.i);
}

export async function runRag(opts: { dataDir: string; holdOutEvery?: number; k?: number; ask?: string[] }): Promise<RagReport> {
  const { chunks, vectors, dim, model } = loadEmbeddings();
  const every = opts.holdOutEvery ?? 10, k = opts.k ?? 10;
  const row = (i: number) => vectors.subarray(i * dim, (i + 1) * dim);
  const queryIdx = chunks.map((_, i) => i).filter((i) => i % every === every - 1);
  const isQuery = new Set(queryIdx);
  const docIdx = chunks.map((_, i) => i).filter((i) => !isQuery.has(i));

  const server = await buildServer({ dataDir: opts.dataDir, snapshotIntervalMs: 0 });
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const client = new QdrantClient({ url, checkCompatibility: false });
  try {
    await client.createCollection('fiori', { vectors: { size: dim, distance: 'Cosine' } });
    const t0 = performance.now();
    for (let s = 0; s < docIdx.length; s += 128) {
      const part = docIdx.slice(s, s + 128);
      await client.upsert('fiori', { wait: true, points: part.map((i) => ({ id: i, vector: Array.from(row(i)), payload: { title: chunks[i].title, text: chunks[i].content, category: chunks[i].category, document_id: chunks[i].document_id, path: chunks[i].path } })) });
    }
    const upsertMs = performance.now() - t0;
    await client.createPayloadIndex('fiori', { field_name: 'title', field_schema: 'text', wait: true });
    await client.createPayloadIndex('fiori', { field_name: 'category', field_schema: 'keyword', wait: true });

    const rows = docIdx.map((i) => ({ i, v: row(i) }));
    let recall = 0, recallExact = 0, catV = 0, catH = 0, searchMs = 0;
    const examples: RagReport['examples'] = [];
    for (const q of queryIdx) {
      const qv = Array.from(row(q));
      const truth = cosineTop(row(q), rows, k);
      const s0 = performance.now();
      const got = await client.search('fiori', { vector: qv, limit: k, with_payload: ['title', 'category'] });
      searchMs += performance.now() - s0;
      const exact = await client.search('fiori', { vector: qv, limit: k, params: { exact: true } });
      const hybrid = await client.query('fiori', {
        prefetch: [{ query: qv, limit: 20 }, { query: { text: chunks[q].title } as never, limit: 20 }],
        query: { fusion: 'rrf' }, limit: k, with_payload: ['title', 'category'],
      });
      const t = new Set(truth);
      recall += got.filter((h) => t.has(h.id as number)).length / truth.length;
      recallExact += exact.filter((h) => t.has(h.id as number)).length / truth.length;
      const cat = chunks[q].category;
      catV += got.filter((h) => (h.payload as { category: string }).category === cat).length / Math.max(1, got.length);
      catH += hybrid.points.filter((h) => (h.payload as { category: string }).category === cat).length / Math.max(1, hybrid.points.length);
      if (examples.length < 3) {
        examples.push({ query: chunks[q].title, vector: got.slice(0, 3).map((h) => `${(h.payload as { title: string }).title} (${h.score.toFixed(3)})`), hybrid: hybrid.points.slice(0, 3).map((h) => `${(h.payload as { title: string }).title} (rrf ${h.score.toFixed(3)})`) });
      }
    }
    const asked: RagReport['asked'] = [];
    for (const question of opts.ask ?? []) {
      const r = await client.query('fiori', { query: { text: question } as never, limit: 3, with_payload: ['title'] });
      asked.push({ question, titles: r.points.map((h) => (h.payload as { title: string }).title) });
    }
    return {
      chunks: chunks.length, dim, model, indexed: docIdx.length, queries: queryIdx.length, k,
      recallVsExact: recall / queryIdx.length, recallExactMode: recallExact / queryIdx.length,
      categoryPrecisionVector: catV / queryIdx.length, categoryPrecisionHybrid: catH / queryIdx.length,
      upsertMs, searchMsPerQuery: searchMs / queryIdx.length, examples, asked,
    };
  } finally {
    await server.close();
  }
}
