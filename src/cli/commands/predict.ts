import { KnnkitError } from '../../core/errors.js';
import { matrixTakeRows, type Matrix } from '../../core/data.js';
import type { Label } from '../../core/labels.js';
import { atomicWriteFile } from '../../io/atomic.js';
import { checkInputFile, checkOutputFile, writing } from '../paths.js';
import { parseArgs } from '../args.js';
import { loadLabelled, loadTest } from '../data.js';
import { asOptionError, buildModel, modelHelp, modelOptionSpec, parseModelSettings } from '../model-options.js';
import { Progress } from '../progress.js';
import { output } from '../output.js';

export const summary = 'fit on a training file, predict a test file';

const USAGE = `usage: knnkit predict <train> <test> [options]

Fits a model on <train> and writes one prediction per line for the rows of <test>, in order:
labels in their original spelling, regression values with full float64 precision. A label
column in the test file is ignored (CSV: the column named like the training label column;
LIBSVM: the first token); test files may have none.

options:
  --out FILE          write the predictions to FILE (atomically) instead of stdout
  --quiet             no progress on stderr (a bar on a terminal, a line every 5 s otherwise)
`;

/** Query block size for progress reports on large test files. */
const BLOCK = 4096;

export async function run(argv: string[]): Promise<number> {
  const { positionals, options } = parseArgs(argv, { ...modelOptionSpec(), out: { type: 'string' }, quiet: { type: 'boolean' } });
  if (options.help) {
    output.write(USAGE + '\n' + modelHelp() + '\n');
    return 0;
  }
  if (positionals.length !== 2) {
    throw new KnnkitError('<train> <test>', `<train> <test>: expected two data files; got ${positionals.length === 0 ? 'none' : positionals.map((p) => JSON.stringify(p)).join(' ')} (knnkit predict --help)`);
  }
  const settings = parseModelSettings(options);
  const out = options.out;
  if (out !== undefined && (typeof out !== 'string' || out === '')) throw new KnnkitError('--out', `--out: got ${JSON.stringify(out)}; expected a file path`);
  const [trainPath, testPath] = positionals;
  // every path before the fit: a typo in --out costs a second, not the whole job
  await checkInputFile(trainPath);
  await checkInputFile(testPath);
  if (options.labels !== undefined) await checkInputFile(String(options.labels), '--labels');
  if (out !== undefined) await checkOutputFile(out as string, '--out');
  const task = settings.config.task;
  const train = await loadLabelled(trainPath, options, task);
  const Xtest = await loadTest(testPath, train);

  const model = buildModel(settings, train.X.kind === 'csr');
  asOptionError(() => model.fit(train.X, train.y as ArrayLike<Label>));

  const progress = new Progress(`knnkit predict ${testPath}`, Xtest.rows, { quiet: options.quiet === true });
  const lines: string[] = new Array(Xtest.rows);
  try {
    const step = progress.enabled ? BLOCK : Xtest.rows;
    for (let s = 0; s < Xtest.rows; s += step) {
      const e = Math.min(Xtest.rows, s + step);
      const block: Matrix = s === 0 && e === Xtest.rows ? Xtest : matrixTakeRows(Xtest, Int32Array.from({ length: e - s }, (_, i) => s + i));
      const pred = asOptionError(() => model.predict(block));
      // String(x) of a float64 is the shortest text that round-trips it: full precision
      for (let i = 0; i < pred.length; i++) lines[s + i] = String(pred[i]);
      progress.update(e, 'queries');
    }
  } finally {
    progress.done();
  }
  const text = lines.length ? lines.join('\n') + '\n' : '';
  if (out !== undefined) await writing(out as string, '--out', () => atomicWriteFile(out as string, text));
  else output.write(text);
  return 0;
}
