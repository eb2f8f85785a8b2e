import { checkInteger, KnnkitError } from '../core/errors.js';
import { countTokens, loadCorpus, splitDocuments, type Splits } from './corpora.js';
import { Datastore } from './datastore.js';
import { interpolatedPerplexity, knnTargetProbs, perplexityFromLogProbs } from './interpolate.js';
import { KnnLM } from './knn-lm.js';
import { UNK_ID, Vocabulary } from './tokenizer.js';

/**
 * The paper's two claims at this machine's scale (Khandelwal et al., 2020, sections 4.1 and 4.3):
 *  1. same domain: model trained on A's training text; datastore = the same text; held-out A;
 *  2. domain adaptation: the same model (trained on A only); datastore = B's training text;
 *     held-out B, against the model alone.
 * Those two are the default `configs`; any other (datastore, eval) pairs can be given instead
 * (e.g. the CLI's --train A --datastore B --eval B, or a mismatched datastore A -> eval B).
 * k, T and λ are chosen on the validation split, the figures reported on the test split. One
 * retrieval at the largest k serves every smaller k (sorted neighbour lists).
 */
export interface ExperimentConfig {
  /** Corpus whose training split fills the datastore (the model's own training text when it is domainA). */
  datastore: string;
  /** Corpus whose validation / test splits are scored. */
  eval: string;
}

export interface ExperimentOptions {
  domainA?: string;
  /** Domain B for claim 2 (null: claim 1 only). Ignored when `configs` is given. */
  domainB?: string | null;
  /**
   * The (datastore, eval) pairs run with the one model trained on domainA (default: claim 1
   * [A, A], then claim 2 [B, B]). Corpus names as loadCorpus takes them.
   */
  configs?: ExperimentConfig[];
  seed?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  context?: number;
  embedDim?: number;
  hidden?: number;
  minCount?: number;
  maxVocab?: number;
  /** Token budgets (training text of A and of B; each validation / test split). */
  trainTokens?: number;
  trainTokensB?: number;
  evalTokens?: number;
  /** Datastore families: the first is used for the tuning grid, the others are measured at the chosen k/T/λ. */
  kinds?: string[];
  indexOptions?: Record<string, Record<string, unknown>>;
  searchParams?: Record<string, Record<string, unknown>>;
  ks?: number[];
  lambdas?: number[];
  temperatures?: number[];
  backend?: 'cpu' | 'wasm';
  log?: (line: string) => void;
}

export interface Run { lambda: number; k: number; temperature: number; perplexity: number }

export interface FamilyRun {
  kind: string;
  buildSeconds: number;
  memoryBytes: number;
  bytesPerEntry: number;
  msPerToken: number;
  /** Test perplexity at the k / T / λ chosen on validation with the first family. */
  perplexity: number;
}

export interface ClaimResult {
  train: string;
  datastore: string;
  eval: string;
  datastoreSize: number;
  evalTokens: number;
  oovRate: number;
  perplexityLM: number;
  /** Chosen on validation. */
  best: { k: number; temperature: number; lambda: number; validPerplexity: number; validPerplexityLM: number };
  /** Test perplexity of the kNN-LM at the chosen k / T. */
  perplexity: number;
  /** Test perplexity per λ at the chosen k / T, and per k at the chosen T / λ. */
  runs: Run[];
  families: FamilyRun[];
  /** Datastore search time per test token (first family, k = the largest k). */
  msPerToken: number;
  /** The LM's forward pass (hidden state + log p_LM) per test token, batched. */
  lmMsPerToken: number;
  /**
   * Control without retrieval: the LM interpolated with the add-one unigram distribution of the
   * datastore's text, λ chosen on validation. What kNN-LM gains beyond it comes from the contexts.
   */
  unigram: { lambda: number; perplexity: number };
}

export interface ExperimentResult {
  seed: number;
  vocabularySize: number;
  parameters: number;
  model: { context: number; embedDim: number; hidden: number; epochs: number; losses: number[] };
  trainTokens: number;
  trainSeconds: number;
  claims: ClaimResult[];
}

interface Scored { keys: Float32Array; logProbs: Float64Array; targets: Int32Array }

