import '../../index/families.js';
import { listFamilies, describeFamily, type FamilyDescriptor } from '../../index/registry.js';
import { accepted, type OptionSpec } from '../../index/options.js';
import { parseArgs } from '../args.js';
import { output } from '../output.js';
import { flagsOf } from '../family-flags.js';
import { familiesMarkdown } from '../families-table.js';

export const summary = 'list the index families with their options, metrics and codecs';

const USAGE = `usage: knnkit indexes [--json | --markdown]

Lists every registered index family (the --index choices of search, build and query): aliases,
exact or approximate, metrics, codecs, data kinds, capabilities, build options and search
parameters with their flags, defaults and accepted values.
  --json       {families: [{name, aliases, summary, exact, metrics, dataKinds, codecs, capabilities,
               options: [{name, type, default, doc, flags, ...}], searchParams: [...], sweep}]}
  --markdown   the README's table of families (npm run families:table writes it into README.md)
`;

export async function run(argv: string[]): Promise<number> {
  const { options: o } = parseArgs(argv, { json: { type: 'boolean' }, markdown: { type: 'boolean' }, help: { type: 'boolean' } });
  if (o.help) { output.write(USAGE); return 0; }
  if (o.markdown) { output.write(familiesMarkdown() + '\n'); return 0; }
  const families = listFamilies();
  if (o.json) {
    output.write(JSON.stringify({ families: families.map(describeWithFlags) }) + '\n');
    return 0;
  }
  const lines: string[] = [];
  for (const f of families) lines.push(...describeText(f), '');
  output.write(lines.join('\n'));
  return 0;
}

/** describeFamily plus the CLI flags of each option. */
function describeWithFlags(f: FamilyDescriptor): Record<string, unknown> {
  const d = describeFamily(f);
  const withFlags = (specs: readonly OptionSpec[], described: unknown) =>
    (described as Record<string, unknown>[]).map((o, i) => ({ ...o, flags: flagsOf(specs[i]).map((x) => '--' + x) }));
  return { ...d, options: withFlags(f.options, d.options), searchParams: withFlags(f.searchParams, d.searchParams) };
}

function describeText(f: FamilyDescriptor): string[] {
  const caps = Object.entries(f.capabilities).filter(([, v]) => v).map(([k]) => k);
  const out = [
    `${f.name}${f.aliases?.length ? ` (also ${f.aliases.join(', ')})` : ''}: ${f.exact ? 'exact' : 'approximate'}`,
    `  ${f.summary}`,
    `  metrics: ${f.metrics.join(', ')}`,
    `  codecs: ${f.codecs.join(', ')} (default ${f.codecs[0]}); data: ${f.dataKinds.join(', ')}`,
    `  capabilities: ${caps.length ? caps.join(', ') : 'none beyond search'}`,
  ];
  const opt = (s: OptionSpec, sweep: boolean) => {
    const flags = flagsOf(s).map((x) => '--' + x).join(', ');
    const def = s.default === undefined ? 'derived' : `default ${s.default}`;
    return `    ${flags.padEnd(24)} ${s.doc} (${accepted(s)}; ${def}${sweep ? '; swept by knnkit search, a comma list' : ''})`;
  };
  out.push(f.options.length ? '  build options:' : '  build options: none');
  for (const s of f.options) out.push(opt(s, false));
  out.push(f.searchParams.length ? '  search parameters:' : '  search parameters: none');
  for (const s of f.searchParams) out.push(opt(s, s.name === f.sweep));
  return out;
}
