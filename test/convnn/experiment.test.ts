// The convnn-experiment pipeline on a tiny generated image set: split, scaling, JSON shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.js';
import { loadImageSplit, runExperiment } from '../../src/convnn/experiment.js';
import { run } from '../../src/cli/commands/convnn-experiment.js';

function tinyCsv(dir: string): string {
  // 3 classes x 10 images of 8x8: class c has a bright column band at 2c..2c+1, values 0..200
  const rng = new Rng(1);
  const lines = [Array.from({ length: 64 }, (_, i) => 'f' + i).join(',') + ',label'];
  for (let c = 1; c <= 3; c++) {
    for (let s = 0; s < 10; s++) {
      const px: number[] = [];
      for (let r = 0; r < 8; r++) for (let q = 0; q < 8; q++) px.push(Math.round((q >> 1) === c ? 150 + rng.int(51) : rng.int(40)));
      lines.push(px.join(',') + ',' + c);
    }
  }
  const p = join(dir, 'tiny.csv');
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

test('stratified seeded split, pixels scaled to [0,1] by the data maximum, labels 1..C -> ids', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-convnn-'));
  try {
    const path = tinyCsv(dir);
    const a = await loadImageSplit(path, [8, 8, 1], 0.2, 0);
    assert.equal(a.classes, 3);
    assert.equal(a.yTest.length, 6);
    assert.equal(a.yTrain.length, 24);
    for (let c = 0; c < 3; c++) assert.equal(a.yTest.filter((y) => y === c).length, 2);
    assert.ok(Math.max(...a.xTrain, ...a.xTest) === 1 && Math.min(...a.xTrain) >= 0);
    const b = await loadImageSplit(path, [8, 8, 1], 0.2, 0);
    assert.deepEqual(b.yTest, a.yTest);
    assert.deepEqual(b.xTest, a.xTest);
    const c = await loadImageSplit(path, [8, 8, 1], 0.2, 1);
    assert.notDeepEqual(c.xTest, a.xTest);
    await assert.rejects(loadImageSplit(path, [4, 4, 1], 0.2, 0), /--image: got "4x4x1"; expected a shape with 64 values/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runExperiment trains the three arms and the CLI prints the JSON contract', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-convnn-'));
  try {
    const path = tinyCsv(dir);
    const res = await runExperiment({ data: path, image: [8, 8, 1], epochs: 4, channels: [4, 4], backend: 'cpu', batchSize: 8, learningRate: 0.03, k: 5 });
    for (const arm of [res.conv, res.convnn, res.branching]) {
      assert.ok(arm.accuracy >= 0 && arm.accuracy <= 1 && arm.bestAccuracy >= arm.accuracy);
      assert.ok(arm.secondsPerEpoch > 0 && Number.isFinite(arm.finalTrainLoss));
    }
    // conv 3x3 and ConvNN K=9 have the same width; here K=5 < 9 so ConvNN has fewer weights
    assert.ok(res.convnn.params < res.conv.params);
    // every arm fits the training set below the chance-level loss ln 3
    for (const arm of [res.conv, res.convnn, res.branching]) assert.ok(arm.finalTrainLoss < Math.log(3), String(arm.finalTrainLoss));
    const out: string[] = [];
    const orig = console.log, origErr = console.error;
    console.log = (s: string) => { out.push(s); };
    console.error = () => {};
    let rc: number;
    try {
      rc = await run(['--data', path, '--image', '8x8x1', '--epochs', '1', '--channels', '2,2', '--backend', 'cpu', '--json', '--k', '3']);
    } finally {
      console.log = orig; console.error = origErr;
    }
    assert.equal(rc, 0);
    const json = JSON.parse(out.join('\n'));
    for (const k of ['conv', 'convnn', 'branching']) {
      assert.deepEqual(Object.keys(json[k]).filter((x) => ['accuracy', 'params', 'secondsPerEpoch'].includes(x)).sort(), ['accuracy', 'params', 'secondsPerEpoch']);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
