/**
 * The paper's comparison on real images (docs/convnn.md): one small VGG-style network trained
 * three ways -- conv (branching ratio 0: conv 3x3 + 1x1, the authors' "Conv2d" baseline),
 * pure ConvNN (ratio 1: ConvNN + 1x1) and the 50/50 branching layer -- on a fixed seeded
 * stratified train/test split, reporting test accuracy, trainable parameters and seconds/epoch.
 */
import { readDataset } from '../io/index.js';
import { toDense } from '../core/matrix.js';
import { LabelEncoder } from '../core/labels.js';
import { Rng } from '../core/rng.js';
import { invalidParam, checkInteger, checkNumber } from '../core/errors.js';
import { tf, tfl, useBackend } from './tf.js';
import { ConvNNBranching2d } from './layers.js';
import type { AggregationType, Sampling, SimilarityType } from './options.js';

export interface ExperimentOptions {
  data: string;
  /** [height, width, channels]; the CSV row is read row-major as H x W x C. */
  image: [number, number, number];
  epochs?: number;
  seed?: number;
  backend?: 'wasm' | 'cpu';
  batchSize?: number;
  learningRate?: number;
  testFraction?: number;
  /** Output channels of the three blocks. Default [16, 32, 64]. */
  channels?: number[];
  k?: number;
  sampling?: Sampling;
  numSamples?: number;
  metric?: 'cosine' | 'euclidean';
  /** ConvNN similarity / aggregation features (default 'Col' / 'Col', the authors' main table). */
  similarity?: SimilarityType;
  aggregation?: AggregationType;
  /** Progress lines (epoch, loss, accuracy) go here. */
  log?: (line: string) => void;
}

export interface ArmResult {
  /** Test accuracy after the last epoch. */
  accuracy: number;
  /** Best test accuracy over epochs (the authors' "max accuracy"; optimistic, for comparison only). */
  bestAccuracy: number;
  /** Trainable parameters. */
  params: number;
  secondsPerEpoch: number;
  finalTrainLoss: number;
}

export interface ExperimentResult {
  conv: ArmResult; convnn: ArmResult; branching: ArmResult;
  setup: {
    data: string; image: number[]; train: number; test: number; classes: number; epochs: number; seed: number;
    backend: string; batchSize: number; learningRate: number; channels: number[]; k: number; sampling: Sampling;
    numSamples: number; metric: string; similarity: string; aggregation: string; network: string;
  };
}

interface Split { xTrain: Float32Array; yTrain: Int32Array; xTest: Float32Array; yTest: Int32Array; classes: number; pixels: number }

/** Reads the CSV, scales pixels to [0, 1] by the data maximum, maps labels to ids and splits per class. */
export async function loadImageSplit(path: string, image: [number, number, number], testFraction: number, seed: number): Promise<Split> {
  const ds = await readDataset(path);
  const X = toDense(ds.X);
  const pixels = image[0] * image[1] * image[2];
  if (X.cols !== pixels) throw invalidParam('--image', image.join('x'), `a shape with ${X.cols} values (the data has ${X.cols} columns)`);
  if (!ds.y) throw invalidParam('--data', path, 'a labelled data set');
  const enc = LabelEncoder.fit(ds.y);
  const ids = enc.encode(ds.y);
  let max = 0;
  for (let i = 0; i < X.data.length; i++) if (X.data[i] > max) max = X.data[i];
  const scale = max > 0 ? 1 / max : 1;
  const byClass: number[][] = Array.from({ length: enc.size }, () => []);
  ids.forEach((c, i) => byClass[c].push(i));
  const rng = new Rng(seed);
  const train: number[] = [], test: number[] = [];
  for (const rows of byClass) {
    rng.shuffle(rows);
    const nTest = Math.max(1, Math.round(rows.length * testFraction));
    test.push(...rows.slice(0, nTest));
    train.push(...rows.slice(nTest));
  }
  const take = (rows: number[]) => {
    const x = new Float32Array(rows.length * pixels), y = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      for (let j = 0; j < pixels; j++) x[i * pixels + j] = X.data[r * pixels + j] * scale;
      y[i] = ids[r];
    });
    return { x, y };
  };
  const tr = take(train), te = take(test);
  return { xTrain: tr.x, yTrain: tr.y, xTest: te.x, yTest: te.y, classes: enc.size, pixels };
}

/**
 * [branching(ratio) -> BatchNorm -> ReLU -> MaxPool 2x2] per block, then Flatten -> Dense(classes)
 * (a single linear head instead of VGG's 4096-wide classifier, as the reference recommends off-GPU).
 */
export function buildNetwork(ratio: number, image: [number, number, number], classes: number, o: {
  channels: number[]; k: number; sampling: Sampling; numSamples: number; metric: 'cosine' | 'euclidean'; seed: number;
  similarity?: SimilarityType; aggregation?: AggregationType;
}): tfl.Sequential {
  const m = tfl.sequential();
  o.channels.forEach((ch, i) => {
    m.add(new ConvNNBranching2d({
      filters: ch, ratio, k: o.k, padding: 1, kernelSize: 3, metric: o.metric, similarity: o.similarity ?? 'Col', aggregation: o.aggregation ?? 'Col',
      sampling: o.sampling, numSamples: o.sampling === 'all' ? undefined : o.numSamples, seed: o.seed * 101 + i,
      ...(i === 0 ? { inputShape: image } : {}),
    }));
    // momentum 0.9 = PyTorch's BatchNorm2d default (0.1 in its convention), as the authors' VGG
    m.add(tfl.layers.batchNormalization({ axis: -1, momentum: 0.9 }));
    m.add(tfl.layers.reLU());
    m.add(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2 }));
  });
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: classes, kernelInitializer: tfl.initializers.glorotUniform({ seed: o.seed * 101 + 99 }) }));
  return m;
}

