/**
 * Options of the ConvNN layers (names follow the authors' Conv2d_NN / Conv1d_NN, see
 * docs/convnn.md) and their validation. Every bad value is a KnnkitError naming the option.
 */
import { checkInteger, checkNumber, invalidParam } from '../core/errors.js';

/**
 * Accepts a choice case- and underscore-insensitively and returns its canonical spelling:
 * tfjs-layers rewrites string values of a saved config to snake_case ('Loc_Col' -> 'loc__col',
 * 'BA' -> 'ba') and back to camelCase on load ('locCol'), so the loaded config must still parse.
 */
function choice<T extends string>(param: string, value: unknown, allowed: readonly T[]): T {
  const norm = (v: string) => v.toLowerCase().replace(/_/g, '');
  if (typeof value === 'string') {
    const hit = allowed.find((a) => norm(a) === norm(value));
    if (hit !== undefined) return hit;
  }
  throw invalidParam(param, value, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
}

export type Sampling = 'all' | 'random' | 'spatial';
export type ShufflePattern = 'NA' | 'B' | 'A' | 'BA';
export type ConvNNMetric = 'cosine' | 'euclidean';
export type SimilarityType = 'Col' | 'Loc' | 'Loc_Col';
export type AggregationType = 'Col' | 'Loc_Col';

export interface ConvNNOptions {
  /** Output channels O. */
  filters: number;
  /** Neighbours per position K (self included as slot 0); also the width of the aggregating weight. Default 9. */
  k?: number;
  /** Zero ring added around the map before neighbour search (enlarges the candidate pool only). Default 1. */
  padding?: number;
  /** Candidate pool: every position, `numSamples` random positions, or a `numSamples`-per-axis grid. Default 'all'. */
  sampling?: Sampling;
  /** random: number of candidates n; spatial: grid points per axis s (2D) or along the length (1D). */
  numSamples?: number;
  /** spatial only: inset of the grid from the border. Default 0. */
  samplePadding?: number;
  /** Pixel unshuffle Before, shuffle After, both, or none. Default 'NA'. */
  shufflePattern?: ShufflePattern;
  /** Shuffle factor r (used only when shufflePattern != 'NA'). Default 2. */
  shuffleScale?: number;
  /** 'cosine' picks the largest cosine, 'euclidean' the smallest squared distance. Default 'cosine'. */
  metric?: ConvNNMetric;
  /** Features compared: channels ('Col'), coordinates ('Loc') or both ('Loc_Col'). Default 'Col'. */
  similarity?: SimilarityType;
  /** Features aggregated: channels ('Col') or channels + coordinates ('Loc_Col'). Default 'Col'. */
  aggregation?: AggregationType;
  /** Blend of the 'Loc_Col' similarity: [lambda*feat/sigma, (1-lambda)*coords]. Default 0.5. */
  lambda?: number;
  /** Add a learnable bias. Default true. */
  useBias?: boolean;
  /** Seed of the random candidate draws and of the weight initialiser. */
  seed?: number;
}

export interface ResolvedConvNNOptions {
  filters: number; k: number; padding: number; sampling: Sampling; numSamples: number;
  samplePadding: number; shufflePattern: ShufflePattern; shuffleScale: number; metric: ConvNNMetric;
  similarity: SimilarityType; aggregation: AggregationType; lambda: number; useBias: boolean;
  seed: number | undefined;
}

export function resolveConvNNOptions(o: ConvNNOptions, where = 'ConvNN'): ResolvedConvNNOptions {
  if (o == null || typeof o !== 'object') throw invalidParam(`${where} options`, o, 'an object with at least {filters}');
  const sampling = choice(`${where}.sampling`, o.sampling ?? 'all', ['all', 'random', 'spatial'] as const);
  const r: ResolvedConvNNOptions = {
    filters: checkInteger(`${where}.filters`, o.filters, 1),
    k: checkInteger(`${where}.k`, o.k ?? 9, 1),
    padding: checkInteger(`${where}.padding`, o.padding ?? 1, 0),
    sampling,
    numSamples: sampling === 'all' ? -1 : checkInteger(`${where}.numSamples`, o.numSamples, 1),
    samplePadding: sampling === 'spatial' ? checkInteger(`${where}.samplePadding`, o.samplePadding ?? 0, 0) : 0,
    shufflePattern: choice(`${where}.shufflePattern`, o.shufflePattern ?? 'NA', ['NA', 'B', 'A', 'BA'] as const),
    shuffleScale: checkInteger(`${where}.shuffleScale`, o.shuffleScale ?? 2, 1),
    metric: choice(`${where}.metric`, o.metric ?? 'cosine', ['cosine', 'euclidean'] as const),
    similarity: choice(`${where}.similarity`, o.similarity ?? 'Col', ['Col', 'Loc', 'Loc_Col'] as const),
    aggregation: choice(`${where}.aggregation`, o.aggregation ?? 'Col', ['Col', 'Loc_Col'] as const),
    lambda: checkNumber(`${where}.lambda`, o.lambda ?? 0.5, 0, 1),
    useBias: o.useBias ?? true,
    seed: o.seed === undefined || o.seed === null ? undefined : checkInteger(`${where}.seed`, o.seed, 0, 0xffffffff),
  };
  if (typeof r.useBias !== 'boolean') throw invalidParam(`${where}.useBias`, o.useBias, 'a boolean');
  if (sampling === 'all' && o.numSamples !== undefined && o.numSamples !== -1) {
    throw invalidParam(`${where}.numSamples`, o.numSamples, '-1 or undefined when sampling is "all"');
  }
  if (sampling === 'random' && r.numSamples < r.k - 1) {
    throw invalidParam(`${where}.numSamples`, r.numSamples, `>= k - 1 = ${r.k - 1} random candidates`);
  }
  if (sampling === 'spatial' && r.numSamples * r.numSamples < r.k - 1) {
    throw invalidParam(`${where}.numSamples`, r.numSamples, `a grid size s with s*s >= k - 1 = ${r.k - 1}`);
  }
  return r;
}

/** Channel bookkeeping of the reference (section 1.1): C1 and O1 for a given input width C. */
export function channelPlan(o: ResolvedConvNNOptions, inChannels: number, coordChannels: number): {
  /** channels after the optional unshuffle (no coordinates). */
  c: number;
  /** channels aggregated per neighbour (C1 in the reference, coordinates included). */
  c1: number;
  /** channels produced before the optional shuffle (O1). */
  o1: number;
  /** unshuffle / shuffle factors on channels (r^d or 1). */
  rIn: number; rOut: number;
} {
  const rPow = Math.pow(o.shuffleScale, coordChannels); // r^2 in 2D, r in 1D
  const rIn = o.shufflePattern === 'B' || o.shufflePattern === 'BA' ? rPow : 1;
  const rOut = o.shufflePattern === 'A' || o.shufflePattern === 'BA' ? rPow : 1;
  const c = inChannels * rIn;
  return { c, c1: c + (o.aggregation === 'Loc_Col' ? coordChannels : 0), o1: o.filters * rOut, rIn, rOut };
}
