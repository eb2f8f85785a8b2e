// npm run example:rag — retrieval for RAG through `knnkit serve` on the 778 SAP Fiori
// documentation chunks (all-MiniLM-L6-v2 vectors) shipped in @sap-ux/fiori-docs-embeddings.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRag } from './rag.js';

const dir = mkdtempSync(join(tmpdir(), 'knnkit-rag-'));
try {
  const ask = process.argv.slice(2).length ? process.argv.slice(2) : ['how do I deploy an application to Cloud Foundry', 'add a custom column to a table'];
  const r = await runRag({ dataDir: dir, ask });
  console.log(`${r.chunks} chunks (${r.model}, ${r.dim} dims): ${r.indexed} indexed, ${r.queries} held out as queries`);
  console.log(`upsert through the server: ${r.upsertMs.toFixed(0)} ms; search ${r.searchMsPerQuery.toFixed(2)} ms per query (HTTP round trip)`);
  console.log(`recall@${r.k} of HNSW search vs exact cosine search: ${r.recallVsExact.toFixed(4)}; with params.exact: ${r.recallExactMode.toFixed(4)}`);
  console.log(`category precision@${r.k} (retrieved chunks from the query's documentation category): vector ${(100 * r.categoryPrecisionVector).toFixed(1)} %, hybrid (vector + BM25 on titles, RRF) ${(100 * r.categoryPrecisionHybrid).toFixed(1)} %`);
  for (const e of r.examples) {
    console.log(`\nquery (held-out chunk): ${e.query}`);
    console.log(`  vector: ${e.vector.join(' | ')}`);
    console.log(`  hybrid: ${e.hybrid.join(' | ')}`);
  }
  for (const a of r.asked) console.log(`\nfree-text question (BM25 on titles: lexical, no embedding model): ${a.question}\n  ${a.titles.join(' | ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
