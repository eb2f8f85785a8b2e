import { KnnkitError, invalidParam } from '../core/errors.js';
import '../index/families.js';
import { listFamilies, getFamily, familyNames, type FamilyDescriptor } from '../index/registry.js';
import { flagName, checkOption, accepted, type OptionSpec } from '../index/options.js';
import { factorySpecOf } from '../index/factory-string.js';
import type { OptionSpec as ArgSpec, ParsedArgs } from './args.js';

// The command line's view of the index registry: every family's build options and search
// parameters become flags (efConstruction -> --ef-construction, aliases included), validated by
// the family's own OptionSpec, with help generated from the same declarations. Nothing here names
// a family: a family registered in src/index/families.ts gets its flags with no CLI edit.

export type OptionKind = 'build' | 'search';

interface FlagOwner { family: FamilyDescriptor; spec: OptionSpec; kind: OptionKind }

/** The flags of one option: its kebab-case name and those of its aliases ("M", alias "m" -> --m). */
export function flagsOf(spec: OptionSpec): string[] {
  return [...new Set([spec.name, ...(spec.aliases ?? [])].map(flagName))];
}

function specsOf(family: FamilyDescriptor, kind: OptionKind): readonly OptionSpec[] {
  return kind === 'build' ? family.options : family.searchParams;
}

/**
 * Family options whose flag belongs to the commands themselves: `--threads N` sets the search's
 * threads and, for a family with a `threads` build option (HNSW), the build's (read by
 * buildOptionsFromFlags like any option, defaulted by commandThreads). They are not family
 * flags: no collision with the command's flag, never "an option of another family".
 */
export const COMMAND_OWNED = new Set(['threads']);

/** The build options with the command's --threads added where the family takes a `threads` option. */
export function commandThreads(family: FamilyDescriptor, options: Record<string, unknown>, threads: number): Record<string, unknown> {
  return family.options.some((s) => s.name === 'threads') ? { ...options, threads } : options;
}

/** Flag -> the (family, option) pairs that it sets, over every registered family. */
export function familyFlagOwners(kinds: readonly OptionKind[]): Map<string, FlagOwner[]> {
  const out = new Map<string, FlagOwner[]>();
  for (const family of listFamilies()) {
    for (const kind of kinds) {
      for (const spec of specsOf(family, kind)) {
        if (COMMAND_OWNED.has(spec.name)) continue;
        for (const flag of flagsOf(spec)) {
          const list = out.get(flag) ?? [];
          list.push({ family, spec, kind });
          out.set(flag, list);
        }
      }
    }
  }
  return out;
}

/**
 * Argument-parser entries for every family flag of the given kinds (all take a value; a
 * boolean option is given as `--reorder false`). `reserved` are the command's own flags: a family
 * flag of the same name is an error in the family's declaration (test/cli/family-flags.test.ts
 * checks every registered family against every command).
 */
export function familyArgSpec(kinds: readonly OptionKind[], reserved: Record<string, ArgSpec> = {}): Record<string, ArgSpec> {
  const spec: Record<string, ArgSpec> = {};
  for (const flag of familyFlagOwners(kinds).keys()) if (!(flag in reserved)) spec[flag] = { type: 'string' };
  return spec;
}

/** Family flags that collide with a command's own flags (should be none). */
export function reservedCollisions(kinds: readonly OptionKind[], reserved: Record<string, ArgSpec>): string[] {
  return [...familyFlagOwners(kinds)].filter(([flag]) => flag in reserved)
    .map(([flag, owners]) => `--${flag} (${owners.map((o) => `${o.family.name} ${o.spec.name}`).join(', ')})`);
}

/**
 * The --index value: a registered family (name or alias), or "auto" where allowed. Absent, it
 * is "auto" where allowed, unless `required`.
 */
export function familyOption(o: ParsedArgs['options'], allowAuto: boolean, required = !allowAuto): FamilyDescriptor | 'auto' {
  const v = o.index;
  if (v === undefined) {
    if (required) throw new KnnkitError('--index', `--index: missing; expected one of ${familyNames().join(', ')}${allowAuto ? ', auto' : ''} (knnkit indexes lists them)`);
    return 'auto';
  }
  if (typeof v !== 'string') throw invalidParam('--index', v, 'a family name');
  if (allowAuto && v.toLowerCase() === 'auto') return 'auto';
  if (!allowAuto && v.toLowerCase() === 'auto') {
    throw new KnnkitError('--index', `--index: got "auto"; expected one of ${familyNames().join(', ')} (a saved index needs its family named)`);
  }
  const spec = factorySpecOf(v); // a FAISS factory string ("IVF256,PQ16"): its options come with it
  return getFamily(spec ? spec.family : v, '--index');
}

