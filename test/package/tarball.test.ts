import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDist, NPM } from './helpers.js';

/**
 * What a user gets from `npm install knnkit`: the packed tarball installed into an empty
 * project offline (npm's cache only), then used from ESM, CommonJS and strict TypeScript
 * (nodenext, node10 and a CommonJS .cts), the TypeScript consumer being the README's own code.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir = '';
let skip: string | false = false;
let packed: { files: { path: string; size: number }[] } | undefined;

const SUBPATHS = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, unknown>)
  .filter((k) => k !== './package.json').map((k) => (k === '.' ? 'knnkit' : `knnkit/${k.slice(2)}`));
// TensorFlow.js is an optional peer the empty project lacks: this subpath must say so
const NEEDS_TF = new Set(['knnkit/convnn']);
// subpaths whose declarations name TF.js types (knnkit/knn-lm loads TF.js lazily at run time)
const TYPES_NEED_TF = new Set(['knnkit/convnn', 'knnkit/knn-lm']);

before(() => {
  ensureDist();
  dir = mkdtempSync(join(tmpdir(), 'knnkit-pack-'));
  const out = execFileSync(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  packed = JSON.parse(out)[0];
  const proj = join(dir, 'proj');
  execFileSync('mkdir', ['-p', proj]);
  writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  const r = spawnSync(NPM, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(dir, (packed as unknown as { filename: string }).filename)],
    { cwd: proj, encoding: 'utf8' });
  if (r.status !== 0) {
    if (/ENOTCACHED|offline/i.test(r.stderr)) skip = 'a dependency of the tarball is not in the npm cache (offline install impossible): skipped';
    else throw new Error(`npm install of the tarball failed:\n${r.stderr}`);
  }
});

const proj = () => join(dir, 'proj');

test('the tarball holds LICENSE, the documents the README links, and small declarations', () => {
  const files = new Map(packed!.files.map((f) => [f.path, f.size]));
  assert.ok(files.has('LICENSE'), 'LICENSE packed');
  assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /^MIT License/);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const links = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l));
  assert.ok(links.length > 0, 'the README links documents');
  for (const l of links) assert.ok(files.has(l.replace(/^\.\//, '')), `README link ${l} is in the tarball`);
  for (const [path, size] of files) {
    if (/\.d\.c?ts$/.test(path)) assert.ok(size < 40_000, `${path} is ${size} bytes (embedded WebAssembly?)`);
  }
  assert.equal(files.get('dist/src/wasm/generated/brute.d.ts')! < 200, true, 'generated modules are declared as strings');
  for (const p of ['dist/cjs/index.cjs', 'dist/cjs/index.d.cts', 'dist/browser/index.js']) assert.ok(files.has(p), p);
});

/** The reference results, computed here from the sources. */
async function reference(): Promise<unknown> {
  const { BruteForce, HnswIndex } = await import('../../src/search/index.js');
  const { KNeighborsClassifier } = await import('../../src/learn/index.js');
  const X = Array.from({ length: 300 }, (_, i) => [i % 7, (i * 3) % 11, (i * 5) % 13]);
  const y = X.map((_, i) => `c${i % 3}`);
  const Q = X.slice(0, 5).map((r) => r.map((v) => v + 0.25));
  return {
    brute: Array.from(new BruteForce(X).search(Q, 4).indices),
    hnsw: Array.from(HnswIndex.build(X, { seed: 1 }).search(Q, 4).indices),
    knn: new KNeighborsClassifier({ k: 3 }).fit(X, y).predict(Q),
  };
}

const CONSUMER_BODY = (load: string) => `
const out = { errors: {} };
for (const s of ${JSON.stringify(SUBPATHS)}) {
  try { const m = ${load}; out[s] = Object.keys(m).length; }
  catch (e) { out.errors[s] = { name: e.name, message: e.message, knnkit: e instanceof KnnkitError }; }
}
const X = Array.from({ length: 300 }, (_, i) => [i % 7, (i * 3) % 11, (i * 5) % 13]);
const y = X.map((_, i) => 'c' + (i % 3));
const Q = X.slice(0, 5).map((r) => r.map((v) => v + 0.25));
out.result = {
  brute: Array.from(new search.BruteForce(X).search(Q, 4).indices),
  hnsw: Array.from(search.HnswIndex.build(X, { seed: 1 }).search(Q, 4).indices),
  knn: new learn.KNeighborsClassifier({ k: 3 }).fit(X, y).predict(Q),
};
out.sameErrorClass = root.KnnkitError === core.KnnkitError;
try { search.createIndex('brute', [[1, 2]], { metric: 'nope' }); } catch (e) { out.thrown = e instanceof root.KnnkitError; }
const par = await search.BruteForce.prototype.searchAsync.call(new search.BruteForce(X), Q.concat(Q, Q, Q), 4, { threads: 2 });
out.asyncFirst = Array.from(par.indices.slice(0, 4));
console.log(JSON.stringify(out));
`;

