import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gaussianClusters } from '../helpers/data.js';
import { main } from '../../src/cli/main.js';
import { reproduce, METHODS } from '../../src/knn-graph/reproduce.js';
import { cvpartitionStratifiedKFold } from '../../src/knn-graph/matlab-folds.js';
import { readDataset } from '../../src/io/index.js';
import { matrixTakeRows } from '../../src/core/data.js';
import { accuracy } from '../../src/evaluation/index.js';
import { KNeighborsClassifier } from '../../src/learn/index.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log; console.error = error;
  }
}

function writeData(dir: string): { csv: string; svm: string } {
  const X = gaussianClusters(60, 4, 3, 8, 3);
  const lines = ['f0,f1,f2,f3,label'];
  const svm: string[] = [];
  for (let i = 0; i < 60; i++) {
    const row = Array.from(X.data.subarray(i * 4, i * 4 + 4));
    const label = (row[0] > 0 ? 1 : 0) + (row[1] > 0 ? 2 : 0) + 1;
    lines.push([...row.map((v) => v.toFixed(3)), label].join(','));
    svm.push(`${label} ${row.map((v, t) => (Math.abs(v) > 0.5 ? `${t + 1}:${Math.abs(v).toFixed(3)}` : '')).filter(Boolean).join(' ')}`);
  }
  const csv = join(dir, 'small.csv'), s = join(dir, 'small.svm');
  writeFileSync(csv, lines.join('\n') + '\n');
  writeFileSync(s, svm.join('\n') + '\n');
  return { csv, svm: s };
}

