/**
 * knnkit convnn-experiment: the ConvNN paper's comparison (conv vs pure ConvNN vs 50/50 branching)
 * on a real image set. TensorFlow.js is imported lazily here, so the rest of the CLI never loads it.
 */
import { KnnkitError, invalidParam } from '../../core/errors.js';
import { parseArgs, intOption, numberOption, choiceOption } from '../args.js';

const SPEC = {
  data: { type: 'string' }, image: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' },
  backend: { type: 'string' }, json: { type: 'boolean' }, 'batch-size': { type: 'string' }, lr: { type: 'string' },
  'test-fraction': { type: 'string' }, channels: { type: 'string' }, k: { type: 'string' },
  sampling: { type: 'string' }, samples: { type: 'string' }, metric: { type: 'string' }, similarity: { type: 'string' }, aggregation: { type: 'string' }, help: { type: 'boolean' },
} as const;

export const summary = 'train Conv2d vs ConvNN vs branching on real images';

const HELP = `usage: knnkit convnn-experiment [options]

Trains one small VGG-style network (3 blocks of [layer -> BatchNorm -> ReLU -> MaxPool 2x2],
16/32/64 channels, then Flatten -> Dense) three ways: conv (conv 3x3 + 1x1, the authors'
ratio-0 baseline), pure ConvNN (ratio 1) and the 50/50 branching layer, on a seeded
stratified train/test split; prints test accuracy, trainable parameters and seconds per epoch.

  --data FILE          labelled CSV of images (default ../shared/data/coil20_1024.csv)
  --image HxWxC        image shape (default: square, 1 channel, from the column count)
  --epochs N           default 10
  --seed S             split, initialisation and batch order (default 0)
  --backend wasm|cpu   TF.js backend (default wasm)
  --batch-size N       default 32
  --lr X               Adam learning rate (default 0.001)
  --test-fraction X    per-class test share (default 0.2)
  --channels a,b,c     block widths (default 16,32,64)
  --k K                neighbours per position (default 9)
  --sampling all|random|spatial, --samples N   ConvNN candidate pool (default all)
  --metric euclidean|cosine                    (default euclidean, as the authors' main table)
  --similarity Col|Loc|Loc_Col, --aggregation Col|Loc_Col   ConvNN features (default Col / Col)
  --json               print {conv, convnn, branching, setup} as JSON`;

function parseImage(v: string | undefined): [number, number, number] | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)x(\d+)(?:x(\d+))?$/.exec(v.trim());
  if (!m) throw invalidParam('--image', v, 'HxWxC, e.g. 32x32x1');
  const shape: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 1)];
  if (shape.some((d) => d < 1)) throw invalidParam('--image', v, 'positive sizes');
  return shape;
}

export async function run(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs(argv, SPEC);
  if (o.help) { console.log(HELP); return 0; }
  if (positionals.length) throw new KnnkitError('arguments', `unexpected argument ${JSON.stringify(positionals[0])}; see --help`);
  const { join, dirname, resolve } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const { existsSync } = await import('node:fs');
  const here = dirname(fileURLToPath(import.meta.url));
  // default: ../shared/data beside the repository (from the repo root, src/ or dist/src/)
  const defaults = [resolve('..', 'shared', 'data', 'coil20_1024.csv'), join(here, '..', '..', '..', '..', 'shared', 'data', 'coil20_1024.csv'), join(here, '..', '..', '..', '..', '..', 'shared', 'data', 'coil20_1024.csv')];
  const data = typeof o.data === 'string' ? o.data : defaults.find((p) => existsSync(p)) ?? defaults[0];
  if (!existsSync(data)) throw invalidParam('--data', data, 'an existing labelled CSV file');
  let image = parseImage(o.image as string | undefined);
  const channels = typeof o.channels === 'string' ? o.channels.split(',').map((s) => Number(s.trim())) : undefined;
  if (channels && (channels.length === 0 || channels.some((c) => !Number.isInteger(c) || c < 1))) throw invalidParam('--channels', o.channels, 'comma-separated positive integers');
  const sampling = choiceOption(o, 'sampling', 'all', ['all', 'random', 'spatial'] as const);
  const json = o.json === true;
  let mods: [typeof import('../../convnn/experiment.js'), typeof import('../../convnn/tf.js')];
  try {
    mods = await Promise.all([import('../../convnn/experiment.js'), import('../../convnn/tf.js')]); // loads TF.js
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /@tensorflow/.test(String((e as Error).message))) {
      throw new KnnkitError('convnn', 'convnn-experiment needs the optional peer dependencies @tensorflow/tfjs-core, @tensorflow/tfjs-layers, @tensorflow/tfjs-backend-cpu and @tensorflow/tfjs-backend-wasm (4.x); install them');
    }
    throw e;
  }
  const [{ runExperiment }, { tf }] = mods;
  tf.env().set('PROD', true); // no debug checks, no "install tfjs-node" banner
  if (!image) {
    const { readFileSync } = await import('node:fs');
    const header = readFileSync(data, 'utf8').slice(0, 1 << 16).split('\n', 1)[0];
    const side = Math.round(Math.sqrt(header.split(',').length - 1));
    image = [side, side, 1];
  }
  const res = await runExperiment({
    data, image,
    epochs: intOption(o, 'epochs', 10, 1),
    seed: intOption(o, 'seed', 0, 0),
    backend: choiceOption(o, 'backend', 'wasm', ['wasm', 'cpu'] as const),
    batchSize: intOption(o, 'batch-size', 32, 1),
    learningRate: numberOption(o, 'lr', 1e-3, 0),
    testFraction: numberOption(o, 'test-fraction', 0.2, 0, 0.9),
    channels,
    k: intOption(o, 'k', 9, 1),
    sampling,
    numSamples: sampling === 'all' ? -1 : intOption(o, 'samples', 64, 1),
    metric: choiceOption(o, 'metric', 'euclidean', ['euclidean', 'cosine'] as const),
    similarity: choiceOption(o, 'similarity', 'Col', ['Col', 'Loc', 'Loc_Col'] as const),
    aggregation: choiceOption(o, 'aggregation', 'Col', ['Col', 'Loc_Col'] as const),
    log: json ? (l) => console.error(l) : (l) => console.log(l),
  });
  if (json) {
    console.log(JSON.stringify(res, null, 2));
    return 0;
  }
  const s = res.setup;
  console.log(`\n${s.data}  ${s.image.join('x')}  train ${s.train} / test ${s.test}  ${s.epochs} epochs  seed ${s.seed}  ${s.backend}`);
  console.log(`network: ${s.network}; ConvNN K=${s.k} ${s.metric} ${s.similarity}/${s.aggregation} sampling=${s.sampling}${s.sampling === 'all' ? '' : ` (${s.numSamples})`}`);
  console.log('arm         test acc   best acc    params   s/epoch');
  for (const [name, r] of Object.entries({ conv: res.conv, convnn: res.convnn, branching: res.branching })) {
    console.log(`${name.padEnd(10)} ${(r.accuracy * 100).toFixed(2).padStart(8)} % ${(r.bestAccuracy * 100).toFixed(2).padStart(8)} % ${String(r.params).padStart(9)} ${r.secondsPerEpoch.toFixed(2).padStart(9)}`);
  }
  return 0;
}
