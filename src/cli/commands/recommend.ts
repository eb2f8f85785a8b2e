import { KnnkitError } from '../../core/errors.js';
import { KNNRecommender, BaselineOnly, RULES, type Recommender, type Rule } from '../../recommend/knn.js';
import { evaluateSplitAsync, summarize, type SplitScores } from '../../recommend/evaluate.js';
import { defaultThreads } from '../../parallel/pool.js';
import { alignRatings, concatRatings, readRatings, RATING_FORMATS, type Ratings, type RatingFormat } from '../../recommend/ratings.js';
import { SIMILARITIES, type SimilarityName } from '../../recommend/similarity.js';
import { ratingFolds, type RatingSplit } from '../../recommend/splits.js';
import { choiceOption, intOption, numberOption, parseArgs } from '../args.js';
import { output } from '../output.js';
import { Progress } from '../progress.js';

export const summary = 'collaborative filtering: Surprise\'s kNN models cross-validated on a ratings file';

const USAGE = `usage: knnkit recommend <ratings> [options]

Fits a rating predictor on a ratings file and scores it, by k-fold cross-validation (Surprise's
protocol: shuffled folds, seeded) or on a separate --test file: RMSE and MAE of the predicted
ratings (clipped to the rating scale; unknown users/items get Surprise's fallback), and top-N
lists (the user's training items excluded) scored by precision/recall/NDCG/MAP@N and catalogue
coverage, a test item being relevant when rated >= --threshold.

Ratings files: CSV with a header (user,item,rating[,timestamp]; MovieLens's ratings.csv),
MovieLens 100k's tab layout without header (u.data, u1.base ... u5.test), MovieLens 1M's '::'
layout; two columns = implicit (binary) data. The layout is sniffed from the content.

options:
  --test FILE              score on this file instead of cross-validating (e.g. u1.base --test u1.test)
  --model user-knn|item-knn|baseline   neighbourhood over users (default, as Surprise) or items, or BaselineOnly
  --rule basic|means|zscore|baseline   KNNBasic (default), KNNWithMeans, KNNWithZScore, KNNBaseline
  --similarity msd|cosine|pearson|pearson-baseline|adjusted-cosine|jaccard   default msd
                           (implicit data: cosine, the default there, or jaccard)
  --k K                    most neighbours aggregated (default 40)
  --min-k K                fewest neighbours for a neighbourhood prediction (default 1)
  --min-support N          fewest common ratings for a non-zero similarity (default 1)
  --shrinkage S            pearson-baseline shrinkage (default 100)
  --baseline als|sgd       baseline fitting (default als: reg_i 10, reg_u 15, 10 epochs)
  --folds F                cross-validation folds (default 5)
  --seed S                 fold shuffling seed (default 0)
  --top N                  top-N list length (default 10; 0 skips the top-N evaluation)
  --threshold T            relevance threshold on test ratings (default 3.5)
  --format auto|csv|ml-100k|ml-1m   force the file layout (default auto)
  --implicit               treat every rating as a binary interaction
  --threads N              worker threads of the similarity matrix (default: every core); the
                           results are bit-identical for any N
  --json                   print exactly one JSON object on stdout
`;

const MODELS = ['user-knn', 'item-knn', 'baseline'] as const;

