import { checkInteger, checkNumber, invalidParam, KnnkitError } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { Datastore, type DatastoreOptions } from './datastore.js';
import { interpolate, interpolatedPerplexity, knnDistribution, knnTargetProbs, perplexityFromLogProbs } from './interpolate.js';
import { FeedForwardLM, makePositions, type LMOptions, type LMWeights, type Positions, type TrainOptions } from './model.js';
import { loadTf, type Backend } from './tf.js';
import { BOS_ID, EOS_ID, UNK_ID, detokenize, tokenize, Vocabulary, type VocabularyOptions } from './tokenizer.js';

/**
 * kNN-LM (Khandelwal et al., ICLR 2020): a trained language model whose next-word distribution
 * is interpolated with one read off a datastore of (context representation -> next word) pairs,
 * with no further training. See docs/knn-lm.md.
 *
 *   const lm = new KnnLM({ context: 4, hidden: 128 });
 *   await lm.fit(trainTexts, { epochs: 3 });          // vocabulary + TF.js training
 *   lm.buildDatastore(trainTexts);                     // keys = hidden states, HNSW by default
 *   lm.perplexity(testTexts, { k: 64, lambda: 0.25, temperature: 1 });
 */
export type Texts = readonly string[] | readonly (readonly string[])[];

export interface KnnLMOptions extends LMOptions, VocabularyOptions {
  /** A ready vocabulary (e.g. built over two domains); otherwise built from fit's corpus. */
  vocabulary?: Vocabulary;
  /** TF.js backend (default 'wasm'). */
  backend?: Backend;
}

export interface KnnParams {
  /** Neighbours retrieved (default 64). */
  k?: number;
  /** Interpolation weight λ of p_kNN (default 0.25, the paper's Wikitext-103 value). */
  lambda?: number;
  /** Temperature T of exp(-d / T) (default 1, the paper's). */
  temperature?: number;
  /** Search parameters of the datastore's family (ef, nprobe, ...). */
  searchParams?: Record<string, unknown>;
}

export interface PerplexityReport {
  perplexity: number;
  perplexityLM: number;
  tokens: number;
  /** Fraction of target tokens that are <unk>. */
  oovRate: number;
}

const MAGIC = 'KNNLM1';

function toDocs(texts: Texts, name: string): string[][] {
  if (!Array.isArray(texts)) throw invalidParam(name, texts, 'an array of strings or of token arrays');
  return texts.map((t, i) => {
    if (typeof t === 'string') return tokenize(t);
    if (Array.isArray(t) && t.every((w) => typeof w === 'string')) return t.slice();
    throw invalidParam(`${name}[${i}]`, t, 'a string or an array of token strings');
  }).filter((d) => d.length > 0);
}

export class KnnLM {
  private readonly opts: KnnLMOptions;
  private _vocab: Vocabulary | null;
  private _model: FeedForwardLM | null = null;
  private _datastore: Datastore | null = null;

  constructor(opts: KnnLMOptions = {}) {
    this.opts = { ...opts };
    this._vocab = opts.vocabulary ?? null;
    checkInteger('context', opts.context ?? 4, 1, 64);
  }

  get vocabulary(): Vocabulary { return this._vocab ?? (() => { throw new KnnkitError('fit', 'the model is not fitted; call fit(corpus) first'); })(); }
  get model(): FeedForwardLM { return this._model ?? (() => { throw new KnnkitError('fit', 'the model is not fitted; call fit(corpus) first'); })(); }
  get datastore(): Datastore | null { return this._datastore; }
  get context(): number { return this.model.context; }

  /** Builds the vocabulary (unless given) and trains the language model on the corpus. */
  async fit(corpus: Texts, train: TrainOptions = {}): Promise<{ losses: number[]; seconds: number; positions: number }> {
    const docs = toDocs(corpus, 'corpus');
    if (docs.length === 0) throw new KnnkitError('corpus', 'corpus: no tokens; expected at least one non-empty text');
    this._vocab ??= Vocabulary.build(docs, this.opts);
    const tf = await loadTf(this.opts.backend ?? 'wasm');
    this._model?.dispose();
    this._model = new FeedForwardLM(tf, this._vocab.size, this.opts);
    this._datastore = null;
    const pos = this.positions(docs);
    this._model.initOutputBias(pos.targets);
    const t0 = performance.now();
    const losses = this._model.train(pos, train);
    return { losses, seconds: (performance.now() - t0) / 1000, positions: pos.targets.length };
  }

