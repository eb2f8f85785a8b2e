import { checkInteger, checkNumber, invalidParam, KnnkitError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import type { Tf } from './tf.js';

/**
 * A feed-forward n-gram neural language model (Bengio et al., 2003) trained with TF.js:
 *
 *   x = [E[w_{t-n}], ..., E[w_{t-1}]]          (n context embeddings, concatenated: n*d)
 *   h = tanh(x W1 + b1)                          (the context representation f(c_t), dim H)
 *   p_LM(w | c_t) = softmax(h W2 + b2)_w         (the final dense layer over the vocabulary)
 *
 * h is the input to the last dense layer, i.e. the kNN-LM key of Khandelwal et al. (2020), who
 * take the input to the final feed-forward layer of a Transformer.
 *
 * Why feed-forward and not an LSTM: every training position is independent, so a batch is one
 * pair of matrix products with no recurrence to unroll; on two CPU cores that trains in minutes,
 * and the key of a position depends on a fixed window only, which is exactly what a datastore of
 * (context -> next word) pairs stores. The cost is the short context (n words).
 *
 * Training: the backward pass is written by hand (softmax cross-entropy, tanh, two dense layers)
 * because TF.js 4.22's WASM backend cannot differentiate tf.gather (no UnsortedSegmentSum) and
 * its matMul with transpose flags misses the XNNPACK fast path (see src/convnn/ops.ts): the
 * embedding rows are gathered and updated in JS, every product uses an explicit transpose.
 * Optimiser: Adam (Kingma & Ba, 2015) for all parameters, seeded initialisation and batch order.
 */
export interface LMOptions {
  /** Context words n (default 4: a 5-gram model). */
  context?: number;
  /** Embedding size d (default 64). */
  embedDim?: number;
  /** Hidden size H = key dimension (default 128). */
  hidden?: number;
  /** Initialisation seed (default 0). */
  seed?: number;
}

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Batch-order seed (default 0). */
  seed?: number;
  onEpoch?: (info: { epoch: number; loss: number; seconds: number }) => void;
}

/** Training / evaluation positions: ctx row i (n ids) predicts targets[i]. */
export interface Positions { ctx: Int32Array; targets: Int32Array; n: number }

export interface LMWeights { E: Float32Array; W1: Float32Array; b1: Float32Array; W2: Float32Array; b2: Float32Array }

let nameCounter = 0;

export class FeedForwardLM {
  readonly vocabSize: number;
  readonly context: number;
  readonly embedDim: number;
  readonly hidden: number;
  /** Embedding table in JS (row w at w*d): gathered and updated here, see the class comment. */
  private readonly E: Float32Array;
  private readonly mE: Float32Array;
  private readonly vE: Float32Array;
  private adamStep = 0;
  private readonly W1; private readonly b1; private readonly W2; private readonly b2;
  private readonly tag: string;

  constructor(private readonly tf: Tf, vocabSize: number, opts: LMOptions = {}) {
    this.vocabSize = checkInteger('vocabSize', vocabSize, 4);
    this.context = checkInteger('context', opts.context ?? 4, 1, 64);
    this.embedDim = checkInteger('embedDim', opts.embedDim ?? 64, 1, 4096);
    this.hidden = checkInteger('hidden', opts.hidden ?? 128, 1, 8192);
    const rng = new Rng(checkInteger('seed', opts.seed ?? 0, 0, 0xffffffff));
    const V = this.vocabSize, d = this.embedDim, nd = this.context * d, H = this.hidden;
    const uniform = (len: number, limit: number) => {
      const a = new Float32Array(len);
      for (let i = 0; i < len; i++) a[i] = (rng.random() * 2 - 1) * limit;
      return a;
    };
    this.E = uniform(V * d, 0.1);
    this.mE = new Float32Array(V * d);
    this.vE = new Float32Array(V * d);
    // Glorot-uniform dense layers: limit sqrt(6 / (fan_in + fan_out)).
    this.tag = `knnlm${nameCounter++}`;
    this.W1 = tf.variable(tf.tensor2d(uniform(nd * H, Math.sqrt(6 / (nd + H))), [nd, H]), true, `${this.tag}/W1`);
    this.b1 = tf.variable(tf.zeros([H]), true, `${this.tag}/b1`);
    this.W2 = tf.variable(tf.tensor2d(uniform(H * V, Math.sqrt(6 / (H + V))), [H, V]), true, `${this.tag}/W2`);
    this.b2 = tf.variable(tf.zeros([V]), true, `${this.tag}/b2`);
  }