function given(o: ParsedArgs['options'], flag: string): string | undefined {
  const v = o[flag];
  return v === undefined ? undefined : String(v);
}

/**
 * The flags given that the family does not take (of the given kinds), or an error naming the
 * first one and the families it belongs to.
 */
function foreignFlags(family: FamilyDescriptor, o: ParsedArgs['options'], kinds: readonly OptionKind[], mode: 'error' | 'list', why?: string): string[] {
  const out: string[] = [];
  for (const [flag, owners] of familyFlagOwners(kinds)) {
    if (o[flag] === undefined) continue;
    if (owners.some((w) => w.family === family)) continue;
    if (mode === 'error') {
      const fams = [...new Set(owners.map((w) => w.family.name))];
      throw new KnnkitError('--' + flag, `--${flag}: does not apply to --index ${family.name}${why ? ` ${why}` : ''}; it is an option of ${fams.join(', ')}`);
    }
    out.push('--' + flag);
  }
  return out;
}

/**
 * The family's build options from the flags, each validated by its spec (errors name the flag);
 * flags of other families are an error, or, with `ignoreForeign` (--index auto, where the user
 * could not know the family), returned in `ignored`.
 */
export function buildOptionsFromFlags(family: FamilyDescriptor, o: ParsedArgs['options'], ignoreForeign = false): { options: Record<string, unknown>; ignored: string[] } {
  const ignored = foreignFlags(family, o, ['build'], ignoreForeign ? 'list' : 'error');
  // a factory string's options first; the flags given override them
  const options: Record<string, unknown> = { ...(factorySpecOf(o.index)?.options ?? {}) };
  for (const spec of family.options) {
    for (const flag of flagsOf(spec)) {
      const v = given(o, flag);
      if (v !== undefined) options[spec.name] = checkOption(spec, v, '--' + flag);
    }
  }
  return { options, ignored };
}

/**
 * Refuses every build flag (a saved index was given: its options are in the file), except the
 * command's own flags (`own`: query's --ram-budget re-plans a diskann cache at load).
 */
export function refuseBuildFlags(o: ParsedArgs['options'], source: string, own: Record<string, unknown> = {}): void {
  // a flag that is also some family's search parameter (vamana / diskann --l) is a search flag here
  const search = familyFlagOwners(['search']);
  for (const flag of familyFlagOwners(['build']).keys()) {
    if (o[flag] !== undefined && !search.has(flag) && !(flag in own)) throw new KnnkitError('--' + flag, `--${flag}: is a build option, but ${source} is a saved index (its options are in the file; knnkit info shows them)`);
  }
}

export type SweepValue = number | string | boolean | undefined;

export interface SearchPlan {
  /** Search parameters every run uses. */
  fixed: Record<string, unknown>;
  /** The swept parameter (the family's `sweep`) and its values; [undefined] = the family's default. */
  sweep: { name: string; flag: string; values: SweepValue[] } | null;
  ignored: string[];
}

/**
 * A recall / speed sweep's default values around a parameter's default D: D/4, D/2, D, 2D, 4D
 * (clamped to the declared range); every choice of an enum; false, true.
 */
export function defaultSweep(spec: OptionSpec): SweepValue[] {
  if (spec.type === 'enum') return [...(spec.choices ?? [])];
  if (spec.type === 'boolean') return [false, true];
  if ((spec.type === 'integer' || spec.type === 'number') && typeof spec.default === 'number') {
    const d = spec.default;
    const vals = [0.25, 0.5, 1, 2, 4].map((f) => {
      let v = spec.type === 'integer' ? Math.max(1, Math.round(d * f)) : d * f;
      if (spec.min !== undefined) v = Math.max(v, spec.minExclusive ? (spec.type === 'integer' ? spec.min + 1 : v) : spec.min);
      if (spec.max !== undefined) v = Math.min(v, spec.max);
      return v;
    });
    return [...new Set(vals)].filter((v) => { try { checkOption(spec, v); return true; } catch { return false; } });
  }
  return [undefined];
}

/**
 * The family's search parameters from the flags. The family's `sweep` parameter takes a comma
 * list (one run per value); without it, `sweepDefault` 'scan' runs defaultSweep(spec), 'single'
 * runs the family's default. Other parameters take one value.
 */
