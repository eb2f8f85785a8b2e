// kNN anomaly detection against PyOD's published benchmark (docs/tables/roc.csv and time.csv of
// yzhao062/pyod; its notebooks/benchmark.py protocol): ODDS sets, 60 % train / 40 % test, 10
// trials (trial i split by train_test_split with np.random.RandomState(i), reproduced exactly
// by knnkit's NumpyRandomState), standardised with the training part, KNN k = 5 ('largest'),
// LOF k = 20, mean ROC-AUC. PyOD cannot be installed here (no PyPI); its KNN and LOF are
// scikit-learn underneath, so bench/pyod_reference.py re-runs that very protocol with
// scikit-learn in the same run when bench/.venv exists (bash bench/setup-python.sh).
//
//   node --import tsx bench/outliers.ts                 # every set, knnkit + scikit-learn
//   node --import tsx bench/outliers.ts --sets wbc,pima --no-python
//
// Times are per trial: fit (standardise, index, training scores) + scoring the test rows;
// medians over the 10 trials, after one untimed pass on sets under 10,000 rows (JIT warm-up).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../src/io/index.js';
import { toDense } from '../src/core/matrix.js';
import { outlierTrials, outlierLabels } from '../src/cli/commands/outliers.js';
import { flag, opt, median, lastJson } from './common.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dataDir = opt('data-dir', join(root, '..', 'shared', 'data', 'odds'));
const python = opt('python', join(here, '.venv', 'bin', 'python'));
const usePython = !flag('no-python') && existsSync(python);

// PyOD's published table: ROC-AUC and seconds per trial (KNN / LOF)
const PYOD: Record<string, { knn: number; lof: number; knnS: number; lofS: number }> = {
  cardio: { knn: 0.7236, lof: 0.5736, knnS: 0.2249, lofS: 0.0993 },
  musk: { knn: 0.7986, lof: 0.5287, knnS: 2.2057, lofS: 1.9835 },
  pendigits: { knn: 0.7486, lof: 0.4698, knnS: 0.8659, lofS: 0.5936 },
  pima: { knn: 0.7078, lof: 0.6271, knnS: 0.0590, lofS: 0.0102 },
  satellite: { knn: 0.6836, lof: 0.5573, knnS: 1.2578, lofS: 0.9868 },
  shuttle: { knn: 0.6537, lof: 0.5264, knnS: 9.4958, lofS: 11.1500 },
  vowels: { knn: 0.9680, lof: 0.9410, knnS: 0.1125, lofS: 0.0367 },
  wbc: { knn: 0.9366, lof: 0.9349, knnS: 0.0287, lofS: 0.0078 },
};
const sets = opt('sets', Object.keys(PYOD).join(',')).split(',');
if (!existsSync(dataDir)) { console.log(`bench/outliers: ${dataDir} not found (../shared/data absent): skipped`); process.exit(0); }

const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '-');
const rows: string[] = [];
const header = '| set | method | knnkit ROC-AUC | PyOD ROC-AUC | diff | knnkit s/trial | PyOD s/trial (published) | speed-up | scikit-learn s/trial (here) | speed-up |';
rows.push(header, '|' + '---|'.repeat(10));
let within = 0, total = 0;
for (const set of sets) {
  const path = join(dataDir, `${set}.csv`);
  if (!existsSync(path)) { console.log(`${set}: ${path} missing, skipped`); continue; }
  const ds = await readDataset(path);
  const X = toDense(ds.X), y = outlierLabels(ds.y!, path);
  for (const method of ['knn', 'lof'] as const) {
    const k = method === 'knn' ? 5 : 20;
    const protocol = { method, k, aggregate: 'largest' as const, trainFraction: 0.6, trials: 10, seed: 0, standardize: true, splits: 'numpy' as const };
    // small sets: one untimed pass first, so that the medians are of warm code (a long-running service's view)
    if (X.rows < 10000) outlierTrials(X, y, protocol);
    const trials = outlierTrials(X, y, protocol);
    const roc = trials.reduce((a, t) => a + t.rocAuc, 0) / trials.length;
    const sec = median(trials.map((t) => t.fitSeconds + t.scoreSeconds));
    const ref = PYOD[set];
    const pub = method === 'knn' ? ref.knn : ref.lof, pubS = method === 'knn' ? ref.knnS : ref.lofS;
    let skS = NaN, skRoc = NaN;
    if (usePython) {
      const c = spawnSync(python, [join(here, 'pyod_reference.py'), path, '--method', method, '--k', String(k)], { encoding: 'utf8' });
      if (c.status === 0) { const j = lastJson<{ rocAuc: number; seconds: number[] }>(c.stdout); skS = median(j.seconds); skRoc = j.rocAuc; }
    }
    total++;
    if (Math.abs(roc - pub) <= 0.02) within++;
    rows.push(`| ${set} | ${method.toUpperCase()} k=${k} | ${f4(roc)} | ${f4(pub)} | ${(roc - pub >= 0 ? '+' : '') + (roc - pub).toFixed(4)} | ${f4(sec)} | ${f4(pubS)} | ${(pubS / sec).toFixed(1)}x | ${f4(skS)}${Number.isFinite(skRoc) ? ` (ROC ${f4(skRoc)})` : ''} | ${Number.isFinite(skS) ? (skS / sec).toFixed(1) + 'x' : '-'} |`);
    console.error(rows[rows.length - 1]);
  }
}
console.log(rows.join('\n'));
console.log(`\n${within} of ${total} ROC-AUCs within 0.02 of PyOD's published table.`);
console.log(usePython ? 'scikit-learn column: PyOD\'s KNN/LOF protocol re-run with scikit-learn on this machine in this run (bench/pyod_reference.py).' : 'scikit-learn column skipped (no bench/.venv; bash bench/setup-python.sh).');
