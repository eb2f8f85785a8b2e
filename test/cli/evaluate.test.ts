import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFvecs, writeLabels } from '../../src/io/index.js';
import { Rng } from '../../src/core/rng.js';
import { sharedData } from '../helpers/data.js';
import { assertUsageErrors, cli, cliTempDir } from '../helpers/cli.js';
import { crossValidate, GridSearchCV } from '../../src/model-selection/index.js';
import { Pipeline, StandardScaler } from '../../src/preprocessing/index.js';
import { KNeighborsClassifier } from '../../src/learn/index.js';
import { KnnGraphClassifier } from '../../src/knn-graph/index.js';

let dir = '';
let removeDir = () => {};
const CLASSES = ['cat', 'dog', 'emu'];
/** n rows, 4 features, 3 string-labelled Gaussian classes (overlapping a little). */
function rows(n: number, seed: number): { X: number[][]; y: string[] } {
  const rng = new Rng(seed);
  const X: number[][] = [], y: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    X.push([0, 1, 2, 3].map((j) => Math.round((c * (j === c ? 3 : 1) + rng.normal()) * 1000) / 1000));
    y.push(CLASSES[c]);
  }
  return { X, y };
}

before(async () => {
  ({ dir, remove: removeDir } = cliTempDir('knnkit-evaluate-'));
  const { X, y } = rows(60, 1);
  writeFileSync(join(dir, 'train.csv'), 'a,b,c,d,label\n' + X.map((r, i) => [...r, y[i]].join(',')).join('\n') + '\n');
  writeFileSync(join(dir, 'labelfirst.csv'), 'species,a,b,c,d\n' + X.map((r, i) => [y[i], ...r].join(',')).join('\n') + '\n');
  writeFileSync(join(dir, 'reg.csv'), 'a,b,c,d,target\n' + X.map((r) => [...r, (r[0] * 2 + r[1]).toFixed(3)].join(',')).join('\n') + '\n');
  writeFileSync(join(dir, 'train.svm'), X.map((r, i) => `${i % 3} ` + r.map((v, j) => (v !== 0 ? `${j + 1}:${v}` : '')).filter(Boolean).join(' ')).join('\n') + '\n');
  await writeFvecs(join(dir, 'train.fvecs'), { kind: 'dense', data: Float32Array.from(X.flat()), rows: X.length, cols: 4 });
  await writeLabels(join(dir, 'train.labels'), y);
  writeFileSync(join(dir, 'onelabel.csv'), 'a,label\n1,x\n2,x\n3,x\n');
});
after(() => removeDir());

const CLASSIFICATION_KEYS = ['model', 'n', 'd', 'classes', 'folds', 'accuracy', 'macroPrecision', 'macroRecall', 'macroF1', 'fitSeconds', 'predictSeconds', 'perFold'];

