import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { client, startServer, tempDir, vectors } from './helpers.js';

// The server's web page in headless Chromium (Debian's `chromium`, driven by playwright-core):
// the collection list, a search by point id with a filter, the results with payloads, the live
// figures; a screenshot is written to the temporary directory.
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

test('web page: collections, search by point id with a filter, results, live figures', { timeout: 120_000 }, async (t) => {
  if (!CHROMIUM) { t.skip('no chromium binary (apt-get install chromium)'); return; }
  const { chromium } = await import('playwright-core');
  const dir = tempDir();
  const s = await startServer({ dataDir: dir.dir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const c = client(s.url);
    const V = vectors(60, 4, 3);
    await c.createCollection('shop', { vectors: { size: 4, distance: 'Euclid' } });
    await c.upsert('shop', { wait: true, points: V.map((v, i) => ({ id: i, vector: v, payload: { name: `item ${i}`, color: i % 2 ? 'red' : 'blue' } })) });
    // the expected answer: nearest red points to point 10 (itself left out), by exact search
    const want = (await c.query('shop', { query: 10, limit: 3, filter: { must: [{ key: 'color', match: { value: 'red' } }] }, params: { exact: true } })).points.map((p) => String(p.id));
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${s.url}/dashboard`);
    await page.waitForSelector('#cols li');
    assert.match(await page.textContent('#cols') ?? '', /shop\s*60 points, 4 dims, Euclid, hnsw/);
    await page.fill('#q', '10');
    await page.fill('#limit', '3');
    await page.fill('#filter', JSON.stringify({ must: [{ key: 'color', match: { value: 'red' } }] }));
    await page.click('#go');
    await page.waitForSelector('#res tbody tr');
    const rows = await page.$$eval('#res tbody tr', (trs) => trs.map((tr) => Array.from(tr.children).map((td) => td.textContent ?? '')));
    assert.deepEqual(rows.map((r) => r[1]), want);
    for (const r of rows) assert.match(r[3], /"color":"red"/);
    // live figures count the page's search
    await page.waitForFunction(() => /\(2 searches since start\)/.test(document.getElementById('live')?.textContent ?? ''), undefined, { timeout: 30_000 });
    const shot = join(tmpdir(), 'knnkit-serve-dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(existsSync(shot));
    t.diagnostic(`screenshot: ${shot}`);
    // a bad filter shows the server's error message
    await page.fill('#filter', '{"must": [{"key": "color", "range": {"gt": "x"}}]}');
    await page.click('#go');
    await page.waitForFunction(() => (document.getElementById('err')?.textContent ?? '').length > 0);
    assert.match(await page.textContent('#err') ?? '', /finite number/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await s.server.close();
    dir.remove();
  }
});
