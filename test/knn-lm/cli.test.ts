import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { output } from '../../src/cli/output.js';
import { tfAvailable } from '../../src/knn-lm/index.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const write = output.write, error = console.error;
  output.write = (s: string) => { out += s; };
  console.error = (...a: unknown[]) => { err += a.join(' ') + '\n'; };
  try { return { code: await main(argv), out, err }; } finally { output.write = write; console.error = error; }
}

test('knnkit knn-lm: corpus flags refuse unknown names in one line naming the flag, the value and the accepted names (exit 2)', async () => {
  for (const flag of ['--train', '--datastore', '--eval', '--domain-a', '--domain-b']) {
    const r = await capture(['knn-lm', flag, 'wikipedia', '--json']);
    assert.equal(r.code, 2, flag);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, new RegExp(`${flag}: got "wikipedia"; expected wordnet, fiori, domainA, domainB or a path to an existing text file`));
  }
  const both = await capture(['knn-lm', '--train', 'wordnet', '--domain-a', 'fiori']);
  assert.equal(both.code, 2);
  assert.match(both.err, /--train: .*--domain-a is the older name of --train/);
  const noB = await capture(['knn-lm', '--domain-b', 'none', '--eval', 'domainB']);
  assert.equal(noB.code, 2);
  assert.match(noB.err, /--eval: got "domainB" with --domain-b none/);
  const help = (await capture(['knn-lm', '--help'])).out;
  for (const f of ['--train', '--datastore', '--eval', '--domain-a', '--domain-b', '--epochs', '--seed', '--k', '--lambda', '--json']) assert.ok(help.includes(f), f);
});

test('knnkit knn-lm: bad options exit 2 before any work', async () => {
  assert.equal((await capture(['knn-lm', '--lambda', '0.1,2'])).code, 2);
  assert.equal((await capture(['knn-lm', '--temperature', '0'])).code, 2);
  assert.equal((await capture(['knn-lm', '--domain-a', '/no/such/corpus.txt'])).code, 2);
  assert.equal((await capture(['knn-lm', '--backend', 'gpu'])).code, 2);
  assert.match((await capture(['knn-lm', '--help'])).out, /--domain-b/);
});

test('knnkit knn-lm --json on a small text file: the LM / kNN-LM perplexities and runs', async (t) => {
  if (!(await tfAvailable())) { t.skip('@tensorflow/tfjs-* (optional peers) are not installed'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'knnlm-'));
  try {
    const paras = ['the cat sees the ball .', 'the dog likes a fish .', 'the cat likes the ball .', 'a dog sees the fish .'];
    const file = join(dir, 'a.txt');
    writeFileSync(file, Array.from({ length: 30 }, () => paras.join('\n\n')).join('\n\n'));
    const { code, out } = await capture(['knn-lm', '--domain-a', file, '--domain-b', 'none', '--epochs', '3', '--train-tokens', '400',
      '--eval-tokens', '40', '--k', '4,8', '--index', 'flat', '--json']);
    assert.equal(code, 0);
    const r = JSON.parse(out);
    assert.equal(r.claims.length, 1);
    assert.ok(r.datastoreSize > 300);
    assert.ok(r.perplexity <= r.perplexityLM, `${r.perplexity} vs ${r.perplexityLM}`);
    const l0 = r.runs.find((x: { lambda: number }) => x.lambda === 0);
    assert.equal(l0.perplexity, r.perplexityLM);
    assert.ok(r.claims[0].unigram.perplexity <= r.perplexityLM);
    assert.deepEqual(r.claims[0].families.map((f: { kind: string }) => f.kind), ['flat']);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('knnkit knn-lm --train A --datastore B --eval B --k 64 --lambda 0,0.1,0.2,0.3,0.5 --json: the issue\'s JSON, lambda 0 = the LM exactly', async (t) => {
  if (!(await tfAvailable())) { t.skip('@tensorflow/tfjs-* (optional peers) are not installed'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'knnlm-'));
  try {
    // domain A: animals; domain B: machines (different words and continuations)
    const a = ['the cat sees the ball .', 'the dog likes a fish .', 'the cat likes the ball .', 'a dog sees the fish .'];
    const b = ['the pump feeds the tank .', 'a valve stops the flow .', 'the pump stops a valve .', 'the tank feeds the flow .'];
    const fa = join(dir, 'a.txt'), fb = join(dir, 'b.txt');
    writeFileSync(fa, Array.from({ length: 30 }, () => a.join('\n\n')).join('\n\n'));
    writeFileSync(fb, Array.from({ length: 30 }, () => b.join('\n\n')).join('\n\n'));
    const small = ['--epochs', '2', '--train-tokens', '400', '--train-tokens-b', '300', '--eval-tokens', '40', '--index', 'flat', '--seed', '0'];
    const { code, out } = await capture(['knn-lm', '--train', fa, '--domain-b', fb, '--datastore', 'domainB', '--eval', 'domainB',
      '--k', '64', '--lambda', '0,0.1,0.2,0.3,0.5', ...small, '--json']);
    assert.equal(code, 0);
    const r = JSON.parse(out);
    for (const key of ['perplexityLM', 'runs', 'datastoreSize', 'trainSeconds', 'msPerToken']) assert.ok(key in r, key);
    assert.equal(r.datastore, fb);
    assert.equal(r.eval, fb);
    assert.equal(r.claims.length, 1);
    assert.ok(r.datastoreSize >= 300 && r.datastoreSize < 400, `datastore ${r.datastoreSize} entries`);
    assert.ok(r.trainSeconds > 0 && r.msPerToken > 0);
    assert.deepEqual(r.runs.map((x: { lambda: number }) => x.lambda), [0, 0.1, 0.2, 0.3, 0.5]);
    for (const run of r.runs) { assert.equal(run.k, 64); assert.ok(Number.isFinite(run.perplexity) && run.perplexity > 1); }
    assert.equal(r.runs[0].perplexity, r.perplexityLM);
    // an in-domain datastore helps a model that never saw domain B's text
    assert.ok(r.runs[4].perplexity < r.perplexityLM, `${r.runs[4].perplexity} vs ${r.perplexityLM}`);
    // --datastore alone: evaluated on the same corpus; --domain-a stays an alias of --train
    const one = await capture(['knn-lm', '--domain-a', fa, '--domain-b', 'none', '--datastore', fa, '--k', '8', '--lambda', '0,0.5', ...small, '--json']);
    assert.equal(one.code, 0);
    const r1 = JSON.parse(one.out);
    assert.equal(r1.eval, fa);
    assert.equal(r1.runs[0].perplexity, r1.perplexityLM);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
