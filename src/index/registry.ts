import { KnnkitError } from '../core/errors.js';
import type { Matrix } from '../core/data.js';
import type { Metric } from '../metrics/types.js';
import type { Envelope } from './envelope.js';
import type { OptionSpec } from './options.js';
import type { FamilyCore, IndexCapabilities } from './types.js';

/** Kinds of data a family indexes. */
export type DataKind = 'dense' | 'sparse' | 'binary';

/** Everything a build needs beyond the data: the resolved metric and the validated options. */
export interface BuildContext {
  readonly metric: Metric;
  /** Options validated against the descriptor's `options` (defaults filled in). */
  readonly options: Record<string, unknown>;
  /** True when the data is sparse (CSR). */
  readonly sparse?: boolean;
  /** Progress callback, when the caller gave one. */
  readonly onProgress?: (p: { phase: string; done: number; total: number }) => void;
}

/**
 * What a family registers: its name, what it supports, its options (each validated and
 * documented), how to make an empty core, optionally how to bulk-build one faster than
 * add(), and how to load one from an envelope. The CLI's flags and help, `knnkit indexes`,
 * `createIndex`, the estimators' `algorithm` option, JSON revival and the contract suite all
 * read descriptors; no other list of family names exists.
 */
export interface FamilyDescriptor {
  readonly name: string;
  readonly aliases?: readonly string[];
  /** One line for `knnkit indexes` and the README table. */
  readonly summary: string;
  readonly exact: boolean;
  /** Metric names it accepts (for listings); `supportsMetric` decides. */
  readonly metrics: readonly string[];
  /** Why a resolved metric is refused (a sentence), or null when accepted. */
  supportsMetric(metric: Metric): string | null;
  readonly dataKinds: readonly DataKind[];
  /** Vector codecs (storage) it accepts; the first is the default. */
  readonly codecs: readonly string[];
  readonly capabilities: IndexCapabilities;
  /** Build options (metric and codec are common to all and not listed here). */
  readonly options: readonly OptionSpec[];
  /** Per-call search parameters (filter and threads are common to all). */
  readonly searchParams: readonly OptionSpec[];
  /** The search parameter a recall / speed sweep varies (HNSW "ef", IVF "nprobe"), if any. */
  readonly sweep?: string;
  /** Version of the family's state and sections inside the envelope. */
  readonly formatVersion: number;
  /** The recall@10 the contract suite demands at default parameters (approximate families). */
  readonly recallFloor?: number;
  /** An empty core of dimension dim (trained later where the family trains). */
  create(dim: number, ctx: BuildContext): FamilyCore;
  /** Optional bulk build (labels 0..n-1), faster than create + add. */
  build?(data: Matrix, ctx: BuildContext): FamilyCore;
  /**
   * Optional bulk build on `threads` threads (>= 1) of the shared worker pool (src/parallel), for
   * families that can build in parallel; used by createIndexAsync, which falls back to `build`.
   */
  buildAsync?(data: Matrix, ctx: BuildContext, threads: number): Promise<FamilyCore>;
  /**
   * Optional build from a vector file (.fvecs / .bvecs, metric euclidean, labels 0..n-1) straight
   * to a saved index at `out`, the input streamed and never held whole (DiskANN's divide and
   * conquer): for data larger than the build's memory. `knnkit build` takes this route for such
   * inputs. Resolves with the build's report (JSON-safe figures).
   */
  buildFile?(input: string, out: string, ctx: BuildContext, threads: number, onProgress?: BuildContext['onProgress']): Promise<Record<string, unknown>>;
  /**
   * loadIndex(path, { view: true }) gives this family the file envelope (sections read on demand
   * into its own memory) instead of the whole file read first: for a family whose kernel cannot
   * search foreign bytes (HNSW's WebAssembly memory), reading each section once straight into
   * that memory is its view load, with no second copy of the file alive.
   */
  readonly viewReadsFile?: boolean;
  /**
   * The family trains (capabilities.train) but its bulk `build` trains on the data itself, so
   * createIndex bulk-builds instead of create + train + add (HNSW: sq8 ranges).
   */
  readonly buildTrains?: boolean;
  /** A core from a saved envelope; `view` asks to use the envelope's bytes in place. */
  load(env: Envelope, ctx: BuildContext & { view: boolean; ramBudget?: number | string }): FamilyCore;
}

const FAMILIES = new Map<string, FamilyDescriptor>();
const ALIASES = new Map<string, string>();

/** Registers a family (one line per family in ./families.ts). */
export function registerFamily(d: FamilyDescriptor): void {
  for (const n of [d.name, ...(d.aliases ?? [])]) {
    if (FAMILIES.has(n) || ALIASES.has(n)) throw new KnnkitError('family', `family: the name ${JSON.stringify(n)} is registered twice`);
  }
  FAMILIES.set(d.name, d);
  for (const a of d.aliases ?? []) ALIASES.set(a, d.name);
}

/** The descriptor of a family name or alias; a KnnkitError listing the families otherwise. */
export function getFamily(name: string, param = 'index'): FamilyDescriptor {
  const key = typeof name === 'string' ? name.toLowerCase() : name;
  const d = FAMILIES.get(key) ?? FAMILIES.get(ALIASES.get(key) ?? '');
  if (!d) throw new KnnkitError(param, `${param}: got ${JSON.stringify(name)}; expected one of ${familyNames().join(', ')}, auto`);
  return d;
}

export function hasFamily(name: string): boolean {
  const key = name.toLowerCase();
  return FAMILIES.has(key) || ALIASES.has(key);
}

/** Registered families, in registration order. */
export function listFamilies(): FamilyDescriptor[] {
  return [...FAMILIES.values()];
}

export function familyNames(): string[] {
  return [...FAMILIES.keys()];
}

/** What `knnkit indexes --json` prints for one family. */
export function describeFamily(d: FamilyDescriptor): Record<string, unknown> {
  const opt = (o: OptionSpec) => ({
    name: o.name, type: o.type, default: o.default ?? null, doc: o.doc,
    ...(o.min !== undefined ? { min: o.min } : {}), ...(o.max !== undefined ? { max: o.max } : {}),
    ...(o.choices ? { choices: o.choices } : {}),
  });
  return {
    name: d.name, aliases: d.aliases ?? [], summary: d.summary, exact: d.exact, metrics: d.metrics,
    dataKinds: d.dataKinds, codecs: d.codecs, capabilities: d.capabilities,
    options: d.options.map(opt), searchParams: d.searchParams.map(opt), sweep: d.sweep ?? null,
  };
}
