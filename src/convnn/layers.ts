/**
 * tfjs-layers custom layers: ConvNN2d (NHWC), ConvNN1d (NWC), Conv2dIm2col (the standard
 * convolution baseline, trainable on WASM) and ConvNNBranching2d (the authors' Conv2d_Branching).
 * All are registered with tf.serialization, so models using them save and load.
 */
import { tf, tfl } from './tf.js';
import { Rng } from '../core/rng.js';
import { checkInteger, checkNumber, invalidParam } from '../core/errors.js';
import { channelPlan, resolveConvNNOptions, type ConvNNOptions, type ResolvedConvNNOptions } from './options.js';
import { convnnOp, im2colConv2d, linear, type ConvNNState } from './ops.js';
import { pixelShuffle1d, pixelShuffle2d, pixelUnshuffle1d, pixelUnshuffle2d } from './shuffle.js';

type Shape = (number | null)[];
type LayerVariable = tfl.LayerVariable;
/** The base tfjs-layers arguments (name, trainable, inputShape, batchInputShape, dtype, ...). */
export type BaseLayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

function oneTensor(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw invalidParam('inputs', inputs, 'exactly one tensor');
    return inputs[0];
  }
  return inputs;
}

function oneShape(s: Shape | Shape[]): Shape {
  return Array.isArray(s[0]) || (s.length > 0 && s[0] !== null && typeof s[0] === 'object') ? (s as Shape[])[0] : (s as Shape);
}

/** PyTorch's default init of conv weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
function torchUniform(fanIn: number, seed: number | undefined, salt: number) {
  const bound = 1 / Math.sqrt(Math.max(1, fanIn));
  return tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seed === undefined ? undefined : seed * 7919 + salt });
}

function optionsConfig(o: ResolvedConvNNOptions): Record<string, string | number | boolean> {
  const c: Record<string, string | number | boolean> = {
    filters: o.filters, k: o.k, padding: o.padding, sampling: o.sampling, numSamples: o.numSamples,
    samplePadding: o.samplePadding, shufflePattern: o.shufflePattern, shuffleScale: o.shuffleScale,
    metric: o.metric, similarity: o.similarity, aggregation: o.aggregation, lambda: o.lambda, useBias: o.useBias,
  };
  if (o.seed !== undefined) c.seed = o.seed;
  return c;
}

function scaled(v: number | null, num: number, den: number): number | null {
  return v == null ? null : (v * num) / den;
}

abstract class ConvNNBase extends tfl.layers.Layer {
  readonly options: ResolvedConvNNOptions;
  /** Neighbour search state (random stream, last neighbour lists). */
  readonly state: ConvNNState;
  protected kernel: LayerVariable | null = null;
  protected bias: LayerVariable | null = null;
  protected abstract readonly spatialRank: 1 | 2;

  constructor(args: ConvNNOptions & BaseLayerArgs, where: string) {
    super(args);
    this.options = resolveConvNNOptions(args, where);
    this.state = { rng: new Rng(this.options.seed ?? Math.floor(Math.random() * 0x7fffffff)) };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape);
    const C = s[s.length - 1];
    if (s.length !== this.spatialRank + 2 || C == null) {
      throw invalidParam(`${this.getClassName()} input shape`, s, this.spatialRank === 2 ? '[batch, height, width, channels] with known channels' : '[batch, length, channels] with known channels');
    }
    const plan = channelPlan(this.options, C, this.spatialRank);
    const fanIn = plan.c1 * this.options.k;
    this.kernel = this.addWeight('kernel', [fanIn, plan.o1], 'float32', torchUniform(fanIn, this.options.seed, 1));
    if (this.options.useBias) this.bias = this.addWeight('bias', [plan.o1], 'float32', torchUniform(fanIn, this.options.seed, 2));
    this.built = true;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...optionsConfig(this.options) };
  }

  /** Neighbour lists of the last call, [B, Q, K] padded position indices (see docs/convnn.md). */
  lastNeighbors(): Int32Array | undefined {
    return this.state.lastIndices;
  }
}

/**
 * Convolutional Nearest Neighbours on NHWC maps: each position aggregates, with one learnt
 * [K*C1, O1] weight, itself and its K-1 most similar positions (any input size).
 */
export class ConvNN2d extends ConvNNBase {
  static readonly className = 'ConvNN2d';
  protected readonly spatialRank = 2;
  constructor(args: ConvNNOptions & BaseLayerArgs) { super(args, 'ConvNN2d'); }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [B, H, W] = oneShape(inputShape);
    const o = this.options, r = o.shuffleScale;
    const f = o.shufflePattern === 'B' ? [1, r] : o.shufflePattern === 'A' ? [r, 1] : [1, 1];
    return [B, scaled(H, f[0], f[1]), scaled(W, f[0], f[1]), o.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      if (x.rank !== 4) throw invalidParam('ConvNN2d input', x.shape, 'a rank-4 NHWC tensor');
      const o = this.options, r = o.shuffleScale;
      const before = o.shufflePattern === 'B' || o.shufflePattern === 'BA';
      const after = o.shufflePattern === 'A' || o.shufflePattern === 'BA';
      const xu = before ? pixelUnshuffle2d(x as tf.Tensor4D, r) : x;
      const y = convnnOp(xu, this.kernel!.read() as tf.Tensor2D, this.bias ? this.bias.read() as tf.Tensor1D : null, o, this.state);
      return after ? pixelShuffle2d(y as tf.Tensor4D, r) : y;
    });
  }
}