export async function run(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv, {
    test: { type: 'string' }, model: { type: 'string' }, rule: { type: 'string' }, similarity: { type: 'string' },
    k: { type: 'string' }, 'min-k': { type: 'string' }, 'min-support': { type: 'string' }, shrinkage: { type: 'string' },
    baseline: { type: 'string' }, folds: { type: 'string' }, seed: { type: 'string' }, top: { type: 'string' },
    threshold: { type: 'string' }, format: { type: 'string' }, implicit: { type: 'boolean' }, json: { type: 'boolean' },
    threads: { type: 'string' },
    help: { type: 'boolean' },
  });
  if (options.help) { output.write(USAGE); return 0; }
  if (positionals.length !== 1) {
    throw new KnnkitError('<ratings>', `<ratings>: expected exactly one ratings file; got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')} (knnkit recommend --help)`);
  }
  const model = choiceOption(options, 'model', 'user-knn', MODELS);
  const implicit = options.implicit === true;
  const rule = choiceOption<Rule>(options, 'rule', 'basic', RULES);
  const similarity = choiceOption<SimilarityName>(options, 'similarity', implicit ? 'cosine' : 'msd', SIMILARITIES);
  const k = intOption(options, 'k', 40, 1);
  const minK = intOption(options, 'min-k', 1, 0);
  const minSupport = intOption(options, 'min-support', 1, 0);
  const shrinkage = numberOption(options, 'shrinkage', 100, 0);
  const baseline = choiceOption(options, 'baseline', 'als', ['als', 'sgd'] as const);
  const folds = intOption(options, 'folds', 5, 2);
  const seed = intOption(options, 'seed', 0, 0, 0xffffffff);
  const top = intOption(options, 'top', 10, 0);
  const threshold = numberOption(options, 'threshold', 3.5);
  const format = choiceOption<RatingFormat>(options, 'format', 'auto', RATING_FORMATS);
  const threads = intOption(options, 'threads', defaultThreads(), 1, 1024);
  if (model === 'baseline') {
    for (const o of ['rule', 'similarity', 'k', 'min-k', 'min-support', 'shrinkage', 'threads']) {
      if (options[o] !== undefined) throw new KnnkitError('--' + o, `--${o}: does not apply to --model baseline`);
    }
  }
  if (implicit && model !== 'baseline' && rule !== 'basic') {
    throw new KnnkitError('--rule', `--rule: got "${rule}" with --implicit; binary data has no rating scale to centre, use --rule basic`);
  }
  const testPath = options.test === undefined ? undefined : String(options.test);
  if (testPath !== undefined && (options.folds !== undefined || options.seed !== undefined)) {
    throw new KnnkitError('--test', '--test: a separate test file replaces cross-validation; drop --folds / --seed');
  }
  const path = positionals[0];
  let ratings: Ratings = await readRatings(path, { format, implicit });
  let splits: RatingSplit[];
  if (testPath !== undefined) {
    const test = await readRatings(testPath, { format, implicit });
    const aligned = alignRatings(ratings, test);
    const cat = concatRatings(aligned.train, aligned.test);
    ratings = { ...cat.all, scale: aligned.train.scale };
    splits = [{ train: cat.first, test: cat.second }];
  } else {
    if (folds > ratings.size) throw new KnnkitError('--folds', `--folds: got ${folds}; cannot exceed the number of ratings (${ratings.size}) in ${path}`);
    splits = ratingFolds(ratings, { folds, seed });
  }
  const make = (): Recommender => model === 'baseline'
    ? new BaselineOnly({ baseline: { method: baseline } })
    : new KNNRecommender({ userBased: model === 'user-knn', rule, similarity, k, minK, minSupport, shrinkage, baseline: { method: baseline }, threads });
  make(); // the constructor checks the options before any work
  if (model !== 'baseline' && ratings.implicit && similarity !== 'cosine' && similarity !== 'jaccard') {
    throw new KnnkitError('--similarity', `--similarity: got "${similarity}" on implicit (binary) data; expected cosine or jaccard`);
  }
  if (model !== 'baseline' && !ratings.implicit && similarity === 'jaccard') {
    throw new KnnkitError('--similarity', '--similarity: "jaccard" is for implicit data (--implicit or a two-column file)');
  }
  const progress = new Progress(`knnkit recommend ${path}`, splits.length);
  const t0 = performance.now();
  const perFold: SplitScores[] = [];
  try {
    for (const s of splits) {
      perFold.push(await evaluateSplitAsync(ratings, s, make, { top, threshold }));
      progress.update(perFold.length, `folds of ${splits.length}`);
    }
  } finally {
    progress.done();
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const { mean, std } = summarize(perFold);
  const N = top;
  const report: Record<string, unknown> = {
    data: path, ...(testPath ? { test: testPath } : { folds, seed }),
    ratings: ratings.size, users: ratings.nUsers, items: ratings.nItems, scale: ratings.scale, implicit: ratings.implicit,
    model, ...(model === 'baseline' ? {} : { rule, similarity, k, minK, minSupport, ...(similarity === 'pearson-baseline' ? { shrinkage } : {}), threads }),
    ...(model === 'baseline' || rule === 'baseline' || similarity === 'pearson-baseline' ? { baseline } : {}),
    rmse: mean.rmse, mae: mean.mae,
    ...(N > 0 ? {
      [`precisionAt${N}`]: mean.precision, [`recallAt${N}`]: mean.recall, [`ndcgAt${N}`]: mean.ndcg, [`mapAt${N}`]: mean.map,
      coverage: mean.coverage, threshold,
    } : {}),
    fitSeconds: mean.fitSeconds, predictSeconds: mean.predictSeconds, ...(N > 0 ? { recommendSeconds: mean.recommendSeconds } : {}),
    totalSeconds,
    perFold: perFold.map((f, i) => ({ fold: i, ...f })),
  };
  if (options.json) { output.write(JSON.stringify(report) + '\n'); return 0; }
  const desc = model === 'baseline' ? `BaselineOnly (${baseline})`
    : `${{ basic: 'KNNBasic', means: 'KNNWithMeans', zscore: 'KNNWithZScore', baseline: 'KNNBaseline' }[rule]} ${model === 'user-knn' ? 'user-based' : 'item-based'} similarity=${similarity} k=${k} minK=${minK}${minSupport !== 1 ? ` minSupport=${minSupport}` : ''}`;
  const lines = [
    `${path}${testPath ? ` (test ${testPath})` : ''}: ${ratings.size} ratings, ${ratings.nUsers} users, ${ratings.nItems} items, scale ${ratings.scale[0]}..${ratings.scale[1]}${ratings.implicit ? ', implicit' : ''}`,
    `model: ${desc}`,
    `${testPath ? 'train/test files' : `${folds}-fold cross-validation, seed ${seed}`}, ${totalSeconds.toFixed(2)} s in all`,
    '',
    `${'metric'.padEnd(18)}${'mean'.padStart(10)}${'std'.padStart(10)}`,
  ];
  const row = (name: string, key: keyof SplitScores, d = 4) => lines.push(`${name.padEnd(18)}${mean[key].toFixed(d).padStart(10)}${std[key].toFixed(d).padStart(10)}`);
  row('RMSE', 'rmse'); row('MAE', 'mae');
  if (N > 0) { row(`precision@${N}`, 'precision'); row(`recall@${N}`, 'recall'); row(`NDCG@${N}`, 'ndcg'); row(`MAP@${N}`, 'map'); row('coverage', 'coverage'); }
  row('fit seconds', 'fitSeconds'); row('predict seconds', 'predictSeconds');
  if (N > 0) row('top-N seconds', 'recommendSeconds');
  output.write(lines.join('\n') + '\n');
  return 0;
}
