// The contract suite over every codec a family registers beyond its default (the default codec is
// covered by contract.test.ts): recall against float32 brute force (exact families with a
// lossless codec: the same answers), persistence (copy and view) and searchAsync giving identical
// answers, filters and removals honoured. A family joins by listing the codec in its descriptor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DenseMatrix } from '../../src/core/matrix.js';
import { createIndex } from '../../src/index/api.js';
import { listFamilies } from '../../src/index/registry.js';
import { indexFromBytes } from '../../src/index/persist.js';
import { makeCodec } from '../../src/codecs/index.js';
import type { SearchResult } from '../../src/search/results.js';
import { closeSharedPool } from '../../src/parallel/pool.js';
import { recall, rows } from '../helpers/recall.js';
import { gaussianClusters } from '../helpers/data.js';

after(() => closeSharedPool());

const K = 10;
// as contract.test.ts: base and queries from the same clusters (one draw, split)
const drawn = gaussianClusters(2060, 24, 20, 7);
const base = rows(drawn, 0, 2000), queries = rows(drawn, 2000, 2060);
const binar = (M: DenseMatrix): DenseMatrix => ({ ...M, data: M.data.map((v) => (v > 0 ? 1 : 0)) });
// lossy codecs on an exact family: what brute force over the codes reaches on this data (it cannot be exact)
const LOSSY_FLOOR = 0.9;

/**
 * recall@k counting ties: a returned neighbour is a hit when it is no farther than the k-th true
 * distance (0/1 data has many equally distant points, any of which is a correct answer).
 */
function tieRecall(res: SearchResult, truth: SearchResult): number {
  let hit = 0;
  for (let q = 0; q < truth.nQueries; q++) {
    const kth = truth.distances[q * truth.k + truth.k - 1];
    for (let j = 0; j < res.k; j++) if (res.indices[q * res.k + j] >= 0 && res.distances[q * res.k + j] <= kth * (1 + 1e-6)) hit++;
  }
  return hit / (truth.nQueries * truth.k);
}

function same(a: SearchResult, b: SearchResult, what: string): void {
  assert.deepEqual(Array.from(a.ids), Array.from(b.ids), `${what}: ids`);
  assert.deepEqual(Array.from(a.distances), Array.from(b.distances), `${what}: distances`);
}

for (const f of listFamilies()) {
  for (const codec of f.codecs.slice(1)) {
    const bits = codec === 'bits';
    const X = bits ? binar(base) : base, Q = bits ? binar(queries) : queries;
    // bits holds 0/1 vectors under the L2 metrics (hamming where the family scores bits that way)
    const metric = bits && f.supportsMetric({ name: 'euclidean' } as never) !== null ? 'hamming' : 'euclidean';
    const lossless = makeCodec(codec, 24).lossless;

    test(`contract codecs [${f.name} ${codec}]: recall against float32 brute force, persistence, searchAsync, filters`, async () => {
      const idx = createIndex(f.name, X, { codec, metric });
      assert.equal(idx.size, X.rows);
      const truth = createIndex('brute', X, { metric }).search(Q, K);
      const res = idx.search(Q, K);
      // (lossless codecs report true distances: ties count; lossy ones by ids)
      const r = lossless ? tieRecall(res, truth) : recall(res, truth);
      if (f.exact && lossless) same(res, truth, `${f.name} ${codec}`);
      else assert.ok(r >= (f.exact ? LOSSY_FLOOR : f.recallFloor!), `${f.name} ${codec}: recall@${K} ${r.toFixed(3)} below ${f.exact ? LOSSY_FLOOR : f.recallFloor}`);

      const bytes = idx.toBytes();
      for (const view of [false, true]) same(indexFromBytes(bytes.slice(), { view }).search(Q, K), res, `${f.name} ${codec} fromBytes view=${view}`);
      same(await idx.searchAsync(Q, K, { threads: 2 }), res, `${f.name} ${codec} searchAsync`);

      const allowed = new Set(Array.from({ length: X.rows }, (_, i) => i).filter((i) => i % 4 === 1));
      for (const id of idx.search(Q, K, { filter: allowed }).ids) assert.ok(id === -1 || allowed.has(id), `${f.name} ${codec}: filter returned ${id}`);
      if (f.capabilities.remove) {
        const gone = Array.from(res.ids.subarray(0, 5));
        idx.remove(gone);
        for (const id of idx.search(Q, K).ids) assert.ok(!gone.includes(id), `${f.name} ${codec}: removed id ${id} returned`);
      }
      if (f.capabilities.add) {
        const added = idx.add(rows(X, 0, 3));
        assert.equal(added.length, 3);
      }
    });
  }
}