/** ConvNN over sequences, NWC layout (the authors' Conv1d_NN). */
export class ConvNN1d extends ConvNNBase {
  static readonly className = 'ConvNN1d';
  protected readonly spatialRank = 1;
  constructor(args: ConvNNOptions & BaseLayerArgs) { super(args, 'ConvNN1d'); }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [B, T] = oneShape(inputShape);
    const o = this.options, r = o.shuffleScale;
    const f = o.shufflePattern === 'B' ? [1, r] : o.shufflePattern === 'A' ? [r, 1] : [1, 1];
    return [B, scaled(T, f[0], f[1]), o.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      if (x.rank !== 3) throw invalidParam('ConvNN1d input', x.shape, 'a rank-3 NWC tensor');
      const o = this.options, r = o.shuffleScale;
      const before = o.shufflePattern === 'B' || o.shufflePattern === 'BA';
      const after = o.shufflePattern === 'A' || o.shufflePattern === 'BA';
      const xu = before ? pixelUnshuffle1d(x as tf.Tensor3D, r) : x;
      const y = convnnOp(xu, this.kernel!.read() as tf.Tensor2D, this.bias ? this.bias.read() as tf.Tensor1D : null, o, this.state);
      return after ? pixelShuffle1d(y as tf.Tensor3D, r) : y;
    });
  }
}

export interface Conv2dIm2colOptions {
  filters: number;
  /** Square kernel size (default 3); 'same' padding, stride 1. */
  kernelSize?: number;
  useBias?: boolean;
  seed?: number;
}

/**
 * Standard 2D convolution ('same', stride 1) computed as im2col + matMul inside one customGrad,
 * so it trains on the WASM backend too (tf.layers.conv2d cannot there in TF.js 4.22).
 * Kernel layout [k*k*C, O] = tf.conv2d's [k, k, C, O] reshaped.
 */
export class Conv2dIm2col extends tfl.layers.Layer {
  static readonly className = 'Conv2dIm2col';
  readonly filters: number; readonly kernelSize: number; readonly useBias: boolean; readonly seed: number | undefined;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;

  constructor(args: Conv2dIm2colOptions & BaseLayerArgs) {
    super(args);
    this.filters = checkInteger('Conv2dIm2col.filters', args.filters, 1);
    this.kernelSize = checkInteger('Conv2dIm2col.kernelSize', args.kernelSize ?? 3, 1);
    this.useBias = args.useBias ?? true;
    this.seed = args.seed == null ? undefined : checkInteger('Conv2dIm2col.seed', args.seed, 0, 0xffffffff);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape);
    const C = s[3];
    if (s.length !== 4 || C == null) throw invalidParam('Conv2dIm2col input shape', s, '[batch, height, width, channels] with known channels');
    const fanIn = this.kernelSize * this.kernelSize * C;
    this.kernel = this.addWeight('kernel', [fanIn, this.filters], 'float32', torchUniform(fanIn, this.seed, 3));
    if (this.useBias) this.bias = this.addWeight('bias', [this.filters], 'float32', torchUniform(fanIn, this.seed, 4));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [B, H, W] = oneShape(inputShape);
    return [B, H, W, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs);
      if (x.rank !== 4) throw invalidParam('Conv2dIm2col input', x.shape, 'a rank-4 NHWC tensor');
      return im2colConv2d(x as tf.Tensor4D, this.kernel!.read() as tf.Tensor2D, this.bias ? this.bias.read() as tf.Tensor1D : null, this.kernelSize, this.kernelSize);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const c: tf.serialization.ConfigDict = { ...super.getConfig(), filters: this.filters, kernelSize: this.kernelSize, useBias: this.useBias };
    if (this.seed !== undefined) c.seed = this.seed;
    return c;
  }
}

export interface ConvNNBranchingOptions extends ConvNNOptions {
  /** Share of the output channels given to the ConvNN branch: O_nn = floor(filters * ratio). Default 0.5. */
  ratio?: number;
  /** Kernel size of the convolution branch (default 3, 'same'). */
  kernelSize?: number;
}

/**
 * The authors' Conv2d_Branching: both branches see the full input; ConvNN(C -> floor(O*ratio))
 * and conv k x k (C -> O - O_nn) are concatenated [ConvNN first, conv second] and mixed by a
 * 1x1 convolution O -> O (kept for ratio 0 and 1, so ratio 0 is "conv k x k + conv 1x1").
 */
