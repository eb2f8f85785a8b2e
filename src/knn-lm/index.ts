/**
 * knnkit/knn-lm: kNN-LM (Khandelwal et al., ICLR 2020), a small TF.js language model interpolated
 * with a nearest-neighbour datastore held in any knnkit index family. TF.js is an optional peer
 * dependency loaded on first use; the tokeniser, corpora and interpolation work without it.
 * See docs/knn-lm.md.
 */
export { KnnLM, type KnnLMOptions, type KnnParams, type PerplexityReport, type Texts } from './knn-lm.js';
export { Datastore, type DatastoreOptions, type Neighbours } from './datastore.js';
export { FeedForwardLM, makePositions, type LMOptions, type LMWeights, type Positions, type TrainOptions } from './model.js';
export { interpolate, interpolatedPerplexity, knnDistribution, knnTargetProbs, perplexityFromLogProbs } from './interpolate.js';
export { tokenize, detokenize, Vocabulary, BOS, EOS, UNK, BOS_ID, EOS_ID, UNK_ID, type VocabularyOptions } from './tokenizer.js';
export { CORPORA, loadCorpus, loadCorpusText, corpusAvailable, splitDocuments, countTokens, parseWordnetData, fioriProse, type CorpusName, type SplitOptions, type Splits } from './corpora.js';
export { loadTf, tfAvailable, type Backend } from './tf.js';
export { runKnnLMExperiment, type ExperimentConfig, type ExperimentOptions, type ExperimentResult } from './experiment.js';
export { experimentTables } from './report.js';
