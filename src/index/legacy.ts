import { KnnkitError } from '../core/errors.js';
import { HnswIndex } from '../search/hnsw/hnsw-index.js';
import { MAGIC as HNSW_MAGIC } from '../search/hnsw/serialize.js';
import { HnswCore, hnswFamily } from './hnsw/descriptor.js';
import { IdMap } from './ids.js';
import { ManagedIndex } from './managed-index.js';
import type { VectorIndex } from './types.js';

/** Largest id of a legacy HNSW file that maps onto the contract's label table (8 bytes per id). */
const LEGACY_MAX_ID = 1 << 27;

/** Readers of files written before the envelope: HNSW format versions 1 and 2. */
export function legacyLoaders(): { matches(b: Uint8Array): boolean; load(b: Uint8Array, source?: string): VectorIndex }[] {
  return [{
    matches: (b) => b.length >= 8 && [...HNSW_MAGIC].every((c, i) => b[i] === c.charCodeAt(0)),
    load(b, source) {
      const hnsw = HnswIndex.fromBytes(b, { source });
      // the old format's user ids become the contract's labels (identity, gaps as removed points)
      let max = -1;
      for (let s = 0; s < hnsw.count; s++) {
        const id = hnsw.labels[s];
        if (id < -1) throw new KnnkitError('index', `index: ${source ? JSON.stringify(source) : 'the file'} holds the negative id ${id}; the index contract takes ids >= 0 (read it with HnswIndex.load)`);
        if (id > max) max = id;
      }
      if (max >= LEGACY_MAX_ID) throw new KnnkitError('index', `index: ${source ? JSON.stringify(source) : 'the file'} holds ids up to ${max}; read it with HnswIndex.load`);
      const count = Math.max(max + 1, hnsw.nextAutoId);
      const table = new Float64Array(count).fill(-1);
      for (let s = 0; s < hnsw.count; s++) if (hnsw.labels[s] >= 0) table[hnsw.labels[s]] = hnsw.labels[s];
      const options = { M: hnsw.M, efConstruction: hnsw.efConstruction, seed: hnsw.seed, reorder: true, reuseDeleted: hnsw.reuseDeleted, codec: hnsw.storage };
      return new ManagedIndex(hnswFamily, new HnswCore(hnsw), options, IdMap.restore(table, count, hnsw.nextAutoId));
    },
  }];
}
