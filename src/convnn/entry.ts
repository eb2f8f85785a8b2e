/**
 * The runtime entry of `knnkit/convnn` (its types are ./index.ts's): TensorFlow.js is an
 * optional peer, and a static import of a missing package fails while the module graph links,
 * before any code of ours could explain it. So the peers are imported dynamically first and a
 * missing one is a KnnkitError naming the packages; then the layers load. Keep the names below
 * equal to ./index.ts's value exports (test/package checks it).
 */
import { requirePeers } from '../core/peers.js';

const TF_PEERS = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs-layers'] as const;

await requirePeers('knnkit/convnn', TF_PEERS, (p) => import(p));

export const {
  tf, tfl, useBackend, wasmBinaryDir, ConvNN2d, ConvNN1d, Conv2dIm2col, ConvNNBranching2d, resolveConvNNOptions, channelPlan,
  convnnOp, im2colConv2d, linear, pixelShuffle1d, pixelShuffle2d, pixelUnshuffle1d, pixelUnshuffle2d, makeGrid, candidatePool,
  buildFeatures, selectNeighbors, jsMatMul,
} = await import('./index.js');
