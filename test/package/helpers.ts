import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * The package's build outputs (dist/src, dist/cjs, dist/browser) as the sources stand: `npm ci`
 * builds them (prepare), `npm test` does not, so a source edited since the last build is
 * rebuilt here (tsc emits even when another file has a type error; the typecheck step reports
 * those).
 */
export function ensureDist(): void {
  if (!existsSync(join(root, 'src', 'wasm', 'generated'))) throw new Error('src/wasm/generated is missing: run npm run build:wasm');
  const built = ['dist/cjs/index.cjs', 'dist/browser/index.js'].map((p) => join(root, p));
  const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'scripts', 'build-dist.mjs')).mtimeMs, statSync(join(root, 'package.json')).mtimeMs);
  if (built.every((p) => existsSync(p) && statSync(p).mtimeMs >= sources)) return;
  spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
  execFileSync(process.execPath, ['scripts/build-dist.mjs'], { cwd: root, stdio: 'inherit' });
}