  /** Training/evaluation positions (context ids -> next id) of texts. */
  positions(texts: Texts): Positions {
    const docs = toDocs(texts, 'texts');
    return makePositions(docs.map((d) => this.vocabulary.encode(d)), this.model.context, BOS_ID, EOS_ID);
  }

  /** Hidden states (keys) and log p_LM(target) of every position of texts. */
  score(texts: Texts): { positions: Positions; keys: Float32Array; logProbs: Float64Array } {
    const positions = this.positions(texts);
    const { keys, logProbs } = this.model.evaluate(positions);
    return { positions, keys: keys!, logProbs };
  }

  /** The datastore over texts: key = hidden state of each position, value = its next token. */
  buildDatastore(texts: Texts, opts: DatastoreOptions = {}): Datastore {
    const { positions, keys } = this.score(texts);
    if (positions.targets.length === 0) throw new KnnkitError('texts', 'texts: no tokens to store');
    this._datastore = Datastore.build(keys, this.model.hidden, positions.targets, opts);
    return this._datastore;
  }

  /** Replaces the datastore (e.g. one built over another domain's text with this model). */
  useDatastore(ds: Datastore | null): void {
    if (ds && ds.dim !== this.model.hidden) throw invalidParam('datastore.dim', ds.dim, `the model's hidden size ${this.model.hidden}`);
    this._datastore = ds;
  }

  private params(p: KnnParams): { k: number; lambda: number; T: number } {
    return {
      k: checkInteger('k', p.k ?? 64, 1),
      lambda: checkNumber('lambda', p.lambda ?? 0.25, 0, 1),
      T: checkNumber('temperature', p.temperature ?? 1, 0, Infinity, { minExclusive: true }),
    };
  }

  private requireDatastore(lambda: number): Datastore | null {
    if (lambda === 0) return this._datastore;
    if (!this._datastore) throw new KnnkitError('datastore', 'datastore: none built; call buildDatastore(texts) first (or use lambda = 0)');
    return this._datastore;
  }

  /** Perplexity of the kNN-LM (and of the LM alone) on texts. */
  perplexity(texts: Texts, p: KnnParams = {}): PerplexityReport {
    const { k, lambda, T } = this.params(p);
    const ds = this.requireDatastore(lambda);
    const { positions, keys, logProbs } = this.score(texts);
    const N = positions.targets.length;
    if (N === 0) throw new KnnkitError('texts', 'texts: no tokens to score');
    let unk = 0;
    for (const t of positions.targets) if (t === UNK_ID) unk++;
    const perplexityLM = perplexityFromLogProbs(logProbs);
    let perplexity = perplexityLM;
    if (lambda > 0 && ds) {
      const nb = ds.search(keys, k, p.searchParams);
      perplexity = interpolatedPerplexity(logProbs, knnTargetProbs(nb.values, nb.dists, k, positions.targets, k, T), lambda);
    }
    return { perplexity, perplexityLM, tokens: N, oovRate: unk / N };
  }

  /** Context ids of the last n tokens of a prompt (left-padded with <s>). */
  private contextIds(prompt: string | readonly string[]): Int32Array {
    const toks = typeof prompt === 'string' ? tokenize(prompt) : prompt.slice();
    const ids = this.vocabulary.encode(toks);
    const n = this.model.context;
    const ctx = new Int32Array(n).fill(BOS_ID);
    for (let j = 0; j < Math.min(n, ids.length); j++) ctx[n - 1 - j] = ids[ids.length - 1 - j];
    return ctx;
  }

  /** p(. | context) over the vocabulary: the interpolation, and its two parts. */
  nextTokenDistribution(context: string | readonly string[], p: KnnParams = {}): { probs: Float64Array; pLM: Float64Array; pKNN: Float64Array | null; words: readonly string[] } {
    const { k, lambda, T } = this.params(p);
    const ds = this.requireDatastore(lambda);
    const { probs: pLM, key } = this.model.distribution(this.contextIds(context));
    if (lambda === 0 || !ds) return { probs: pLM, pLM, pKNN: null, words: this.vocabulary.words };
    const nb = ds.search(key, k, p.searchParams);
    const pKNN = knnDistribution(nb.values, nb.dists, k, 0, k, T, this.vocabulary.size);
    return { probs: interpolate(pLM, pKNN, lambda), pLM, pKNN, words: this.vocabulary.words };
  }