function runConsumer(file: string, text: string): Record<string, unknown> {
  writeFileSync(join(proj(), file), text);
  const r = spawnSync(process.execPath, [file], { cwd: proj(), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function checkConsumer(out: Record<string, unknown>, ref: unknown): void {
  const errors = out.errors as Record<string, { name: string; message: string; knnkit: boolean }>;
  for (const s of SUBPATHS) {
    if (NEEDS_TF.has(s)) {
      assert.ok(errors[s], `${s} without TensorFlow.js fails`);
      assert.equal(errors[s].name, 'KnnkitError', errors[s].message);
      assert.equal(errors[s].knnkit, true);
      assert.match(errors[s].message, /@tensorflow\/tfjs-core/);
      assert.match(errors[s].message, /npm install/);
    } else {
      assert.equal(errors[s], undefined, `${s}: ${JSON.stringify(errors[s])}`);
      assert.ok((out[s] as number) > 0, `${s} exports something`);
    }
  }
  assert.deepEqual(out.result, ref);
  assert.equal(out.sameErrorClass, true, 'knnkit and knnkit/core share KnnkitError');
  assert.equal(out.thrown, true);
  assert.deepEqual(out.asyncFirst, (ref as { brute: number[] }).brute.slice(0, 4), 'searchAsync on worker threads');
}

test('an ESM consumer imports every subpath and gets the same results as the sources', async (t) => {
  if (skip) return t.skip(skip);
  const ref = await reference();
  const out = runConsumer('consumer.mjs', `
import * as root from 'knnkit'; import * as core from 'knnkit/core'; import * as search from 'knnkit/search'; import * as learn from 'knnkit/learn';
const { KnnkitError } = root;
${CONSUMER_BODY('await import(s)')}`);
  checkConsumer(out, ref);
});

test('a CommonJS consumer requires every subpath and gets the same results', async (t) => {
  if (skip) return t.skip(skip);
  const ref = await reference();
  const out = runConsumer('consumer.cjs', `
const root = require('knnkit'), core = require('knnkit/core'), search = require('knnkit/search'), learn = require('knnkit/learn');
const { KnnkitError } = root;
(async () => {
${CONSUMER_BODY('require(s)')}
})().catch((e) => { console.error(e); process.exit(1); });`);
  checkConsumer(out, ref);
});

/** Runs the repository's tsc on a consumer project; returns its diagnostics. */
function tsc(name: string, options: Record<string, unknown>, files: Record<string, string>): string {
  const sub = join(proj(), name);
  execFileSync('mkdir', ['-p', sub]);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(sub, f), text);
  writeFileSync(join(sub, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', lib: ['ES2022', 'DOM'], skipLibCheck: false,
      typeRoots: [join(root, 'node_modules', '@types')], types: ['node'], ...options },
    files: Object.keys(files),
  }));
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', sub], { cwd: sub, encoding: 'utf8' });
  return r.status === 0 ? '' : r.stdout + r.stderr;
}

test('the README\'s code examples type-check as written in a strict consumer (nodenext)', (t) => {
  if (skip) return t.skip(skip);
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 2, 'the README has TypeScript examples');
  const files = Object.fromEntries(blocks.map((b, i) => [`readme-${i + 1}.ts`, b + '\nexport {};\n']));
  assert.equal(tsc('ts-readme', { module: 'NodeNext', moduleResolution: 'NodeNext' }, files), '');
});

test('TypeScript resolves every subpath under node10 resolution and from a CommonJS .cts file', (t) => {
  if (skip) return t.skip(skip);
  // TF.js's types are not installed here; every other subpath must resolve with its types
  const subs = SUBPATHS.filter((s) => !TYPES_NEED_TF.has(s));
  const imports = subs.map((s, i) => `import * as m${i} from '${s}';`).join('\n') + `\nexport const n: number = ${subs.map((_, i) => `Object.keys(m${i}).length`).join(' + ')};\n` +
    `import { BruteForce } from 'knnkit/search';\nexport const r: Int32Array = new BruteForce([[0, 1]]).search([[0, 1]], 1).indices;\n`;
  assert.equal(tsc('ts-node10', { module: 'CommonJS', moduleResolution: 'node10', esModuleInterop: true }, { 'node10.ts': imports }), '');
  const cts = subs.map((s, i) => `import m${i} = require('${s}');`).join('\n') + `\nexport const n: number = ${subs.map((_, i) => `Object.keys(m${i}).length`).join(' + ')};\n` +
    `import search = require('knnkit/search');\nexport const r: Int32Array = new search.BruteForce([[0, 1]]).search([[0, 1]], 1).indices;\n`;
  assert.equal(tsc('ts-cjs', { module: 'Node16', moduleResolution: 'Node16' }, { 'consumer.cts': cts }), '');
});

test('cleanup', () => {
  // the installed project (tens of MB) is removed by a detached rm: the suite does not wait for it
  if (dir && existsSync(dir) && statSync(dir).isDirectory()) spawn('rm', ['-rf', dir], { detached: true, stdio: 'ignore' }).unref();
});
