import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliTempDir } from '../helpers/cli.js';
import { gaussianClusters } from '../helpers/data.js';

/**
 * Progress from the command line, in a child process whose stderr is a pipe (not a terminal):
 * plain lines on stderr (KNNKIT_PROGRESS_MS=0 shows every event instead of one per 5 s),
 * nothing with --quiet, and stdout's --json untouched either way.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = cliTempDir('knnkit-progress-cli-');
after(tmp.remove);

function knnkit(args: string[], env: Record<string, string> = {}) {
  const script = `const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(${JSON.stringify(args)});`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
}

const X = gaussianClusters(3000, 8, 6, 3);
const csv = join(tmp.dir, 'data.csv');
writeFileSync(csv, ['a,b,c,d,e,f,g,h', ...Array.from({ length: X.rows }, (_, i) => Array.from(X.data.subarray(i * 8, i * 8 + 8)).join(','))].join('\n') + '\n');

test('knnkit build --json: progress lines on stderr (not a terminal), one JSON object on stdout', () => {
  const r = knnkit(['build', csv, '--index', 'hnsw', '--label', 'none', '--out', join(tmp.dir, 'a.knn'), '--json'], { KNNKIT_PROGRESS_MS: '0' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.size, 3000);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.some((l) => /^knnkit build: read data\.csv [\d.]+ MB\/[\d.]+ MB \(\d+ %\), [\d.]+ MB\/s/.test(l)), r.stderr);
  const inserts = lines.filter((l) => /^knnkit build: hnsw insert [\d,]+\/3,000 \(\d+ %\), [\d,]+\/s(, ETA [\d.]+ s)?, [\d.]+ s elapsed$/.test(l));
  assert.ok(inserts.length >= 10, r.stderr);
  assert.match(inserts.at(-1)!, /3,000\/3,000 \(100 %\)/);
  assert.ok(!/\x1b\[/.test(r.stderr), 'no terminal escapes without a terminal');
});

test('--quiet: nothing on stderr', () => {
  const r = knnkit(['build', csv, '--index', 'hnsw', '--label', 'none', '--out', join(tmp.dir, 'b.knn'), '--json', '--quiet'], { KNNKIT_PROGRESS_MS: '0' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).size, 3000);
  assert.equal(r.stderr, '');
  const s = knnkit(['search', csv, csv, '--index', 'hnsw', '--label', 'none', '--ef', '32', '--json', '--quiet', '--threads', '1'], { KNNKIT_PROGRESS_MS: '0' });
  assert.equal(s.status, 0, s.stderr);
  assert.equal(s.stderr, '');
  assert.equal(JSON.parse(s.stdout).index, 'hnsw');
});
