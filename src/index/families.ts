import { registerFamily } from './registry.js';
import { bruteFamily } from './brute/descriptor.js';
import { kdTreeFamily } from './kd-tree/descriptor.js';
import { ballTreeFamily } from './ball-tree/descriptor.js';
import { hnswFamily } from './hnsw/descriptor.js';
import { ivfFlatFamily } from './ivf/descriptor.js';
import { pqFamily, ivfPqFamily } from './pq/descriptor.js';
import { lshFamily } from './lsh/descriptor.js';
import { rpForestFamily } from './rp-forest/descriptor.js';
import { vamanaFamily } from './vamana/descriptor.js';
import { diskannFamily } from './diskann/descriptor.js';
import { scannFamily } from './scann/descriptor.js';

// One line per family. A new family adds its folder under src/index/ and one line here.
registerFamily(bruteFamily);
registerFamily(kdTreeFamily);
registerFamily(ballTreeFamily);
registerFamily(hnswFamily);
registerFamily(ivfFlatFamily);
registerFamily(pqFamily);
registerFamily(ivfPqFamily);
registerFamily(vamanaFamily);
registerFamily(lshFamily);
registerFamily(rpForestFamily);
registerFamily(scannFamily);
registerFamily(diskannFamily);
