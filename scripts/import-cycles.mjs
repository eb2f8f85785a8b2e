// Lists import cycles among src/**/*.ts (static imports and re-exports; `import type` and dynamic
// import() are not edges: they create no load-order dependency). Exit 1 when a cycle exists.
// Usage: node scripts/import-cycles.mjs [--json]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const files = [];
(function walk(d) {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (n.endsWith('.ts') && !n.endsWith('.d.ts')) files.push(p);
  }
})(src);

const edges = new Map();
const re = /^\s*(?:import|export)\s+(?!type\b)(?:[^'"]*?\sfrom\s+)?['"](\.[^'"]+)['"]/gm;
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const out = [];
  for (const m of text.matchAll(re)) {
    // `import { type A, type B } from` is type-only too
    if (/^\s*(?:import|export)\s*\{\s*(?:type\s+[^,}]+\s*,?\s*)+\}\s*from/.test(m[0])) continue;
    out.push(resolve(dirname(f), m[1].replace(/\.js$/, '.ts')));
  }
  edges.set(f, out.filter((t) => edges.has(t) || files.includes(t)));
}

// Tarjan's strongly connected components: every component with more than one file is a cycle
let index = 0;
const stack = [], on = new Set(), idx = new Map(), low = new Map(), cycles = [];
function strong(v) {
  idx.set(v, index); low.set(v, index); index++;
  stack.push(v); on.add(v);
  for (const w of edges.get(v) ?? []) {
    if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do { w = stack.pop(); on.delete(w); comp.push(relative(root, w)); } while (w !== v);
    if (comp.length > 1) cycles.push(comp.sort());
  }
}
for (const f of files) if (!idx.has(f)) strong(f);
if (process.argv.includes('--json')) console.log(JSON.stringify({ cycles }));
else for (const c of cycles) console.log(`cycle: ${c.join(' <-> ')}`);
process.exit(cycles.length ? 1 : 0);