export function searchPlanFromFlags(family: FamilyDescriptor, o: ParsedArgs['options'], sweepDefault: 'scan' | 'single', ignoreForeign = false): SearchPlan {
  const ignored = foreignFlags(family, o, ['search'], ignoreForeign ? 'list' : 'error');
  const fixed: Record<string, unknown> = {};
  let sweep: SearchPlan['sweep'] = null;
  for (const spec of family.searchParams) {
    const flags = flagsOf(spec);
    const usedFlag = flags.find((f) => o[f] !== undefined) ?? flags[0];
    const v = given(o, usedFlag);
    if (spec.name === family.sweep) {
      let values: SweepValue[];
      if (v !== undefined) {
        const bad = () => new KnnkitError('--' + usedFlag, `--${usedFlag}: got ${JSON.stringify(v)}; expected ${accepted(spec)}, or a comma-separated list of them`);
        const parts = v.split(',').map((s) => s.trim());
        values = [...new Set(parts.map((p) => {
          if (p === '') throw bad();
          try { return checkOption(spec, p, '--' + usedFlag); } catch { throw bad(); }
        }))];
      } else {
        values = sweepDefault === 'scan' ? defaultSweep(spec) : [undefined];
      }
      sweep = { name: spec.name, flag: usedFlag, values };
    } else if (v !== undefined) {
      fixed[spec.name] = checkOption(spec, v, '--' + usedFlag);
    }
  }
  return { fixed, sweep, ignored };
}

function placeholder(spec: OptionSpec, list: boolean): string {
  const one = spec.type === 'integer' ? 'N' : spec.type === 'number' ? 'X' : spec.type === 'boolean' ? 'true|false'
    : spec.type === 'enum' ? (spec.choices ?? []).join('|') : 'S';
  return list ? `${one}[,${one}...]` : one;
}

function optionLine(spec: OptionSpec, list: boolean): string {
  const flag = flagsOf(spec).map((f) => '--' + f).join(', ') + ' ' + placeholder(spec, list);
  const def = spec.default === undefined ? '' : `default ${spec.default}`;
  const extra = [def, list ? 'a comma list runs one search per value' : ''].filter(Boolean).join('; ');
  return `      ${flag.padEnd(28)} ${spec.doc}${extra ? ` (${extra})` : ''}`;
}

/** Help text for the family flags, generated from the registry. */
export function familyHelp(kinds: readonly OptionKind[], sweepLists = true): string {
  const lines: string[] = ['index families (knnkit indexes lists them in full):'];
  for (const f of listFamilies()) {
    const aka = f.aliases?.length ? ` (also ${f.aliases.join(', ')})` : '';
    lines.push(`  ${f.name}${aka}: ${f.summary}`);
    lines.push(`      codecs: ${f.codecs.join(', ')}`);
    if (kinds.includes('build')) for (const s of f.options) lines.push(optionLine(s, false));
    if (kinds.includes('search')) for (const s of f.searchParams) lines.push(optionLine(s, sweepLists && s.name === f.sweep));
  }
  return lines.join('\n');
}

/** "M 16, efConstruction 200" for the human output. */
export function describeOptions(options: Readonly<Record<string, unknown>>): string {
  return Object.entries(options).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
}

/** The --codec value (alias --storage), checked against the family's codecs. */
export function codecOption(family: FamilyDescriptor, o: ParsedArgs['options']): string | undefined {
  const flag = o.codec !== undefined ? 'codec' : o.storage !== undefined ? 'storage' : undefined;
  if (!flag) return undefined;
  const v = String(o[flag]);
  if (!family.codecs.includes(v)) {
    throw new KnnkitError('--' + flag, `--${flag}: got ${JSON.stringify(v)}; expected ${family.codecs.length === 1 ? `${JSON.stringify(family.codecs[0])} (the only codec of the "${family.name}" index)` : `one of ${family.codecs.map((c) => JSON.stringify(c)).join(', ')} (the codecs of the "${family.name}" index)`}`);
  }
  if (o.codec !== undefined && o.storage !== undefined) throw new KnnkitError('--storage', '--storage: is another name for --codec; give one of them');
  return v;
}

/** Refuses search-parameter flags where only build options apply (`knnkit build`). */
export function refuseSearchFlags(o: ParsedArgs['options'], buildFlags: Map<string, FlagOwner[]>): void {
  for (const [flag, owners] of familyFlagOwners(['search'])) {
    if (o[flag] !== undefined && !buildFlags.has(flag)) {
      throw new KnnkitError('--' + flag, `--${flag}: is a search parameter (of ${[...new Set(owners.map((w) => w.family.name))].join(', ')}), not a build option; give it to knnkit query or knnkit search`);
    }
  }
}
