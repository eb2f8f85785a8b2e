import { test } from 'node:test';
import assert from 'node:assert/strict';
import { locateEmbeddings, runRag } from '../../examples/rag/rag.js';
import { tempDir } from './helpers.js';

// The RAG example end to end (examples/rag): real all-MiniLM-L6-v2 vectors from an npm package,
// indexed and queried through the server with the official client.
test('RAG example: server retrieval equals exact search on the Fiori docs embeddings', { timeout: 180_000 }, async (t) => {
  if (!locateEmbeddings()) { t.skip('@sap-ux/fiori-docs-embeddings is not installed'); return; }
  const dir = tempDir();
  try {
    const r = await runRag({ dataDir: dir.dir, holdOutEvery: 10, k: 10, ask: ['deploy to Cloud Foundry'] });
    assert.equal(r.chunks, 778);
    assert.equal(r.dim, 384);
    assert.equal(r.queries, 77);
    assert.equal(r.recallExactMode, 1, 'params.exact is exact');
    assert.ok(r.recallVsExact >= 0.95, `HNSW recall@10 ${r.recallVsExact}`);
    assert.ok(r.categoryPrecisionVector > 0.5, `category precision ${r.categoryPrecisionVector}`);
    assert.ok(r.asked[0].titles.some((x) => /Cloud Foundry/.test(x)), JSON.stringify(r.asked));
  } finally { dir.remove(); }
});
