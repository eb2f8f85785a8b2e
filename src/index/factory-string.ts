import { KnnkitError } from '../core/errors.js';
import { getFamily, hasFamily, type FamilyDescriptor } from './registry.js';

/** What a factory string means: a registered family and its build options. */
export interface FactorySpec {
  family: string;
  options: Record<string, unknown>;
}

/** The grammar accepted (a subset of FAISS's index_factory), for errors and docs. */
export const FACTORY_GRAMMAR = [
  'Flat                      -> flat (exact)',
  'PQ<m>[x8] | PQ<m>x4fs     -> pq, m sub-quantisers of 8 bits, or of 4 bits with fast scan',
  'IVF<nlist>,Flat           -> ivf-flat',
  'IVF<nlist>,PQ<m>[x8|x4fs] -> ivf-pq',
  'HNSW<M>[,Flat]            -> hnsw with M links',
  'OPQ<M>,PQ<m>... | OPQ<M>,IVF<nlist>,PQ<m>...  -> an OPQ rotation fitted for M sub-spaces first (opqM)',
  '...,RFlat | ...,Refine(Flat)  after a PQ code: keep float vectors and re-rank (refine)',
  'IDMap,... | IDMap2,...    accepted and ignored (ids are always external)',
].join('; ');

const unsupported = (s: string, tok: string, why: string) => new KnnkitError('index', `index: factory string ${JSON.stringify(s)}: ${why} (${JSON.stringify(tok)}); accepted: ${FACTORY_GRAMMAR}`);

/**
 * Parses a FAISS index_factory string (e.g. "IVF256,PQ16", "IVF1024,PQ32,RFlat", "HNSW32")
 * into a knnkit family and options. Tokens are comma separated and case-sensitive, as FAISS's.
 * Anything outside the grammar gets a KnnkitError listing it (FACTORY_GRAMMAR).
 */
export function parseFactory(s: string): FactorySpec {
  if (typeof s !== 'string' || s.trim() === '') throw new KnnkitError('index', `index: got ${JSON.stringify(s)}; expected a factory string: ${FACTORY_GRAMMAR}`);
  const toks = s.split(',').map((t) => t.trim());
  while (toks[0] === 'IDMap' || toks[0] === 'IDMap2') toks.shift();
  let refine = false;
  const last = toks[toks.length - 1];
  if (toks.length > 1 && (last === 'RFlat' || last === 'Refine(Flat)')) { refine = true; toks.pop(); }
  const int = (tok: string, re: RegExp, what: string): number => {
    const m = re.exec(tok);
    if (!m) throw unsupported(s, tok, `unsupported token`);
    const v = Number(m[1]);
    if (!Number.isSafeInteger(v) || v < 1) throw unsupported(s, tok, `${what} must be an integer >= 1`);
    return v;
  };
  const pqCode = (tok: string): { m: number; nbits?: number } => {
    if (/^PQ\d+x4fs$/.test(tok)) return { m: int(tok, /^PQ(\d+)/, 'the number of sub-quantisers'), nbits: 4 };
    if (/^PQ\d+x4$/.test(tok)) throw unsupported(s, tok, '4-bit codes are stored for the fast scan: write PQ<m>x4fs');
    const m = /^PQ(\d+)(?:x(\d+))?(np)?$/.exec(tok);
    if (!m) throw unsupported(s, tok, 'unsupported code');
    if (m[2] !== undefined && m[2] !== '8') throw unsupported(s, tok, `PQ codes of ${m[2]} bits are not supported (8, or 4 with fast scan: x4fs)`);
    return { m: int(tok, /^PQ(\d+)/, 'the number of sub-quantisers') };
  };
  // OPQ<M> is a pre-transform of a PQ code (FAISS IndexPreTransform(OPQMatrix, ...))
  let opqM = 0;
  if (/^OPQ/.test(toks[0] ?? '')) {
    const tok = toks.shift()!;
    if (/^OPQ\d+_\d+$/.test(tok)) throw unsupported(s, tok, 'OPQ with a dimension reduction (OPQ<M>_<d>) is not supported: write OPQ<M>');
    opqM = int(tok, /^OPQ(\d+)$/, 'the number of OPQ sub-spaces');
    if (toks.length === 0 || !(/^PQ/.test(toks[0]) || (/^IVF/.test(toks[0]) && toks.length === 2 && /^PQ/.test(toks[1])))) throw unsupported(s, tok, 'OPQ rotates the input of a PQ code: OPQ<M>,PQ<m> or OPQ<M>,IVF<nlist>,PQ<m>');
  }
  const first = toks[0] ?? '';
  let out: FactorySpec;
  if (first === 'Flat' && toks.length === 1) {
    out = { family: 'brute', options: {} };
  } else if (/^PQ/.test(first) && toks.length === 1) {
    out = { family: 'pq', options: pqCode(first) };
  } else if (/^HNSW/.test(first) && (toks.length === 1 || (toks.length === 2 && toks[1] === 'Flat'))) {
    out = { family: 'hnsw', options: { M: int(first, /^HNSW(\d+)$/, 'M') } };
  } else if (/^IVF/.test(first) && toks.length === 2) {
    const nlist = int(first, /^IVF(\d+)$/, 'nlist');
    if (toks[1] === 'Flat') out = { family: 'ivf-flat', options: { nlist } };
    else out = { family: 'ivf-pq', options: { nlist, ...pqCode(toks[1]) } };
  } else {
    const bad = toks.find((t) => !/^(Flat|IVF\d+|PQ\d+(x\d+(fs)?)?|HNSW\d+)$/.test(t)) ?? s;
    throw unsupported(s, bad, bad === s ? 'unsupported combination' : 'unsupported token');
  }
  if (opqM) out.options.opqM = opqM;
  if (refine) {
    if (out.family !== 'pq' && out.family !== 'ivf-pq') throw unsupported(s, last, 'refinement applies to PQ codes only (Flat, IVF,Flat and HNSW already rank by exact distances)');
    out.options.refine = true;
  }
  return out;
}

/**
 * The factory string's family and options when `kind` is one (not a registered name or alias,
 * and shaped like a factory string), else undefined. Throws the grammar error for a bad one.
 */
export function factorySpecOf(kind: unknown): FactorySpec | undefined {
  return typeof kind === 'string' && !hasFamily(kind) && looksLikeFactory(kind) ? parseFactory(kind) : undefined;
}

/** True when a kind string is meant as a factory string (it starts with a factory token or has a comma). */
function looksLikeFactory(kind: string): boolean {
  return kind.includes(',') || /^(IDMap|OPQ|IVF|PQ|HNSW|SQ|LSH|Flat|RFlat)/.test(kind);
}

/**
 * The family of a createIndex / emptyIndex kind: a registered name or alias, else a FAISS
 * factory string whose options become defaults under the caller's own options.
 */
export function resolveKind<O extends Record<string, unknown>>(kind: string, opts: O): { family: FamilyDescriptor; opts: O } {
  const spec = factorySpecOf(kind);
  if (spec) {
    return { family: getFamily(spec.family), opts: { ...spec.options, ...opts } };
  }
  return { family: getFamily(kind), opts };
}
