import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { listFamilies } from '../../src/index/registry.js';
import '../../src/index/families.js';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const log = console.log, error = console.error;
  let out = '', err = '';
  console.log = (...a: unknown[]) => { out += a.join(' ') + '\n'; };
  console.error = (...a: unknown[]) => { err += a.join(' ') + '\n'; };
  try { return { code: await fn(), out, err }; } finally { console.log = log; console.error = error; }
}

test('knnkit demo runs every registered family: exact ones agree with brute force, approximate ones report recall', async () => {
  const r = await capture(() => main(['demo', '--n', '2000', '--seed', '3']));
  assert.equal(r.code, 0, r.err);
  for (const f of listFamilies()) {
    const name = f.name.replace(/[^a-z0-9]/gi, (c) => '\\' + c);
    const row = new RegExp(`^${name}\\s+(skipped: .+|[\\d.]+\\s+\\d+\\s+([01]\\.\\d{4})\\s+[\\d.]+)`, 'm').exec(r.out);
    assert.ok(row, `a row or a skip line for ${f.name}:\n${r.out}`);
    // exact families must find every true neighbour (the demo exits 1 otherwise)
    if (f.exact && row[2] !== undefined) assert.equal(row[2], '1.0000', f.name);
  }
  const acc = /accuracy (\d\.\d+)/.exec(r.out);
  assert.ok(acc && Number(acc[1]) > 0.5 && Number(acc[1]) <= 1, r.out);
});

test('knnkit demo rejects bad options with exit code 2', async () => {
  const r = await capture(() => main(['demo', '--n', '5']));
  assert.equal(r.code, 2);
  assert.match(r.err, /--n: got "5"; expected an integer in \[100, 1000000\]/);
  const u = await capture(() => main(['demo', '--bogus']));
  assert.equal(u.code, 2);
  assert.match(u.err, /--bogus: unknown option/);
});

test('knnkit with an unknown command exits 2 and names it', async () => {
  const r = await capture(() => main(['frobnicate']));
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown command "frobnicate"/);
});
