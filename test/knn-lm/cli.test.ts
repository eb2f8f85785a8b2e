import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { output } from '../../src/cli/output.js';
import { tfAvailable } from '../../src/knn-lm/index.js';

async function capture(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = output.write;
  output.write = (s: string) => { out += s; };
  try { return { code: await main(argv), out }; } finally { output.write = write; }
}

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