  /** Trainable parameters. */
  get parameterCount(): number {
    const V = this.vocabSize, d = this.embedDim, H = this.hidden;
    return V * d + this.context * d * H + H + H * V + V;
  }

  /** Sets the output bias to log unigram frequencies (add-one): the model starts as a unigram LM. */
  initOutputBias(targets: Int32Array): void {
    const counts = new Float64Array(this.vocabSize).fill(1);
    for (const t of targets) counts[t]++;
    const total = counts.reduce((a, b) => a + b, 0);
    this.b2.assign(this.tf.tensor1d(Float32Array.from(counts, (c) => Math.log(c / total))));
  }

  /** Concatenated context embeddings of rows [from, to) of `pos` (x of the class comment). */
  private gather(pos: Positions, rows: ArrayLike<number>): Float32Array {
    const n = this.context, d = this.embedDim;
    const x = new Float32Array(rows.length * n * d);
    for (let r = 0; r < rows.length; r++) {
      const base = rows[r] * n;
      for (let j = 0; j < n; j++) {
        const w = pos.ctx[base + j];
        x.set(this.E.subarray(w * d, w * d + d), (r * n + j) * d);
      }
    }
    return x;
  }

  private checkPositions(pos: Positions): void {
    if (pos.n !== this.context) throw invalidParam('positions.n', pos.n, `the model's context size ${this.context}`);
    if (pos.ctx.length !== pos.targets.length * pos.n) throw new KnnkitError('positions', `positions: ctx holds ${pos.ctx.length} ids; expected targets.length * n = ${pos.targets.length * pos.n}`);
    for (const a of [pos.ctx, pos.targets]) for (let i = 0; i < a.length; i++) {
      if (!(a[i] >= 0 && a[i] < this.vocabSize)) throw invalidParam('positions', a[i], `token ids in [0, ${this.vocabSize - 1}]`);
    }
  }

