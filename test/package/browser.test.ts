import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { ensureDist } from './helpers.js';
import { scenario } from './browser-scenario.js';

/**
 * The package's `browser` build in a real browser: a page importing `knnkit`, `knnkit/learn`
 * and `knnkit/knn-graph` is bundled by esbuild exactly as a user would (--bundle
 * --platform=browser, no flags: no error, no warning), served with and without cross-origin
 * isolation, and run in headless Chromium (Debian's `chromium`, driven by playwright-core).
 * Its neighbours and labels must equal what Node computes from the sources; searchAsync uses
 * Web Workers only when the page is isolated; saving to a path is a KnnkitError.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

test('browser bundle: same neighbours and labels as Node in headless Chromium, Web Workers when isolated', { timeout: 240_000 }, async (t) => {
  if (!CHROMIUM) { t.skip('no chromium binary (apt-get install chromium; .ci/run installs it on CI)'); return; }
  ensureDist();
  const dir = mkdtempSync(join(tmpdir(), 'knnkit-browser-'));
  let server: ReturnType<typeof createServer> | undefined;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'knnkit'), 'dir');
    writeFileSync(join(dir, 'page.ts'), `
import * as root from 'knnkit';
import * as learn from 'knnkit/learn';
import * as graph from 'knnkit/knn-graph';
import { scenario } from ${JSON.stringify(join(root, 'test', 'package', 'browser-scenario.ts'))};
let workers = 0;
const W = globalThis.Worker;
globalThis.Worker = class extends W { constructor(...a: ConstructorParameters<typeof Worker>) { super(...a); workers++; } };
scenario({ search: root, learn, graph, core: root }, 'index.knn').then(
  (r) => { (window as any).__result = { ...r, env: { ...r.env, workers, isolated: globalThis.crossOriginIsolated === true } }; },
  (e) => { (window as any).__result = { error: String(e?.stack ?? e) }; });
`);
    const { build } = await import('esbuild');
    const bundle = await build({ entryPoints: [join(dir, 'page.ts')], bundle: true, platform: 'browser', write: false, absWorkingDir: dir, logLevel: 'silent' });
    assert.deepEqual(bundle.errors, []);
    assert.deepEqual(bundle.warnings.map((w) => w.text), [], 'esbuild --bundle --platform=browser warns about nothing');
    const js = bundle.outputFiles[0].text;
    assert.doesNotMatch(js, /(?:\bimport\s*\(\s*|\bfrom\s*|\brequire\s*\(\s*)["']node:/, 'no node: import in the bundle');

    server = createServer((req, res) => {
      const isolated = req.url!.startsWith('/isolated/');
      const headers: Record<string, string> = isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};
      if (req.url!.endsWith('/page.js')) res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' }).end(js);
      else res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end('<!doctype html><script src="page.js"></script>');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const tmpIndex = join(dir, 'node.knn');
    const lib = { search: await import('../../src/search/index.js'), learn: await import('../../src/learn/index.js'), graph: await import('../../src/knn-graph/index.js'), core: await import('../../src/core/index.js') };
    const node = await scenario(lib, tmpIndex);
    assert.equal(node.env.nodeOnly, 'saved');
    for (const flag of ['bruteAsyncEqual', 'hnswFilterHonoured', 'hnswBytesEqual', 'hnswAsyncEqual', 'managedBytesEqual']) assert.equal(node.same[flag], true, `node: ${flag}`);

    for (const mode of ['isolated', 'plain']) {
      const page = await browser.newPage();
      const logs: string[] = [];
      page.on('pageerror', (e) => logs.push(String(e)));
      await page.goto(`${base}/${mode}/`);
      await page.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, { timeout: 120_000 });
      const r = await page.evaluate(() => (window as unknown as { __result: unknown }).__result) as { error?: string; same: Record<string, unknown>; env: Record<string, unknown> };
      await page.close();
      assert.equal(r.error, undefined, `${mode}: ${r.error} ${logs.join('\n')}`);
      assert.deepEqual(r.same, node.same, `${mode}: the browser's neighbours and labels equal Node's`);
      assert.equal(r.env.isolated, mode === 'isolated');
      // searchAsync: Web Workers over shared memory when isolated, the calling thread otherwise
      if (mode === 'isolated') assert.ok((r.env.workers as number) > 0, 'searchAsync started Web Workers');
      else assert.equal(r.env.workers, 0, 'no worker without cross-origin isolation');
      assert.match(String(r.env.nodeOnly), /^KnnkitError: .*only available in Node\.js/);
      t.diagnostic(`${mode}: WebAssembly path brute force ${r.env.brutePath}, HNSW ${r.env.hnswKernel} (Node: ${node.env.brutePath}, ${node.env.hnswKernel}); workers ${r.env.workers}`);
    }
  } finally {
    await browser.close();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