test('knnkit reproduce knn-graph --json: every method, fractions in [0, 1], deterministic', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knn-graph-repro-'));
  try {
    const { csv, svm } = writeData(dir);
    const argv = ['reproduce', 'knn-graph', '--data', csv, '--data', svm, '--folds', '3', '--seed', '2', '--threads', '1', '--json'];
    const r = await capture(argv);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    // both files are named "small": the JSON keeps one entry per name (the later); the report API keeps both
    assert.deepEqual(Object.keys(j.datasets), ['small']);
    assert.deepEqual(j.protocol.knnGraph, { maxIter: 5, ef: 16, lookup: 'auto', efConstruction: 'n up to 2500 training rows, else 200' });
    const withBeam = await capture(['reproduce', 'knn-graph', '--data', csv, '--folds', '2', '--methods', 'knn-graph-reference', '--ef-construction', '12', '--json']);
    assert.equal(withBeam.code, 0, withBeam.err);
    assert.equal(JSON.parse(withBeam.out).protocol.knnGraph.efConstruction, 12);
    const badBeam = await capture(['reproduce', 'knn-graph', '--data', csv, '--ef-construction', '0']);
    assert.notEqual(badBeam.code, 0);
    assert.match(badBeam.err, /ef-construction/);
    for (const m of METHODS) {
      const cell = j.datasets.small[m];
      for (const k of ['accuracy', 'macroPrecision', 'macroRecall', 'macroF1']) assert.ok(cell[k] >= 0 && cell[k] <= 1, `${m}.${k}`);
      assert.ok(cell.trainSeconds >= 0 && cell.inferSeconds >= 0);
    }
    const reports = await reproduce({ files: [csv, svm], folds: 3, seed: 2, threads: 1, methods: ['knn-graph-reference', '1nn'] });
    assert.equal(reports.length, 2);
    assert.equal(reports[1].sparse, true);
    assert.match(reports[1].preprocessing, /L2-normalised/);
    assert.equal(reports[0].preprocessing, 'none');
    const again = await reproduce({ files: [csv], folds: 3, seed: 2, threads: 1, methods: ['knn-graph-reference', '1nn'] });
    assert.equal(again[0].methods['knn-graph-reference'].accuracy, reports[0].methods['knn-graph-reference'].accuracy);
    assert.deepEqual(again[0].folds['1nn'].map((f) => f.macroF1), reports[0].folds['1nn'].map((f) => f.macroF1));
    const table = await capture(['reproduce', 'knn-graph', '--data', csv, '--folds', '2', '--methods', '1nn,knn-graph-support', '--markdown', '--quiet']);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /Table 1\. Accuracy/);
    assert.match(table.out, /\| dataset \| 1nn \| knn-graph-support \|/);
    assert.match(table.out, /Table 4\. Training seconds per fold/);
    assert.doesNotMatch(table.out, /\(paper\)/); // no published figures for an unknown data set
    // a data set the paper reports (by file name): its published figures under ours
    const named = join(dir, 'binalpha.csv');
    writeFileSync(named, readFileSync(csv));
    const paper = await capture(['reproduce', 'knn-graph', '--data', named, '--folds', '2', '--methods', '1nn,knn-graph-reference,cv-knn', '--markdown', '--quiet']);
    assert.equal(paper.code, 0, paper.err);
    assert.match(paper.out, /\| binalpha \(paper\) \| - \| 69\.65 \| 66\.74 \|/);
    assert.match(paper.out, /\| binalpha \(paper\) \| - \| 74\.97 \| 70\.80 \|/);
    assert.match(paper.out, /\| binalpha \(paper\) \| - \| 0\.00220 \| 1\.51 \|/);
    assert.match(paper.out, /\| binalpha \(paper\) \| - \| 18\.5 \| - \|/);
    const pj = await capture(['reproduce', 'knn-graph', '--data', named, '--folds', '2', '--methods', '1nn', '--json']);
    assert.equal(JSON.parse(pj.out).published.binalpha.methods['knn-graph-reference'].accuracy, 0.6965);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('knnkit reproduce: bad input exits 2 with a message naming the option', async () => {
  assert.equal((await capture(['reproduce'])).code, 2);
  assert.match((await capture(['reproduce', 'knn-grph'])).err, /expected "knn-graph"/);
  assert.match((await capture(['reproduce', 'knn-graph', '--methods', 'knn,1nn', '--data', 'x.csv'])).err, /--methods: got "knn"/);
  assert.match((await capture(['reproduce', 'knn-graph', '--folds', '1', '--data', 'x.csv'])).err, /--folds/);
  assert.match((await capture(['reproduce', 'knn-graph', '--data', '/nonexistent/file.csv'])).err, /no such file/);
  assert.match((await capture(['reproduce', 'knn-graph', '--candidates', 'zero', '--data', 'x.csv'])).err, /--candidates/);
  assert.match((await capture(['reproduce', 'knn-graph', '--ef', '0', '--data', 'x.csv'])).err, /--ef: got "0"/);
});

test('reproduce: folds are MATLAB cvpartition\'s by default (the authors\' partition), knnkit\'s on request', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knn-graph-folds-'));
  try {
    const { csv } = writeData(dir);
    const [def] = await reproduce({ files: [csv], folds: 3, seed: 4, methods: ['1nn'] });
    assert.equal(def.foldScheme, 'cvpartition');
    // the per-fold 1-NN accuracy is the one measured on cvpartition's test sets
    const ds = await readDataset(csv);
    const folds = cvpartitionStratifiedKFold(ds.y!, 3, 4);
    const expected = folds.map(({ train, test }) => {
      const model = new KNeighborsClassifier({ k: 1, algorithm: 'brute' }).fit(matrixTakeRows(ds.X, train), Array.from(train, (i) => ds.y![i]));
      return accuracy(Array.from(test, (i) => ds.y![i]), model.predict(matrixTakeRows(ds.X, test)));
    });
    assert.deepEqual(def.folds['1nn'].map((f) => f.accuracy), expected);
    const [own] = await reproduce({ files: [csv], folds: 3, seed: 4, methods: ['1nn'], foldScheme: 'knnkit' });
    assert.equal(own.foldScheme, 'knnkit');
    await assert.rejects(reproduce({ files: [csv], methods: ['1nn'], foldScheme: 'matlab' as never }), /foldScheme: got "matlab"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
