import { KnnkitError } from '../core/errors.js';
import { output } from './output.js';
import { packageVersion } from './version.js';

/**
 * Command table: name -> lazily imported module exporting `run(argv): Promise<number>` and a
 * one-line `summary`. Each command lives in its own file under ./commands/.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> }> = {
  demo: { summary: 'run the main job on a built-in generated example', load: () => import('./commands/demo.js') },
  search: { summary: 'k-NN search benchmark: recall@k, queries/s, latency, build time, memory', load: () => import('./commands/search.js') },
  indexes: { summary: 'list the index families with their options, metrics and codecs', load: () => import('./commands/indexes.js') },
  build: { summary: 'build an index of any family over a data file and save it', load: () => import('./commands/build.js') },
  query: { summary: 'search a saved index: neighbours of a query file, with filters and recall', load: () => import('./commands/query.js') },
  info: { summary: 'describe a saved index file: family, metric, size, options, checksums', load: () => import('./commands/info.js') },
  evaluate: { summary: 'cross-validate a kNN model on a data file', load: () => import('./commands/evaluate.js') },
  predict: { summary: 'fit on a training file, predict a test file', load: () => import('./commands/predict.js') },
  reproduce: { summary: 'reproduce a paper\'s tables (knn-graph)', load: () => import('./commands/reproduce.js') },
  recommend: { summary: 'collaborative filtering: Surprise\'s kNN models cross-validated on a ratings file', load: () => import('./commands/recommend.js') },
  outliers: { summary: 'kNN / LOF anomaly detection scored on a labelled file (PyOD\'s protocol)', load: () => import('./commands/outliers.js') },
  serve: { summary: 'serve collections over a subset of Qdrant\'s REST API (write-ahead log, snapshots)', load: () => import('./commands/serve.js') },
  'convnn-experiment': { summary: 'train Conv2d vs ConvNN vs branching on real images', load: () => import('./commands/convnn-experiment.js') },
  'knn-lm': { summary: 'kNN-LM: TF.js language model + nearest-neighbour datastore, perplexity in and across domains', load: () => import('./commands/knn-lm.js') },
};

function usage(): string {
  const lines = ['usage: knnkit <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(20)} ${c.summary}`);
  lines.push('', 'knnkit <command> --help shows the options of a command; knnkit --version (-V) prints the version.');
  return lines.join('\n');
}

/** Runs the CLI; returns the exit code (0 ok, 1 runtime failure, 2 bad input). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    output.write(`knnkit ${packageVersion()}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`knnkit: unknown command ${JSON.stringify(name)}; expected one of ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest);
  } catch (e) {
    if (e instanceof KnnkitError) {
      console.error(`knnkit ${name}: ${e.message.split('\n')[0]}`);
      return 2;
    }
    console.error(`knnkit ${name}: ${(e as Error)?.stack ?? String(e)}`);
    return 1;
  }
}
