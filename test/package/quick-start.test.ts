import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDist } from './helpers.js';

/**
 * The README's quick start on a fresh clone: `npm ci` builds everything once (prepare: the
 * WebAssembly kernels, dist/), then `npm run demo` runs the compiled CLI directly: no hidden
 * rebuild (no predemo, no npx install of the folder), so output starts at once.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };

test('the README\'s first command is npm ci && npm run demo, and the scripts build only at install', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const first = /## Quick start\s+```sh\n([^\n]*)/.exec(readme)?.[1] ?? '';
  assert.match(first, /^npm ci && npm run demo\b/);
  assert.equal(pkg.scripts.demo, 'node bin/knnkit.js demo');
  assert.equal(pkg.scripts.predemo, undefined, 'no build before the demo');
  assert.match(pkg.scripts.prepare, /npm run build\b/);
  for (const step of ['build:wasm', 'build:ts', 'build:dist']) assert.match(pkg.scripts.build, new RegExp(step));
  assert.equal(pkg.bin.knnkit, 'bin/knnkit.js');
  // the bin runs what is built and never builds
  assert.doesNotMatch(readFileSync(join(root, 'bin', 'knnkit.js'), 'utf8'), /child_process|spawn\(|execSync|execFile|\btsc\b/);
});

test('npm run demo prints its first line from the build, without rebuilding', async () => {
  ensureDist();
  const main = join(root, 'dist', 'src', 'cli', 'main.js');
  const before = statSync(main).mtimeMs;
  const child = spawn(process.execPath, ['bin/knnkit.js', 'demo'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const first = await new Promise<string>((done, fail) => {
    child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) done(out.split('\n')[0]); });
    child.on('exit', (code) => fail(new Error(`demo exited (${code}) before printing a line: ${out}`)));
  });
  child.kill();
  assert.match(first, /^knnkit demo: search \d+ x \d+ clustered vectors/);
  assert.equal(statSync(main).mtimeMs, before, 'dist/ untouched');
});