export class ConvNNBranching2d extends tfl.layers.Layer {
  static readonly className = 'ConvNNBranching2d';
  readonly options: ResolvedConvNNOptions;
  readonly ratio: number; readonly kernelSize: number;
  readonly nnFilters: number; readonly convFilters: number;
  readonly state: ConvNNState;
  private nnKernel: LayerVariable | null = null; private nnBias: LayerVariable | null = null;
  private convKernel: LayerVariable | null = null; private convBias: LayerVariable | null = null;
  private pwKernel: LayerVariable | null = null; private pwBias: LayerVariable | null = null;

  constructor(args: ConvNNBranchingOptions & BaseLayerArgs) {
    super(args);
    this.options = resolveConvNNOptions(args, 'ConvNNBranching2d');
    if (this.options.shufflePattern === 'A' || this.options.shufflePattern === 'B') {
      throw invalidParam('ConvNNBranching2d.shufflePattern', args.shufflePattern, '"NA" or "BA" (the branches must keep the spatial size)');
    }
    this.ratio = checkNumber('ConvNNBranching2d.ratio', args.ratio ?? 0.5, 0, 1);
    this.kernelSize = checkInteger('ConvNNBranching2d.kernelSize', args.kernelSize ?? 3, 1);
    this.nnFilters = Math.floor(this.options.filters * this.ratio);
    this.convFilters = this.options.filters - this.nnFilters;
    this.state = { rng: new Rng(this.options.seed ?? Math.floor(Math.random() * 0x7fffffff)) };
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = oneShape(inputShape);
    const C = s[3];
    if (s.length !== 4 || C == null) throw invalidParam('ConvNNBranching2d input shape', s, '[batch, height, width, channels] with known channels');
    const o = this.options, seed = o.seed, bias = o.useBias;
    if (this.nnFilters > 0) {
      const plan = channelPlan({ ...o, filters: this.nnFilters }, C, 2);
      const fan = plan.c1 * o.k;
      this.nnKernel = this.addWeight('nn_kernel', [fan, plan.o1], 'float32', torchUniform(fan, seed, 11));
      if (bias) this.nnBias = this.addWeight('nn_bias', [plan.o1], 'float32', torchUniform(fan, seed, 12));
    }
    if (this.convFilters > 0) {
      const fan = this.kernelSize * this.kernelSize * C;
      this.convKernel = this.addWeight('conv_kernel', [fan, this.convFilters], 'float32', torchUniform(fan, seed, 13));
      if (bias) this.convBias = this.addWeight('conv_bias', [this.convFilters], 'float32', torchUniform(fan, seed, 14));
    }
    const O = o.filters;
    this.pwKernel = this.addWeight('pointwise_kernel', [O, O], 'float32', torchUniform(O, seed, 15));
    if (bias) this.pwBias = this.addWeight('pointwise_bias', [O], 'float32', torchUniform(O, seed, 16));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [B, H, W] = oneShape(inputShape);
    return [B, H, W, this.options.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = oneTensor(inputs) as tf.Tensor4D;
      if (x.rank !== 4) throw invalidParam('ConvNNBranching2d input', x.shape, 'a rank-4 NHWC tensor');
      const [B, H, W] = x.shape;
      const o = this.options, r = o.shuffleScale, parts: tf.Tensor[] = [];
      if (this.nnKernel) {
        const nnOpts = { ...o, filters: this.nnFilters };
        const xu = o.shufflePattern === 'BA' ? pixelUnshuffle2d(x, r) : x;
        const y = convnnOp(xu, this.nnKernel.read() as tf.Tensor2D, this.nnBias ? this.nnBias.read() as tf.Tensor1D : null, nnOpts, this.state);
        parts.push(o.shufflePattern === 'BA' ? pixelShuffle2d(y as tf.Tensor4D, r) : y);
      }
      if (this.convKernel) {
        parts.push(im2colConv2d(x, this.convKernel.read() as tf.Tensor2D, this.convBias ? this.convBias.read() as tf.Tensor1D : null, this.kernelSize, this.kernelSize));
      }
      const cat = parts.length === 1 ? parts[0] : tf.concat(parts, 3);
      const O = o.filters;
      const y = linear(tf.reshape(cat, [B * H * W, O]) as tf.Tensor2D, this.pwKernel!.read() as tf.Tensor2D, this.pwBias ? this.pwBias.read() as tf.Tensor1D : null);
      return tf.reshape(y, [B, H, W, O]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...optionsConfig(this.options), ratio: this.ratio, kernelSize: this.kernelSize };
  }

  lastNeighbors(): Int32Array | undefined {
    return this.state.lastIndices;
  }
}

tf.serialization.registerClass(ConvNN2d);
tf.serialization.registerClass(ConvNN1d);
tf.serialization.registerClass(Conv2dIm2col);
tf.serialization.registerClass(ConvNNBranching2d);