  /** Adam-trains on the positions; returns the mean training cross-entropy (nats) of each epoch. */
  train(pos: Positions, opts: TrainOptions = {}): number[] {
    this.checkPositions(pos);
    const tf = this.tf;
    const epochs = checkInteger('epochs', opts.epochs ?? 3, 0);
    const B = checkInteger('batchSize', opts.batchSize ?? 256, 1);
    const lr = checkNumber('learningRate', opts.learningRate ?? 2e-3, 0, Infinity, { minExclusive: true });
    const rng = new Rng(checkInteger('seed', opts.seed ?? 0, 0, 0xffffffff));
    const N = pos.targets.length, V = this.vocabSize, n = this.context, d = this.embedDim;
    const optimizer = tf.train.adam(lr);
    const beta1 = 0.9, beta2 = 0.999, eps = 1e-7; // tf.train.adam's defaults, for E too
    const losses: number[] = [];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const t0 = performance.now();
      const order = rng.permutation(N);
      let lossSum = 0;
      for (let s = 0; s < N; s += B) {
        const rows = order.subarray(s, Math.min(N, s + B));
        const b = rows.length;
        const y = new Int32Array(b);
        for (let i = 0; i < b; i++) y[i] = pos.targets[rows[i]];
        const [lossT, dXT] = tf.tidy(() => {
          const X = tf.tensor2d(this.gather(pos, rows), [b, n * d]);
          const Hh = tf.tanh(tf.add(tf.matMul(X, this.W1), this.b1));
          const lsm = tf.logSoftmax(tf.add(tf.matMul(Hh, this.W2), this.b2));
          const onehot = tf.cast(tf.oneHot(tf.tensor1d(y, 'int32'), V), 'float32');
          const loss = tf.neg(tf.sum(tf.mul(lsm, onehot)));
          // dL/dz = (softmax - onehot) / b for the mean cross-entropy.
          const dZ = tf.div(tf.sub(tf.exp(lsm), onehot), b);
          const dW2 = tf.matMul(tf.transpose(Hh), dZ);
          const db2 = tf.sum(dZ, 0);
          const dH = tf.matMul(dZ, tf.transpose(this.W2));
          const dA = tf.mul(dH, tf.sub(1, tf.square(Hh))); // tanh' = 1 - h^2
          const dW1 = tf.matMul(tf.transpose(X), dA);
          const db1 = tf.sum(dA, 0);
          const dX = tf.matMul(dA, tf.transpose(this.W1));
          optimizer.applyGradients([{ name: this.W1.name, tensor: dW1 }, { name: this.b1.name, tensor: db1 }, { name: this.W2.name, tensor: dW2 }, { name: this.b2.name, tensor: db2 }]);
          return [loss, dX];
        });
        lossSum += (lossT.dataSync() as Float32Array)[0];
        const dX = dXT.dataSync() as Float32Array;
        lossT.dispose(); dXT.dispose();
        this.adamE(pos, rows, dX, lr, beta1, beta2, eps);
      }
      losses.push(lossSum / N);
      opts.onEpoch?.({ epoch: epoch + 1, loss: lossSum / N, seconds: (performance.now() - t0) / 1000 });
    }
    optimizer.dispose();
    return losses;
  }

  /**
   * Adam on the embedding rows the batch touched (lazy Adam: untouched rows keep their moments,
   * as a sparse gradient has no entry there; the bias correction uses the global step).
   */
  private adamE(pos: Positions, rows: ArrayLike<number>, dX: Float32Array, lr: number, b1: number, b2: number, eps: number): void {
    const n = this.context, d = this.embedDim;
    const grad = new Map<number, Float32Array>();
    for (let r = 0; r < rows.length; r++) {
      for (let j = 0; j < n; j++) {
        const w = pos.ctx[rows[r] * n + j];
        let g = grad.get(w);
        if (!g) grad.set(w, g = new Float32Array(d));
        const off = (r * n + j) * d;
        for (let c = 0; c < d; c++) g[c] += dX[off + c];
      }
    }
    this.adamStep++;
    const c1 = 1 - Math.pow(b1, this.adamStep), c2 = 1 - Math.pow(b2, this.adamStep);
    const step = lr * Math.sqrt(c2) / c1;
    for (const [w, g] of grad) {
      for (let c = 0, i = w * d; c < d; c++, i++) {
        this.mE[i] = b1 * this.mE[i] + (1 - b1) * g[c];
        this.vE[i] = b2 * this.vE[i] + (1 - b2) * g[c] * g[c];
        this.E[i] -= step * this.mE[i] / (Math.sqrt(this.vE[i]) + eps);
      }
    }
  }

  /**
   * Forward pass over all positions in batches: the hidden states h (N x H, row-major, the kNN-LM
   * keys) and log p_LM(target) of each position (natural log).
   */
  evaluate(pos: Positions, opts: { batchSize?: number; keys?: boolean } = {}): { keys: Float32Array | null; logProbs: Float64Array } {
    this.checkPositions(pos);
    const tf = this.tf;
    const B = checkInteger('batchSize', opts.batchSize ?? 1024, 1);
    const N = pos.targets.length, H = this.hidden, V = this.vocabSize;
    const keys = opts.keys === false ? null : new Float32Array(N * H);
    const logProbs = new Float64Array(N);
    for (let s = 0; s < N; s += B) {
      const b = Math.min(B, N - s);
      const rows = new Int32Array(b);
      for (let i = 0; i < b; i++) rows[i] = s + i;
      const [hT, lpT] = tf.tidy(() => {
        const X = tf.tensor2d(this.gather(pos, rows), [b, this.context * this.embedDim]);
        const Hh = tf.tanh(tf.add(tf.matMul(X, this.W1), this.b1));
        const lsm = tf.logSoftmax(tf.add(tf.matMul(Hh, this.W2), this.b2));
        const onehot = tf.cast(tf.oneHot(tf.tensor1d(pos.targets.subarray(s, s + b), 'int32'), V), 'float32');
        return [Hh, tf.sum(tf.mul(lsm, onehot), 1)];
      });
      if (keys) keys.set(hT.dataSync() as Float32Array, s * H);
      logProbs.set(lpT.dataSync() as Float32Array, s);
      hT.dispose(); lpT.dispose();
    }
    return { keys, logProbs };
  }

  /** p_LM(. | context) and the key h of one context of n ids (left-padded by the caller). */
  distribution(context: ArrayLike<number>): { probs: Float64Array; key: Float32Array } {
    const pos: Positions = { ctx: Int32Array.from(context), targets: new Int32Array(1), n: this.context };
    this.checkPositions(pos);
    const tf = this.tf;
    const [hT, pT] = tf.tidy(() => {
      const X = tf.tensor2d(this.gather(pos, [0]), [1, this.context * this.embedDim]);
      const Hh = tf.tanh(tf.add(tf.matMul(X, this.W1), this.b1));
      return [Hh, tf.softmax(tf.add(tf.matMul(Hh, this.W2), this.b2))];
    });
    const key = Float32Array.from(hT.dataSync() as Float32Array);
    const probs = Float64Array.from(pT.dataSync() as Float32Array);
    hT.dispose(); pT.dispose();
    return { probs, key };
  }

  /** Copies of the parameters (for save and tests). */
  getWeights(): LMWeights {
    return {
      E: this.E.slice(), W1: Float32Array.from(this.W1.dataSync()), b1: Float32Array.from(this.b1.dataSync()),
      W2: Float32Array.from(this.W2.dataSync()), b2: Float32Array.from(this.b2.dataSync()),
    };
  }

  setWeights(w: LMWeights): void {
    const V = this.vocabSize, d = this.embedDim, nd = this.context * d, H = this.hidden;
    const expect: [keyof LMWeights, number][] = [['E', V * d], ['W1', nd * H], ['b1', H], ['W2', H * V], ['b2', V]];
    for (const [k, len] of expect) if (!(w[k] instanceof Float32Array) || w[k].length !== len) throw invalidParam(`weights.${k}`, w[k]?.length, `a Float32Array of length ${len}`);
    this.E.set(w.E);
    this.W1.assign(this.tf.tensor2d(w.W1, [nd, H]));
    this.b1.assign(this.tf.tensor1d(w.b1));
    this.W2.assign(this.tf.tensor2d(w.W2, [H, V]));
    this.b2.assign(this.tf.tensor1d(w.b2));
  }

  /** Frees the TF.js variables. */
  dispose(): void {
    for (const v of [this.W1, this.b1, this.W2, this.b2]) v.dispose();
  }
}

/**
 * Positions of tokenised documents (ids): each document is left-padded with n <s> (id 0) and
 * every token plus a final </s> (eosId) is a target, so the model also learns where text ends.
 */
export function makePositions(docs: readonly Int32Array[], n: number, bosId = 0, eosId = 1): Positions {
  checkInteger('n', n, 1);
  let N = 0;
  for (const d of docs) N += d.length + 1;
  const ctx = new Int32Array(N * n), targets = new Int32Array(N);
  let p = 0;
  for (const d of docs) {
    for (let t = 0; t <= d.length; t++, p++) {
      for (let j = 0; j < n; j++) {
        const src = t - n + j;
        ctx[p * n + j] = src < 0 ? bosId : d[src];
      }
      targets[p] = t < d.length ? d[t] : eosId;
    }
  }
  return { ctx, targets, n };
}