function trainableParams(m: tfl.LayersModel): number {
  return m.trainableWeights.reduce((s, w) => s + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
}

function accuracy(m: tfl.LayersModel, x: Float32Array, y: Int32Array, image: number[], batch: number): number {
  const px = image[0] * image[1] * image[2];
  let correct = 0;
  for (let s = 0; s < y.length; s += batch) {
    const e = Math.min(y.length, s + batch);
    const pred = tf.tidy(() => tf.argMax(m.apply(tf.tensor4d(x.subarray(s * px, e * px), [e - s, image[0], image[1], image[2]]), { training: false }) as tf.Tensor, 1).dataSync());
    for (let i = 0; i < e - s; i++) if (pred[i] === y[s + i]) correct++;
  }
  return correct / y.length;
}

async function trainArm(name: string, ratio: number, split: Split, o: Required<Omit<ExperimentOptions, 'log' | 'data'>>, log: (l: string) => void): Promise<ArmResult> {
  const { image, epochs, batchSize, learningRate, seed } = o;
  const model = buildNetwork(ratio, image, split.classes, { channels: o.channels, k: o.k, sampling: o.sampling, numSamples: o.numSamples, metric: o.metric, seed, similarity: o.similarity, aggregation: o.aggregation });
  const params = trainableParams(model);
  const opt = tf.train.adam(learningRate);
  const rng = new Rng(seed + 1);
  const n = split.yTrain.length, px = split.pixels;
  const xb = new Float32Array(batchSize * px), yb = new Int32Array(batchSize);
  let trainSeconds = 0, best = 0, acc = 0, lastLoss = NaN;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = rng.permutation(n);
    const t0 = performance.now();
    let lossSum = 0, batches = 0;
    for (let s = 0; s < n; s += batchSize) {
      const e = Math.min(n, s + batchSize), bs = e - s;
      for (let i = 0; i < bs; i++) {
        const r = order[s + i];
        xb.set(split.xTrain.subarray(r * px, (r + 1) * px), i * px);
        yb[i] = split.yTrain[r];
      }
      const l = tf.tidy(() => {
        const x = tf.tensor4d(xb.subarray(0, bs * px), [bs, image[0], image[1], image[2]]);
        const y = tf.oneHot(tf.tensor1d(yb.subarray(0, bs), 'int32'), split.classes);
        return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true)!.dataSync()[0];
      });
      lossSum += l; batches++;
    }
    trainSeconds += (performance.now() - t0) / 1000;
    lastLoss = lossSum / batches;
    acc = accuracy(model, split.xTest, split.yTest, image, 64);
    best = Math.max(best, acc);
    log(`${name.padEnd(9)} epoch ${String(epoch).padStart(3)}  loss ${lastLoss.toFixed(4)}  test acc ${(acc * 100).toFixed(2)} %  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  opt.dispose();
  model.dispose();
  return { accuracy: acc, bestAccuracy: best, params, secondsPerEpoch: trainSeconds / epochs, finalTrainLoss: lastLoss };
}

export async function runExperiment(opts: ExperimentOptions): Promise<ExperimentResult> {
  const o = {
    image: opts.image,
    epochs: checkInteger('epochs', opts.epochs ?? 10, 1),
    seed: checkInteger('seed', opts.seed ?? 0, 0),
    backend: opts.backend ?? 'wasm',
    batchSize: checkInteger('batchSize', opts.batchSize ?? 32, 1),
    learningRate: checkNumber('learningRate', opts.learningRate ?? 1e-3, 0, 10, { minExclusive: true }),
    testFraction: checkNumber('testFraction', opts.testFraction ?? 0.2, 0, 0.9, { minExclusive: true }),
    channels: opts.channels ?? [16, 32, 64],
    k: checkInteger('k', opts.k ?? 9, 1),
    sampling: opts.sampling ?? 'all',
    numSamples: opts.numSamples ?? -1,
    metric: opts.metric ?? 'euclidean',
    similarity: opts.similarity ?? 'Col',
    aggregation: opts.aggregation ?? 'Col',
  } as Required<Omit<ExperimentOptions, 'log' | 'data'>>;
  const log = opts.log ?? (() => {});
  const [H, W, C] = o.image;
  const pools = o.channels.length;
  if (H % (1 << pools) !== 0 || W % (1 << pools) !== 0) throw invalidParam('--image', o.image.join('x'), `height and width divisible by 2^${pools} (one 2x2 max-pool per block)`);
  await useBackend(o.backend);
  const split = await loadImageSplit(opts.data, o.image, o.testFraction, o.seed);
  log(`data ${opts.data}: ${split.yTrain.length} train / ${split.yTest.length} test, ${split.classes} classes, ${H}x${W}x${C}, backend ${tf.getBackend()}`);
  const conv = await trainArm('conv', 0, split, o, log);
  const convnn = await trainArm('convnn', 1, split, o, log);
  const branching = await trainArm('branching', 0.5, split, o, log);
  const net = o.channels.map((c) => `[layer(->${c}) BN ReLU MaxPool2]`).join(' ') + ` Flatten Dense(${split.classes})`;
  return {
    conv, convnn, branching,
    setup: {
      data: opts.data, image: o.image, train: split.yTrain.length, test: split.yTest.length, classes: split.classes,
      epochs: o.epochs, seed: o.seed, backend: o.backend, batchSize: o.batchSize, learningRate: o.learningRate,
      channels: o.channels, k: o.k, sampling: o.sampling, numSamples: o.numSamples, metric: o.metric, similarity: o.similarity, aggregation: o.aggregation, network: net,
    },
  };
}
