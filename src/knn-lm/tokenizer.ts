import { checkInteger, invalidParam, KnnkitError } from '../core/errors.js';

/**
 * Word-level tokeniser and vocabulary for kNN-LM.
 *
 * Why words and not BPE: the paper's headline experiment (Wikitext-103) is word-level, so p_kNN
 * and p_LM are both distributions over whole words and a retrieved neighbour's value is a word;
 * and a word vocabulary with an <unk> cut-off needs no training pass of its own, which matters
 * when the whole experiment must run in minutes on two cores. The price is <unk>: words rarer
 * than `minCount` in the training text share one token (the OOV rate is reported beside every
 * perplexity, since predicting <unk> is easy).
 *
 * Text is lower-cased; a token is a run of letters/digits (with inner apostrophes, dots,
 * underscores or hyphens: "don't", "manifest.json", "sap_ui5", "e-mail"), or one of the
 * punctuation marks . , ; : ( ) ? ! (as PTB-style tokens). Everything else is a separator.
 */
const TOKEN_RE = /[\p{L}\p{N}]+(?:['’._-][\p{L}\p{N}]+)*|[.,;:()?!]/gu;

/** Reserved ids: padding before a document's first token, end of document, unknown word. */
export const BOS = '<s>';
export const EOS = '</s>';
export const UNK = '<unk>';
export const BOS_ID = 0;
export const EOS_ID = 1;
export const UNK_ID = 2;

/** Splits text into lower-cased word and punctuation tokens. */
export function tokenize(text: string): string[] {
  if (typeof text !== 'string') throw invalidParam('text', text, 'a string');
  return text.toLowerCase().match(TOKEN_RE) ?? [];
}

/** Joins tokens back into text: spaces between words, none before closing punctuation. */
export function detokenize(tokens: readonly string[]): string {
  let out = '';
  for (const t of tokens) {
    if (out === '') out = t;
    else if (/^[.,;:)?!]$/.test(t) || out.endsWith('(')) out += t;
    else out += ' ' + t;
  }
  return out;
}

export interface VocabularyOptions {
  /** Words seen fewer times than this in the training text map to <unk> (default 3). */
  minCount?: number;
  /** At most this many words (the most frequent; ties by first appearance), besides the 3 reserved. */
  maxSize?: number;
}

/** Word <-> id map: ids 0, 1, 2 are <s>, </s>, <unk>; then words by decreasing frequency. */
export class Vocabulary {
  readonly words: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(words: readonly string[]) {
    if (words[BOS_ID] !== BOS || words[EOS_ID] !== EOS || words[UNK_ID] !== UNK) {
      throw new KnnkitError('words', `words: must start with ${BOS}, ${EOS}, ${UNK} (ids 0, 1, 2)`);
    }
    this.words = words.slice();
    this.ids = new Map();
    for (let i = 0; i < words.length; i++) {
      if (this.ids.has(words[i])) throw new KnnkitError('words', `words: ${JSON.stringify(words[i])} appears twice`);
      this.ids.set(words[i], i);
    }
  }

  /** Counts the tokens of `docs` and keeps words seen at least minCount times (at most maxSize). */
  static build(docs: Iterable<readonly string[]>, opts: VocabularyOptions = {}): Vocabulary {
    const minCount = checkInteger('minCount', opts.minCount ?? 3, 1);
    const maxSize = checkInteger('maxSize', opts.maxSize ?? Number.MAX_SAFE_INTEGER, 1);
    const counts = new Map<string, number>();
    for (const doc of docs) for (const w of doc) counts.set(w, (counts.get(w) ?? 0) + 1);
    // Map iteration is insertion order, and Array.sort is stable: ties keep first appearance.
    const kept = [...counts].filter(([w, c]) => c >= minCount && w !== BOS && w !== EOS && w !== UNK)
      .sort((a, b) => b[1] - a[1]).slice(0, maxSize).map(([w]) => w);
    return new Vocabulary([BOS, EOS, UNK, ...kept]);
  }

  get size(): number { return this.words.length; }

  id(word: string): number { return this.ids.get(word) ?? UNK_ID; }

  has(word: string): boolean { return this.ids.has(word); }

  /** Token ids of a token list (unknown words -> <unk>). */
  encode(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.id(tokens[i]);
    return out;
  }

  decode(ids: ArrayLike<number>): string[] {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const w = this.words[ids[i]];
      if (w === undefined) throw invalidParam(`ids[${i}]`, ids[i], `an id in [0, ${this.size - 1}]`);
      out.push(w);
    }
    return out;
  }

  toJSON(): string[] { return this.words.slice(); }
}
