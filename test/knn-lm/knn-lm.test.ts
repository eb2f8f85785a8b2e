import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KnnLM, tfAvailable, Datastore, makePositions } from '../../src/knn-lm/index.js';
import { Rng } from '../../src/core/rng.js';

const haveTf = await tfAvailable();
const skip = haveTf ? false : '@tensorflow/tfjs-* (optional peers) are not installed';

// A small seeded corpus: templated sentences, so contexts repeat with different continuations.
function corpus(n: number, seed: number): string[] {
  const rng = new Rng(seed);
  const subj = ['the cat', 'a dog', 'the old man', 'my sister', 'the bird'];
  const verb = ['sees', 'likes', 'chases', 'feeds', 'calls'];
  const obj = ['the ball', 'a fish', 'the red car', 'her friend', 'the small house'];
  return Array.from({ length: n }, () => `${subj[rng.int(5)]} ${verb[rng.int(5)]} ${obj[rng.int(5)]} .`);
}
const train = corpus(60, 1);

async function fitted(): Promise<KnnLM> {
  const lm = new KnnLM({ context: 3, embedDim: 8, hidden: 16, minCount: 1, seed: 0 });
  await lm.fit(train, { epochs: 15, batchSize: 32, learningRate: 0.01, seed: 0 });
  return lm;
}

test('datastore keys equal the model\'s hidden states, values the next tokens', { skip }, async () => {
  const lm = await fitted();
  const ds = lm.buildDatastore(train, { kind: 'flat' });
  const { keys, positions } = lm.score(train);
  assert.equal(ds.size, positions.targets.length);
  assert.deepEqual([...ds.values], [...positions.targets]);
  const H = lm.model.hidden;
  for (const i of [0, 7, ds.size - 1]) assert.deepEqual([...ds.index.getVector(i)], [...keys.subarray(i * H, (i + 1) * H)]);
  // and the hidden state of a single context is the same vector
  const p = makePositions([lm.vocabulary.encode(['the', 'cat', 'sees'])], 3);
  const one = lm.model.evaluate(p).keys!;
  const d = lm.model.distribution(p.ctx.subarray(3 * 3, 4 * 3));
  for (let j = 0; j < H; j++) assert.ok(Math.abs(d.key[j] - one[3 * H + j]) < 1e-5);
});