function checkClassificationReport(r: Record<string, any>, n: number, d: number, folds: number): void {
  for (const k of CLASSIFICATION_KEYS) assert.ok(k in r, `key ${k}`);
  assert.equal(r.n, n); assert.equal(r.d, d); assert.equal(r.classes, 3); assert.equal(r.folds, folds);
  for (const k of ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1']) {
    assert.ok(r[k].mean >= 0 && r[k].mean <= 1 && r[k].std >= 0 && r[k].std <= 1, `${k} ${JSON.stringify(r[k])}`);
  }
  for (const k of ['fitSeconds', 'predictSeconds']) assert.ok(r[k].mean >= 0 && r[k].std >= 0);
  assert.equal(r.perFold.length, folds);
  let tested = 0;
  for (const f of r.perFold) {
    tested += f.testSize;
    assert.equal(f.trainSize + f.testSize, n);
    for (const k of ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1', 'fitSeconds', 'predictSeconds']) assert.equal(typeof f[k], 'number');
  }
  assert.equal(tested, n);
  const mean = r.perFold.reduce((s: number, f: { accuracy: number }) => s + f.accuracy, 0) / folds;
  assert.ok(Math.abs(mean - r.accuracy.mean) < 1e-12);
}

test('evaluate --json prints exactly one JSON object with the contract keys', async () => {
  const r = await cli(['evaluate', join(dir, 'train.csv'), '--k', '3', '--folds', '5', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  assert.equal(r.out.trim().split('\n').length, 1);
  const rep = JSON.parse(r.out);
  checkClassificationReport(rep, 60, 4, 5);
  assert.equal(rep.model, 'knn');
  assert.ok(rep.accuracy.mean > 0.8, `separable data: ${rep.accuracy.mean}`);
  // same seed, same folds, same figures
  const again = JSON.parse((await cli(['evaluate', join(dir, 'train.csv'), '--k', '3', '--folds', '5', '--json'])).out);
  assert.deepEqual(again.perFold.map((f: { accuracy: number }) => f.accuracy), rep.perFold.map((f: { accuracy: number }) => f.accuracy));
});

test('evaluate --model knn-graph: same folds and scores as crossValidate with KnnGraphClassifier; its options reach the model', async () => {
  const r = await cli(['evaluate', join(dir, 'train.csv'), '--model', 'knn-graph', '--folds', '3', '--seed', '2', '--ef', '4', '--ef-construction', '12', '--max-iter', '3', '--json']);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  checkClassificationReport(rep, 60, 4, 3);
  assert.equal(rep.model, 'knn-graph');
  assert.deepEqual(rep.params, { neighbourRule: 'reference', candidates: 'auto', maxIter: 3, ef: 4, efConstruction: 12, seed: 2, scale: 'none' });
  const { X, y } = rows(60, 1);
  const api = crossValidate(() => new KnnGraphClassifier({ maxIter: 3, ef: 4, efConstruction: 12, seed: 2 }), X, y, { folds: 3, seed: 2 });
  assert.deepEqual(rep.perFold.map((f: { accuracy: number }) => f.accuracy), api.folds.map((f) => f.scores.accuracy));
  assert.ok(rep.accuracy.mean > 0.8, `separable data: ${rep.accuracy.mean}`);
  const support = JSON.parse((await cli(['evaluate', join(dir, 'train.csv'), '--model', 'knn-graph', '--neighbour-rule', 'support', '--folds', '3', '--json'])).out);
  assert.equal(support.params.neighbourRule, 'support');
  await assertUsageErrors('evaluate', [
    [[join(dir, 'train.csv'), '--model', 'knn-graph', '--ef', '0'], /--ef: got "0"; expected an integer >= 1/],
    [[join(dir, 'train.csv'), '--model', 'knn-graph', '--ef-construction', 'n'], /--ef-construction: got "n"/],
    [[join(dir, 'train.csv'), '--model', 'knn-graph', '--neighbour-rule', 'all'], /--neighbour-rule: got "all"; expected support or reference/],
    [[join(dir, 'train.csv'), '--model', 'knn-graph', '--candidates', 'some'], /--candidates: got "some"; expected an integer >= 1, auto or none/],
    [[join(dir, 'reg.csv'), '--model', 'knn-graph', '--task', 'regression'], /--task: model knn-graph does not do regression/],
  ]);
});

test('evaluate: human table, scalers, weights, metrics, --label, fvecs + --labels, LIBSVM', async () => {
  const h = await cli(['evaluate', join(dir, 'train.csv'), '--folds', '4']);
  assert.equal(h.code, 0, h.err);
  for (const s of ['accuracy', 'macro precision', 'macro recall', 'macro F1', 'fit seconds', 'predict seconds', 'mean', 'std', 'n=60 d=4 classes=3']) assert.ok(h.out.includes(s), s);
  for (const args of [
    ['--scale', 'standard', '--weights', 'distance'], ['--scale', 'minmax', '--metric', 'manhattan'], ['--p', '3'],
    ['--metric', 'minkowski', '--p', '1.5', '--algorithm', 'brute'], ['--weights', 'gaussian', '--algorithm', 'kd-tree'],
    ['--metric', 'chebyshev', '--algorithm', 'ball-tree'], ['--metric', 'cosine'],
  ]) {
    const r = await cli(['evaluate', join(dir, 'train.csv'), '--folds', '3', '--json', ...args]);
    assert.equal(r.code, 0, `${args}: ${r.err}`);
    checkClassificationReport(JSON.parse(r.out), 60, 4, 3);
  }
  const lf = await cli(['evaluate', join(dir, 'labelfirst.csv'), '--label', 'species', '--folds', '3', '--json']);
  assert.equal(lf.code, 0, lf.err);
  checkClassificationReport(JSON.parse(lf.out), 60, 4, 3);
  const li = await cli(['evaluate', join(dir, 'labelfirst.csv'), '--label', '0', '--folds', '3', '--json']);
  assert.deepEqual(JSON.parse(li.out).accuracy, JSON.parse(lf.out).accuracy);
  const fv = await cli(['evaluate', join(dir, 'train.fvecs'), '--labels', join(dir, 'train.labels'), '--folds', '3', '--json']);
  assert.equal(fv.code, 0, fv.err);
  checkClassificationReport(JSON.parse(fv.out), 60, 4, 3);
  const sv = await cli(['evaluate', join(dir, 'train.svm'), '--folds', '3', '--scale', 'standard', '--json']);
  assert.equal(sv.code, 0, sv.err);
  checkClassificationReport(JSON.parse(sv.out), 60, 4, 3);
});

test('evaluate --model cv-knn tunes k and weights on each training fold', async () => {
  const r = await cli(['evaluate', join(dir, 'train.csv'), '--model', 'cv-knn', '--folds', '3', '--json']);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  checkClassificationReport(rep, 60, 4, 3);
  assert.equal(rep.model, 'cv-knn');
  for (const f of rep.perFold) {
    assert.ok([1, 3, 5, 7, 9, 11, 15].includes(f.bestParams.k));
    assert.ok(['uniform', 'distance'].includes(f.bestParams.weights));
  }
});

test('evaluate --model cv-knn --scale standard equals the nested API computation (scaler inside the inner folds)', async () => {
  const r = await cli(['evaluate', join(dir, 'train.csv'), '--model', 'cv-knn', '--scale', 'standard', '--folds', '3', '--seed', '4', '--json']);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  const { X, y } = rows(60, 1);
  const api = crossValidate(() => new GridSearchCV({
    estimator: (p) => new Pipeline([new StandardScaler(), new KNeighborsClassifier({ k: p.k as number, weights: p.weights as 'uniform' }) as never]),
    paramGrid: { k: [1, 3, 5, 7, 9, 11, 15], weights: ['uniform', 'distance'] }, folds: 5, seed: 4,
  }), X, y, { folds: 3, seed: 4, returnModels: true });
  assert.deepEqual(rep.perFold.map((f: { accuracy: number }) => f.accuracy), api.folds.map((f) => f.scores.accuracy));
  assert.deepEqual(rep.perFold.map((f: { bestParams: unknown }) => f.bestParams), api.folds.map((f) => (f.model as GridSearchCV).bestParams));
});

test('evaluate --task regression reports MSE, MAE, R^2 with plain k-fold', async () => {
  const r = await cli(['evaluate', join(dir, 'reg.csv'), '--task', 'regression', '--folds', '5', '--weights', 'distance', '--json']);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  for (const k of ['mse', 'mae', 'r2']) assert.ok(typeof rep[k].mean === 'number' && rep[k].std >= 0, k);
  assert.ok(!('accuracy' in rep));
  assert.ok(rep.mse.mean >= 0 && rep.mae.mean >= 0 && rep.r2.mean <= 1 && rep.r2.mean > 0.5, JSON.stringify(rep.r2));
  assert.equal(rep.perFold.length, 5);
  const cls = await cli(['evaluate', join(dir, 'train.csv'), '--task', 'regression']);
  assert.equal(cls.code, 2);
  assert.match(cls.err, /regression needs numeric targets/);
});

test('evaluate: bad input is a one-line error naming the option or file, exit code 2', async () => {
  const f = join(dir, 'train.csv');
  const cases: [string[], RegExp][] = [
    [['--k', '0'], /--k: got "0"; expected an integer >= 1/],
    [['--k', 'five'], /--k: got "five"/],
    [['--k', '2.5'], /--k: got "2.5"/],
    [['--folds', '1'], /--folds: got "1"; expected an integer >= 2/],
    [['--folds', '61'], /--folds: got 61; cannot exceed the number of samples \(60\)/],
    [['--folds', '25'], /--folds: got 25; cannot be greater than the number of members in each class/],
    [['--weights', 'heavy'], /--weights: got "heavy"; expected one of uniform, distance, gaussian, epanechnikov, tricube/],
    [['--metric', 'hamming2'], /--metric: got "hamming2"; expected one of euclidean/],
    [['--p', '0.5'], /--p: got "0.5"; expected a number >= 1/],
    [['--metric', 'manhattan', '--p', '3'], /--p: only applies to --metric minkowski/],
    [['--algorithm', 'octree'], /--algorithm: got "octree"/],
    [['--metric', 'cosine', '--algorithm', 'ball-tree'], /--algorithm: "ball-tree" (cannot use metric "cosine": the ball tree )?needs a true metric/],
    [['--scale', 'robust'], /--scale: got "robust"/],
    [['--seed', '-1'], /--seed: got "-1"/],
    [['--task', 'ranking'], /--task: got "ranking"/],
    [['--model', 'svm'], /--model: got "svm"; expected one of knn, cv-knn/],
    [['--label', 'nope'], /label: no column named "nope"/],
    [['--labels', join(dir, 'train.labels')], /--labels: .* carries its own labels/],
    [['--bogus'], /--bogus: unknown option/],
    [['--k'], /--k: missing value/],
  ];
  await assertUsageErrors('evaluate', cases.map(([args, re]): [string[], RegExp] => [[f, ...args], re]));
  const missing = await cli(['evaluate', join(dir, 'nope.csv')]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.csv: no such file/);
  const noLabels = await cli(['evaluate', join(dir, 'train.fvecs')]);
  assert.equal(noLabels.code, 2);
  assert.match(noLabels.err, /--labels: .*train\.fvecs has no labels/);
  const one = await cli(['evaluate', join(dir, 'onelabel.csv'), '--folds', '2']);
  assert.equal(one.code, 2);
  assert.match(one.err, /at least 2 classes/);
  const none = await cli(['evaluate']);
  assert.equal(none.code, 2);
  assert.match(none.err, /<data>: expected exactly one data file/);
  const help = await cli(['evaluate', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /--folds/);
});

const binalpha = sharedData('binalpha.csv');
test('evaluate binalpha --k 5 --weights distance --folds 10: accuracy near scikit-learn 0.709', { skip: binalpha.skip }, async () => {
  const r = await cli(['evaluate', binalpha.path, '--k', '5', '--weights', 'distance', '--folds', '10', '--json']);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  checkClassificationReport({ ...rep, classes: 3 }, 1404, 320, 10);
  assert.equal(rep.classes, 36);
  assert.ok(Math.abs(rep.accuracy.mean - 0.709) <= 0.02, `accuracy ${rep.accuracy.mean}`);
});
