/**
 * knnkit/convnn: Convolutional Nearest Neighbours layers for TensorFlow.js (tfjs-core,
 * tfjs-layers and a backend are optional peer dependencies; the core `knnkit` entry never
 * imports this subpath). See docs/convnn.md.
 */
export { tf, tfl, useBackend, wasmBinaryDir } from './tf.js';
export { ConvNN2d, ConvNN1d, Conv2dIm2col, ConvNNBranching2d } from './layers.js';
export type { BaseLayerArgs, Conv2dIm2colOptions, ConvNNBranchingOptions } from './layers.js';
export { resolveConvNNOptions, channelPlan } from './options.js';
export type { ConvNNOptions, ResolvedConvNNOptions, Sampling, ShufflePattern, ConvNNMetric, SimilarityType, AggregationType } from './options.js';
export { convnnOp, im2colConv2d, linear, type ConvNNState } from './ops.js';
export { pixelShuffle1d, pixelShuffle2d, pixelUnshuffle1d, pixelUnshuffle2d } from './shuffle.js';
export { makeGrid, candidatePool, buildFeatures, selectNeighbors, jsMatMul, type Grid, type MatMul } from './neighbors.js';
