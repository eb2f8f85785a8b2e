import { KnnkitError } from '../core/errors.js';

/**
 * A small, strict option parser: `--name value`, `--name=value`, boolean `--flag`, positionals.
 * Unknown options and missing values are errors naming the option (the CLI exits 2 on them).
 */
export interface OptionSpec {
  /** 'string' takes a value; 'boolean' is a flag. */
  type: 'string' | 'boolean';
  /** May repeat (values collected in order). */
  multiple?: boolean;
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const positionals: string[] = [];
  const options: ParsedArgs['options'] = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('--') || a === '-') { positionals.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const s = spec[name];
    if (!s) throw new KnnkitError('--' + name, `--${name}: unknown option; accepted: ${Object.keys(spec).map((k) => '--' + k).join(', ')}`);
    if (s.type === 'boolean') {
      if (eq >= 0) throw new KnnkitError('--' + name, `--${name}: is a flag and takes no value`);
      options[name] = true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = a.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new KnnkitError('--' + name, `--${name}: missing value`);
      value = argv[++i];
    }
    if (s.multiple) {
      const prev = options[name];
      options[name] = [...(Array.isArray(prev) ? prev : []), value];
    } else options[name] = value;
  }
  return { positionals, options };
}

/** Integer option with range check; undefined -> default. */
export function intOption(opts: ParsedArgs['options'], name: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = opts[name];
  if (v === undefined) return def;
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v.trim()) || n < min || n > max) {
    throw new KnnkitError('--' + name, `--${name}: got ${JSON.stringify(v)}; expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`}`);
  }
  return n;
}

/** Number option with range check; undefined -> default. */
export function numberOption(opts: ParsedArgs['options'], name: string, def: number, min = -Infinity, max = Infinity): number {
  const v = opts[name];
  if (v === undefined) return def;
  const text = typeof v === 'string' ? v.trim() : '';
  // "inf" and "Infinity" both mean Infinity (e.g. --p inf for Chebyshev); other text must be a number.
  const n = /^[+]?(inf|infinity)$/i.test(text) ? Infinity : text !== '' ? Number(text) : NaN;
  if (Number.isNaN(n) || n < min || n > max) {
    throw new KnnkitError('--' + name, `--${name}: got ${JSON.stringify(v)}; expected a number${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` <= ${max}` : ''}`);
  }
  return n;
}

/** Comma-separated list of integers (e.g. --ef 10,20,40). */
export function intListOption(opts: ParsedArgs['options'], name: string, def: number[], min: number): number[] {
  const v = opts[name];
  if (v === undefined) return def;
  const parts = String(v).split(',').map((s) => s.trim());
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) < min) throw new KnnkitError('--' + name, `--${name}: got ${JSON.stringify(v)}; expected comma-separated integers >= ${min}`);
    out.push(Number(p));
  }
  return out;
}

export function choiceOption<T extends string>(opts: ParsedArgs['options'], name: string, def: T, allowed: readonly T[]): T {
  const v = opts[name];
  if (v === undefined) return def;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new KnnkitError('--' + name, `--${name}: got ${JSON.stringify(v)}; expected one of ${allowed.join(', ')}`);
  }
  return v as T;
}