test('lambda 1, k 1: a training context retrieves its own next token; lambda 0 reproduces the LM; distribution sums to 1', { skip }, async () => {
  const lm = await fitted();
  const ds = lm.buildDatastore(train, { kind: 'flat' });
  const { keys, positions } = lm.score(train);
  const nb = ds.search(keys, 1);
  let same = 0;
  for (let i = 0; i < ds.size; i++) if (nb.dists[i] === 0 && nb.values[i] === positions.targets[i]) same++;
  // identical contexts (same 3 previous words) share a key; their stored value may differ, so
  // not every position gets its own token back, but an exact match (distance 0) always exists.
  for (let i = 0; i < ds.size; i++) assert.equal(nb.dists[i], 0);
  assert.ok(same > ds.size * 0.5, `${same} / ${ds.size}`);
  // a context that occurs once in the training text has one key: k = 1 returns its own next token
  const n = positions.n, seen = new Map<string, number>();
  for (let i = 0; i < ds.size; i++) { const c = positions.ctx.subarray(i * n, (i + 1) * n).join(','); seen.set(c, (seen.get(c) ?? 0) + 1); }
  let unique = 0;
  for (let i = 0; i < ds.size; i++) {
    if (seen.get(positions.ctx.subarray(i * n, (i + 1) * n).join(',')) !== 1) continue;
    unique++;
    assert.equal(nb.values[i], positions.targets[i]);
  }
  assert.ok(unique > 20, `${unique} unique contexts`);
  const r0 = lm.perplexity(train.slice(0, 5), { lambda: 0 });
  assert.equal(r0.perplexity, r0.perplexityLM);
  const dist = lm.nextTokenDistribution('the cat sees', { k: 8, lambda: 0.5 });
  assert.ok(Math.abs(dist.probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.ok(Math.abs(dist.pKNN!.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  const words = lm.vocabulary.words;
  const top = dist.pKNN!.indexOf(Math.max(...dist.pKNN!));
  assert.ok(['the', 'a', 'her'].includes(words[top]), `kNN's top word after "the cat sees": ${words[top]}`);
});

test('tiny end-to-end: kNN-LM perplexity on a training-like sentence is below the LM\'s; save/load keeps it', { skip }, async () => {
  const lm = await fitted();
  lm.buildDatastore(train); // hnsw, the default family
  assert.equal(lm.datastore!.index.kind, 'hnsw');
  const probe = [train[3], train[10]];
  const r = lm.perplexity(probe, { k: 16, lambda: 0.5, temperature: 1 });
  assert.ok(r.perplexity < r.perplexityLM, `kNN-LM ${r.perplexity} vs LM ${r.perplexityLM}`);
  assert.equal(r.oovRate, 0);
  const back = await KnnLM.fromBytes(lm.toBytes());
  const r2 = back.perplexity(probe, { k: 16, lambda: 0.5, temperature: 1 });
  assert.ok(Math.abs(r2.perplexity - r.perplexity) < 1e-9 * r.perplexity);
  assert.ok(back.datastore instanceof Datastore);
  const g = lm.generate('the cat', 4, { k: 8, lambda: 0.5 });
  assert.match(g, /^(sees|likes|chases|feeds|calls) /);
  await assert.rejects(KnnLM.fromBytes(new Uint8Array(16)), /bytes/);
  assert.throws(() => lm.perplexity(probe, { lambda: 2 }), /lambda/);
});

test('training set as datastore, lambda 1: nextTokenDistribution of a training context puts all mass on its own next token', { skip }, async () => {
  const lm = await fitted();
  lm.buildDatastore(train, { kind: 'flat' });
  const { positions } = lm.score(train);
  const n = positions.n, words = lm.vocabulary.words;
  // contexts seen once in the training text (their key is unique; no <s> padding in them)
  const count = new Map<string, number>();
  for (let i = 0; i < positions.targets.length; i++) { const c = positions.ctx.subarray(i * n, (i + 1) * n).join(','); count.set(c, (count.get(c) ?? 0) + 1); }
  let checked = 0;
  for (let i = 0; i < positions.targets.length && checked < 25; i++) {
    const ctx = positions.ctx.subarray(i * n, (i + 1) * n);
    if (count.get(ctx.join(',')) !== 1 || ctx.includes(0)) continue;
    const d = lm.nextTokenDistribution(Array.from(ctx, (id) => words[id]), { k: 1, lambda: 1 });
    assert.equal(d.probs[positions.targets[i]], 1, `context "${Array.from(ctx, (id) => words[id]).join(' ')}"`);
    assert.equal(d.probs.reduce((a, b) => a + b, 0), 1);
    checked++;
  }
  assert.ok(checked >= 10, `${checked} unique contexts checked`);
  // the interpolation at 0 < lambda < 1 sums to 1 and mixes the two parts exactly
  const mix = lm.nextTokenDistribution('the cat sees', { k: 16, lambda: 0.3 });
  assert.ok(Math.abs(mix.probs.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  for (const w of [0, 5, 9]) assert.ok(Math.abs(mix.probs[w] - (0.3 * mix.pKNN![w] + 0.7 * mix.pLM[w])) < 1e-15);
  // lambda 0 reproduces the model's perplexity exactly (bit for bit), with a datastore present
  const r0 = lm.perplexity(train.slice(10, 20), { k: 16, lambda: 0 });
  assert.equal(r0.perplexity, r0.perplexityLM);
  assert.ok(r0.perplexityLM > 1 && Number.isFinite(r0.perplexityLM));
});

test('save(path) / KnnLM.load(path): same perplexities and distributions; the datastore index travels in the index envelope', { skip }, async () => {
  const { mkdtempSync, rmSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const lm = await fitted();
  lm.buildDatastore(train, { kind: 'hnsw' });
  const dir = mkdtempSync(join(tmpdir(), 'knnlm-save-'));
  try {
    const file = join(dir, 'lm.knnlm');
    await lm.save(file);
    // the index section is an envelope (magic of src/index/envelope.ts) inside the file
    assert.ok(readFileSync(file).includes(Buffer.from(lm.datastore!.index.toBytes().subarray(0, 8))));
    const back = await KnnLM.load(file);
    const p = { k: 8, lambda: 0.4, temperature: 2 };
    assert.equal(back.perplexity(train.slice(0, 8), p).perplexity, lm.perplexity(train.slice(0, 8), p).perplexity);
    assert.deepEqual([...back.nextTokenDistribution('a dog', p).probs], [...lm.nextTokenDistribution('a dog', p).probs]);
    assert.equal(back.datastore!.index.kind, 'hnsw');
    await assert.rejects(KnnLM.load(join(dir, 'missing.knnlm')), /missing\.knnlm/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
