import { KnnkitError, describeValue, invalidParam } from '../core/errors.js';

/**
 * One declared option (a build option or a search parameter) of a family. The registry's
 * descriptors list these; `parseOptions` validates user input against them, the CLI derives its
 * flags and help from them, and `knnkit indexes` prints them.
 */
export interface OptionSpec {
  /** API name (camelCase), e.g. "efConstruction". The CLI flag is its kebab-case form. */
  readonly name: string;
  readonly type: 'integer' | 'number' | 'boolean' | 'string' | 'enum';
  /** Default value; undefined means "derived" (the doc says how). */
  readonly default?: number | string | boolean;
  readonly min?: number;
  readonly max?: number;
  /** true: min is exclusive. */
  readonly minExclusive?: boolean;
  /** Accepted values of an enum option. */
  readonly choices?: readonly string[];
  /** One line of documentation. */
  readonly doc: string;
  /** Other spellings accepted in the API (e.g. "m" for HNSW's "M" on the CLI). */
  readonly aliases?: readonly string[];
}

/** "efConstruction" -> "ef-construction" (the CLI flag). */
export function flagName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** Human description of what an option accepts, for errors and help. */
export function accepted(spec: OptionSpec): string {
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const kind = spec.type === 'integer' ? 'an integer' : 'a finite number';
      const lo = spec.min === undefined ? '' : `${spec.minExclusive ? '>' : '>='} ${spec.min}`;
      const hi = spec.max === undefined ? '' : `<= ${spec.max}`;
      return [kind, [lo, hi].filter(Boolean).join(' and ')].filter(Boolean).join(' ');
    }
    case 'boolean': return 'true or false';
    case 'enum': return `one of ${(spec.choices ?? []).map((c) => JSON.stringify(c)).join(', ')}`;
    default: return 'a string';
  }
}

/** Validates one value against its spec; returns the value (numbers from numeric strings too). */
export function checkOption(spec: OptionSpec, value: unknown, param = spec.name): number | string | boolean {
  let v = value;
  if ((spec.type === 'integer' || spec.type === 'number') && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
  if (spec.type === 'boolean' && (v === 'true' || v === 'false')) v = v === 'true';
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const ok = typeof v === 'number' && Number.isFinite(v) && (spec.type === 'number' || Number.isInteger(v))
        && (spec.min === undefined || (spec.minExclusive ? v > spec.min : v >= spec.min))
        && (spec.max === undefined || v <= spec.max);
      if (!ok) throw invalidParam(param, value, accepted(spec));
      return v as number;
    }
    case 'boolean':
      if (typeof v !== 'boolean') throw invalidParam(param, value, accepted(spec));
      return v;
    case 'enum':
      if (typeof v !== 'string' || !(spec.choices ?? []).includes(v)) throw invalidParam(param, value, accepted(spec));
      return v;
    default:
      if (typeof v !== 'string') throw invalidParam(param, value, accepted(spec));
      return v;
  }
}

/**
 * Validates an options object against a family's specs: unknown names are refused (with the
 * accepted list), each value checked, defaults filled in. `ignore` names keys handled elsewhere
 * (metric, codec, filter, threads).
 */
export function parseOptions(owner: string, specs: readonly OptionSpec[], raw: Record<string, unknown> | undefined, ignore: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const byName = new Map<string, OptionSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  for (const [key, value] of Object.entries(raw ?? {})) {
    if (value === undefined || ignore.includes(key)) continue;
    const spec = byName.get(key);
    if (!spec) {
      const names = specs.map((s) => s.name);
      throw new KnnkitError(key, `${key}: got ${describeValue(value)}, but ${owner} has no option ${JSON.stringify(key)}; expected one of ${names.length ? names.join(', ') : '(none)'}`);
    }
    out[spec.name] = checkOption(spec, value, key);
  }
  for (const s of specs) if (out[s.name] === undefined && s.default !== undefined) out[s.name] = s.default;
  return out;
}