export async function runKnnLMExperiment(o: ExperimentOptions = {}): Promise<ExperimentResult> {
  const log = o.log ?? (() => {});
  const seed = checkInteger('seed', o.seed ?? 0, 0, 0xffffffff);
  const domainA = o.domainA ?? 'wordnet';
  const domainB = o.domainB === undefined ? 'fiori' : o.domainB;
  const kinds = o.kinds ?? ['hnsw', 'ivf-pq'];
  // IVF-PQ at 16 bytes per key (m = 16 sub-quantisers of 8 bits) and without FAISS's precomputed
  // table (nlist x m x 256 floats, which would outweigh the codes of a datastore this small).
  const indexOptions: Record<string, Record<string, unknown>> = { 'ivf-pq': { nlist: 256, m: 16, precomputedTable: false }, ...o.indexOptions };
  if (kinds.length === 0) throw new KnnkitError('kinds', 'kinds: expected at least one index family');
  const ks = (o.ks ?? [8, 16, 32, 64, 128, 256]).slice().sort((a, b) => a - b);
  const lambdas = o.lambdas ?? [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7];
  const temps = o.temperatures ?? [0.25, 0.5, 1, 2, 4, 8];
  const kMax = checkInteger('k', ks[ks.length - 1], 1);
  const evalTokens = o.evalTokens ?? 20_000;
  const split = (docs: string[][], train: number): Splits =>
    splitDocuments(docs, { seed, maxTrainTokens: train, maxValidTokens: evalTokens, maxTestTokens: evalTokens });

  const configs: ExperimentConfig[] = o.configs ?? [{ datastore: domainA, eval: domainA }, ...(domainB === null ? [] : [{ datastore: domainB, eval: domainB }])];
  if (configs.length === 0) throw new KnnkitError('configs', 'configs: expected at least one { datastore, eval } pair');
  // Each corpus is loaded and split once (same seed); A's training split is capped at
  // trainTokens, any other corpus's at trainTokensB (it only ever fills a datastore).
  const splits = new Map<string, Splits>();
  for (const name of [domainA, ...configs.flatMap((c) => [c.datastore, c.eval])]) {
    if (!splits.has(name)) splits.set(name, split(await loadCorpus(name), name === domainA ? o.trainTokens ?? 150_000 : o.trainTokensB ?? 100_000));
  }
  const a = splits.get(domainA)!;
  // One output vocabulary over the model's and every datastore's training text, so p_LM and
  // p_kNN share their support; the model still sees only A's text (datastore-only words keep
  // their initial embeddings, and their output logits are only ever pushed down: the model
  // "knows" them as never-seen words).
  const vocabDocs = [...new Set([domainA, ...configs.map((c) => c.datastore)])].flatMap((n) => splits.get(n)!.train);
  const vocab = Vocabulary.build(vocabDocs, { minCount: o.minCount ?? 3, maxSize: o.maxVocab ?? 6000 });
  log([...splits].map(([n, sp]) => `${n}: train ${countTokens(sp.train)} / valid ${countTokens(sp.valid)} / test ${countTokens(sp.test)} tokens`).join('; ') + `; vocabulary ${vocab.size}`);

  const lm = new KnnLM({ vocabulary: vocab, context: o.context, embedDim: o.embedDim, hidden: o.hidden, seed, backend: o.backend });
  const fit = await lm.fit(a.train, {
    epochs: o.epochs ?? 3, batchSize: o.batchSize, learningRate: o.learningRate, seed,
    onEpoch: (e) => log(`epoch ${e.epoch}: train cross-entropy ${e.loss.toFixed(3)} (ppl ${Math.exp(e.loss).toFixed(1)}), ${e.seconds.toFixed(1)} s`),
  });
  const score = (docs: string[][]): Scored => { const s = lm.score(docs); return { keys: s.keys, logProbs: s.logProbs, targets: s.positions.targets }; };

  const claims: ClaimResult[] = [];
  const runClaim = (label: string, dsText: string[][], valid: Scored, test: Scored, lmMsPerToken: number, names: [string, string, string]): ClaimResult => {
    const store = score(dsText);
    log(`${label}: datastore of ${store.targets.length} entries (${names[1]}), eval ${names[2]}: LM test ppl ${perplexityFromLogProbs(test.logProbs).toFixed(2)}`);
    const families: FamilyRun[] = [];
    let best = { k: ks[0], temperature: temps[0], lambda: 0, validPerplexity: perplexityFromLogProbs(valid.logProbs), validPerplexityLM: perplexityFromLogProbs(valid.logProbs) };
    let runs: Run[] = [];
    let testPpl = NaN, msFirst = NaN;
    for (const [fi, kind] of kinds.entries()) {
      const t0 = performance.now();
      const ds = Datastore.build(store.keys, lm.model.hidden, store.targets, { kind, indexOptions: indexOptions[kind] });
      const buildSeconds = (performance.now() - t0) / 1000;
      const sp = o.searchParams?.[kind] ?? {};
      const t1 = performance.now();
      const nbTest = ds.search(test.keys, kMax, sp);
      const msPerToken = (performance.now() - t1) / test.targets.length;
      if (fi === 0) {
        // Tune k, T, λ on validation with the first family.
        const nbValid = ds.search(valid.keys, kMax, sp);
        for (const k of ks) for (const T of temps) {
          const pk = knnTargetProbs(nbValid.values, nbValid.dists, kMax, valid.targets, k, T);
          for (const lambda of lambdas) {
            const ppl = interpolatedPerplexity(valid.logProbs, pk, lambda);
            if (ppl < best.validPerplexity) best = { ...best, k, temperature: T, lambda, validPerplexity: ppl };
          }
        }
        const at = (k: number, T: number, lambda: number) => interpolatedPerplexity(test.logProbs, knnTargetProbs(nbTest.values, nbTest.dists, kMax, test.targets, k, T), lambda);
        runs = [
          ...lambdas.map((lambda) => ({ lambda, k: best.k, temperature: best.temperature, perplexity: at(best.k, best.temperature, lambda) })),
          ...ks.filter((k) => k !== best.k).map((k) => ({ lambda: best.lambda, k, temperature: best.temperature, perplexity: at(k, best.temperature, best.lambda) })),
        ];
        testPpl = at(best.k, best.temperature, best.lambda);
        msFirst = msPerToken;
        log(`${label}: chosen on validation k=${best.k} T=${best.temperature} λ=${best.lambda} (valid ppl ${best.validPerplexityLM.toFixed(2)} -> ${best.validPerplexity.toFixed(2)})`);
      }
      const perplexity = interpolatedPerplexity(test.logProbs, knnTargetProbs(nbTest.values, nbTest.dists, kMax, test.targets, best.k, best.temperature), best.lambda);
      const memoryBytes = ds.memoryUsage();
      families.push({ kind, buildSeconds, memoryBytes, bytesPerEntry: memoryBytes / ds.size, msPerToken, perplexity });
      log(`${label}: ${kind}: build ${buildSeconds.toFixed(1)} s, ${(memoryBytes / 2 ** 20).toFixed(1)} MiB (${(memoryBytes / ds.size).toFixed(0)} B/entry), ${msPerToken.toFixed(3)} ms/token, test ppl ${perplexity.toFixed(2)}`);
    }
    let unk = 0;
    for (const t of test.targets) if (t === UNK_ID) unk++;
    const V = lm.vocabulary.size, counts = new Float64Array(V).fill(1);
    for (const t of store.targets) counts[t]++;
    const total = store.targets.length + V;
    const uni = (targets: Int32Array) => Float64Array.from(targets, (t) => counts[t] / total);
    const uValid = uni(valid.targets), uTest = uni(test.targets);
    let unigram = { lambda: 0, perplexity: perplexityFromLogProbs(test.logProbs) }, uBest = perplexityFromLogProbs(valid.logProbs);
    for (const lambda of lambdas) {
      const v = interpolatedPerplexity(valid.logProbs, uValid, lambda);
      if (v < uBest) { uBest = v; unigram = { lambda, perplexity: interpolatedPerplexity(test.logProbs, uTest, lambda) }; }
    }
    log(`${label}: control, LM + unigram of the datastore text (λ=${unigram.lambda} on validation): test ppl ${unigram.perplexity.toFixed(2)}`);
    return {
      train: domainA, datastore: names[1], eval: names[2], datastoreSize: store.targets.length, evalTokens: test.targets.length,
      oovRate: unk / test.targets.length, perplexityLM: perplexityFromLogProbs(test.logProbs), best, perplexity: testPpl, runs, families, msPerToken: msFirst, lmMsPerToken, unigram,
    };
  };
  for (const [i, c] of configs.entries()) {
    const ds = splits.get(c.datastore)!, ev = splits.get(c.eval)!;
    const valid = score(ev.valid);
    const t0 = performance.now();
    const test = score(ev.test); // the LM's forward pass (keys and log p_LM) over the test tokens
    const lmMs = (performance.now() - t0) / Math.max(1, test.targets.length);
    claims.push(runClaim(o.configs ? `run ${i + 1}` : `claim ${i + 1}`, ds.train, valid, test, lmMs, [domainA, c.datastore, c.eval]));
  }
  const m = lm.model;
  return {
    seed, vocabularySize: vocab.size, parameters: m.parameterCount,
    model: { context: m.context, embedDim: m.embedDim, hidden: m.hidden, epochs: fit.losses.length, losses: fit.losses },
    trainTokens: fit.positions, trainSeconds: fit.seconds, claims,
  };
}