  /**
   * Continues a prompt by n words: greedy (the most probable word) by default, or sampled with a
   * seed. <s> and <unk> are never emitted; </s> ends the text early.
   */
  generate(prompt: string, n: number, p: KnnParams & { sample?: boolean; seed?: number } = {}): string {
    checkInteger('n', n, 0);
    const rng = new Rng(checkInteger('seed', p.seed ?? 0, 0, 0xffffffff));
    const toks = tokenize(prompt);
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const { probs } = this.nextTokenDistribution(toks, p);
      probs[BOS_ID] = 0; probs[UNK_ID] = 0;
      let next = 0;
      if (p.sample) {
        let z = 0;
        for (const q of probs) z += q;
        let u = rng.random() * z;
        for (next = 0; next < probs.length - 1; next++) { u -= probs[next]; if (u <= 0) break; }
      } else {
        for (let w = 1; w < probs.length; w++) if (probs[w] > probs[next]) next = w;
      }
      if (next === EOS_ID) break;
      const word = this.vocabulary.words[next];
      toks.push(word); out.push(word);
    }
    return detokenize(out);
  }

  /**
   * The fitted model, vocabulary and datastore as one byte array: a JSON header, the weights, the
   * datastore's values and its index in the index contract's envelope (src/index/envelope.ts).
   */
  toBytes(): Uint8Array {
    const m = this.model;
    const w = m.getWeights();
    const ds = this._datastore?.toBytes() ?? null;
    const blobs: Uint8Array[] = [w.E, w.W1, w.b1, w.W2, w.b2].map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    if (ds) blobs.push(new Uint8Array(ds.values.buffer, ds.values.byteOffset, ds.values.byteLength), ds.index);
    const header = new TextEncoder().encode(JSON.stringify({
      magic: MAGIC, vocabulary: this.vocabulary.toJSON(), context: m.context, embedDim: m.embedDim, hidden: m.hidden,
      backend: this.opts.backend ?? 'wasm', blobs: blobs.map((b) => b.byteLength), datastore: ds !== null,
    }));
    // Blobs start at multiples of 8 so the typed arrays can view them in place on load.
    const pad = (x: number) => (x + 7) & ~7;
    let size = pad(4 + header.length);
    for (const b of blobs) size = pad(size + b.byteLength);
    const out = new Uint8Array(size);
    new DataView(out.buffer).setUint32(0, header.length, true);
    out.set(header, 4);
    let off = pad(4 + header.length);
    for (const b of blobs) { out.set(b, off); off = pad(off + b.byteLength); }
    return out;
  }

  /** Writes toBytes() to a file atomically (a temporary file renamed over the target). */
  async save(path: string): Promise<void> {
    if (typeof path !== 'string' || path === '') throw invalidParam('path', path, 'a file path');
    const { atomicWriteFile } = await import('../io/atomic.js');
    await atomicWriteFile(path, this.toBytes());
  }

  /** Reads a file written by save() (model, vocabulary and datastore index). */
  static async load(path: string): Promise<KnnLM> {
    if (typeof path !== 'string' || path === '') throw invalidParam('path', path, 'a file path');
    const { readFileChecked } = await import('../io/atomic.js');
    return KnnLM.fromBytes(await readFileChecked(path));
  }

  static async fromBytes(bytes: Uint8Array): Promise<KnnLM> {
    if (!(bytes instanceof Uint8Array) || bytes.length < 4) throw invalidParam('bytes', bytes, 'the Uint8Array written by KnnLM.toBytes()');
    const hlen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
    let h: { magic: string; vocabulary: string[]; context: number; embedDim: number; hidden: number; backend: Backend; blobs: number[]; datastore: boolean };
    try { h = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + hlen))); } catch { h = { magic: '' } as typeof h; }
    if (h.magic !== MAGIC) throw invalidParam('bytes', `${bytes.length} bytes`, 'the bytes written by KnnLM.toBytes() (header magic KNNLM1)');
    const pad = (x: number) => (x + 7) & ~7;
    let off = pad(4 + hlen);
    const blobs = h.blobs.map((len) => { const b = bytes.slice(off, off + len); off = pad(off + len); return b; });
    const f32 = (b: Uint8Array) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    const lm = new KnnLM({ vocabulary: new Vocabulary(h.vocabulary), context: h.context, embedDim: h.embedDim, hidden: h.hidden, backend: h.backend });
    const tf = await loadTf(h.backend);
    lm._model = new FeedForwardLM(tf, lm.vocabulary.size, lm.opts);
    const weights: LMWeights = { E: f32(blobs[0]), W1: f32(blobs[1]), b1: f32(blobs[2]), W2: f32(blobs[3]), b2: f32(blobs[4]) };
    lm._model.setWeights(weights);
    if (h.datastore) lm._datastore = Datastore.fromBytes(blobs[6], new Int32Array(blobs[5].buffer, blobs[5].byteOffset, blobs[5].byteLength / 4));
    return lm;
  }
}
