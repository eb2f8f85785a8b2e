import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync, mkdirSync, existsSync, statSync } from 'node:fs';
import { writeFvecs, writeIvecs, readIvecs } from '../../src/io/index.js';
import { BruteForce } from '../../src/search/brute-force/brute-force.js';
import { loadIndex } from '../../src/index/persist.js';
import { cli, cliTempDir, assertUsageErrors } from '../helpers/cli.js';
import { gaussianClusters } from '../helpers/data.js';

const base = gaussianClusters(800, 6, 6, 11);
const queries = gaussianClusters(40, 6, 6, 12);
let tmp: ReturnType<typeof cliTempDir>;
const f = (name: string) => join(tmp.dir, name);
const truth = new BruteForce(base).search(queries, 10);

before(async () => {
  tmp = cliTempDir('knnkit-lifecycle-');
  await writeFvecs(f('base.fvecs'), base);
  await writeFvecs(f('q.fvecs'), queries);
  await writeFvecs(f('q5.fvecs'), gaussianClusters(3, 5, 1, 3));
  await writeIvecs(f('gt.ivecs'), { data: truth.indices, rows: 40, cols: 10 });
  mkdirSync(f('adir'));
  writeFileSync(f('garbage.fvecs'), new Uint8Array([1, 2, 3, 4, 5]));
});
after(() => tmp.remove());

test('build --json: size, dim, build seconds, memory and file bytes of the saved index', async () => {
  const r = await cli(['build', f('base.fvecs'), '--index', 'kd-tree', '--leaf-size', '16', '--metric', 'manhattan', '--out', f('kd.knn'), '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.index, 'kd-tree'); assert.equal(j.size, 800); assert.equal(j.dim, 6);
  assert.equal(j.options.leafSize, 16);
  assert.deepEqual(j.metric, { name: 'manhattan' });
  assert.equal(j.fileBytes, statSync(f('kd.knn')).size);
  assert.ok(j.memoryBytes >= base.data.byteLength && j.buildSeconds >= 0);
  const idx = await loadIndex(f('kd.knn'));
  assert.equal(idx.kind, 'kd-tree'); assert.equal(idx.size, 800); assert.equal(idx.metric.name, 'manhattan');
  const h = await cli(['build', f('base.fvecs'), '--index', 'hnsw', '--m', '8', '--ef-construction', '64', '--out', f('h.knn')]);
  assert.equal(h.code, 0, h.err);
  assert.match(h.out, /^knnkit build: hnsw over .*base\.fvecs\nsize 800, dim 6, metric euclidean, M 8, efConstruction 64, .*\nbuilt in [\d.]+ s, memory [\d.]+ KB\nsaved .*h\.knn \([\d.]+ KB, \d+ bytes\)\n$/);
});

test('query: exact results equal brute force; --out .ivecs / .csv / .json; --groundtruth gives recall', async () => {
  await cli(['build', f('base.fvecs'), '--index', 'ball-tree', '--out', f('bt.knn')]);
  const r = await cli(['query', f('bt.knn'), f('q.fvecs'), '--k', '10', '--out', f('res.ivecs'), '--groundtruth', f('gt.ivecs'), '--json', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.index, 'ball-tree'); assert.equal(j.k, 10); assert.equal(j.queries, 40);
  assert.equal(j.runs.length, 1); assert.equal(j.runs[0].recall, 1);
  const ivecs = await readIvecs(f('res.ivecs'));
  assert.equal(ivecs.rows, 40); assert.equal(ivecs.cols, 10);
  assert.deepEqual(ivecs.data, truth.indices);
  const c = await cli(['query', f('bt.knn'), f('q.fvecs'), '--k', '3', '--out', f('res.csv')]);
  assert.equal(c.code, 0, c.err);
  const lines = readFileSync(f('res.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'query,rank,id,distance');
  assert.equal(lines.length, 1 + 40 * 3);
  const [q0, r0, id0, d0] = lines[1].split(',').map(Number);
  assert.deepEqual([q0, r0, id0], [0, 0, truth.indices[0]]);
  assert.ok(Math.abs(d0 - truth.distances[0]) < 1e-5);
  const js = await cli(['query', f('bt.knn'), f('q.fvecs'), '--k', '4', '--out', f('res.json')]);
  assert.equal(js.code, 0, js.err);
  const out = JSON.parse(readFileSync(f('res.json'), 'utf8'));
  assert.equal(out.k, 4); assert.equal(out.ids.length, 40);
  assert.deepEqual(out.ids[5], Array.from(truth.indices.subarray(50, 54)));
  const human = await cli(['query', f('bt.knn'), f('q.fvecs'), '--k', '2']);
  assert.match(human.out, new RegExp(`\\nquery 0: ${truth.indices[0]} \\([\\d.]+\\), ${truth.indices[1]} \\(`));
  assert.match(human.out, /\.\.\. 37 more queries \(--out FILE writes every result\)/);
});

test('build --ids and query --filter: external ids come back, only allowed ids are returned', async () => {
  writeFileSync(f('ids.txt'), Array.from({ length: 800 }, (_, i) => String(5_000_000_000 + i)).join('\n') + '\n');
  const b = await cli(['build', f('base.fvecs'), '--index', 'brute', '--ids', f('ids.txt'), '--out', f('ids.knn')]);
  assert.equal(b.code, 0, b.err);
  const allowed = Array.from({ length: 800 }, (_, i) => i).filter((i) => i % 3 === 0);
  writeFileSync(f('filter.txt'), '# every third point\n' + allowed.map((i) => 5_000_000_000 + i).join(', ') + '\n');
  const r = await cli(['query', f('ids.knn'), f('q.fvecs'), '--k', '5', '--filter', f('filter.txt'), '--out', f('filtered.json'), '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  const got = JSON.parse(readFileSync(f('filtered.json'), 'utf8')).ids as number[][];
  // the oracle: brute force over the allowed rows only
  const sub = new Float32Array(allowed.length * 6);
  allowed.forEach((row, i) => sub.set(base.data.subarray(row * 6, row * 6 + 6), i * 6));
  const want = new BruteForce({ kind: 'dense', data: sub, rows: allowed.length, cols: 6 }).search(queries, 5);
  for (let q = 0; q < 40; q++) {
    assert.deepEqual(got[q], Array.from(want.indices.subarray(q * 5, q * 5 + 5), (p) => 5_000_000_000 + allowed[p]), `query ${q}`);
  }
  const iv = await cli(['query', f('ids.knn'), f('q.fvecs'), '--out', f('wide.ivecs')]);
  assert.equal(iv.code, 2);
  assert.match(iv.err, /--out: the index holds id 5000000000, above 2\^31 - 1, and \.ivecs holds int32 ids; write \.csv or \.json/);
  assert.ok(!existsSync(f('wide.ivecs')));
});

test('query sweeps the family\'s sweep parameter; --out takes one setting', async () => {
  const r = await cli(['query', f('h.knn'), f('q.fvecs'), '--ef', '8,64', '--groundtruth', f('gt.ivecs'), '--json', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  const runs = JSON.parse(r.out).runs;
  assert.deepEqual(runs.map((x: { ef: number }) => x.ef), [8, 64]);
  assert.ok(runs[1].recall >= runs[0].recall && runs[1].recall > 0.9, JSON.stringify(runs));
  const two = await cli(['query', f('h.knn'), f('q.fvecs'), '--ef', '8,64', '--out', f('two.csv')]);
  assert.equal(two.code, 2);
  assert.match(two.err, /--out: writes the results of one search setting; got 2 values of --ef/);
});

test('info: family, metric, dim, size, options, codec, bytes, versions, checksum; a corrupt file fails it', async () => {
  const r = await cli(['info', f('kd.knn'), '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.family, 'kd-tree'); assert.equal(j.dim, 6); assert.equal(j.size, 800);
  assert.deepEqual(j.metric, { name: 'manhattan' }); assert.equal(j.options.leafSize, 16);
  assert.equal(j.codec, 'f32'); assert.equal(j.bytes, statSync(f('kd.knn')).size);
  assert.equal(j.checksum, 'ok'); assert.equal(typeof j.formatVersion, 'number'); assert.equal(typeof j.envelopeVersion, 'number');
  const h = await cli(['info', f('h.knn')]);
  assert.equal(h.code, 0, h.err);
  assert.match(h.out, /^file: .*h\.knn\nfamily: hnsw\nformat: envelope v\d+, family format \d+\nmetric: euclidean\ndim: 6\nsize: 800\ncodec: f32\noptions: M 8, efConstruction 64, /);
  assert.match(h.out, /\nchecksum: ok\n$/);
  // flip one byte of a stored vector (inside a section): that section's CRC fails
  const bytes = readFileSync(f('kd.knn'));
  const at = bytes.indexOf(Buffer.from(base.data.buffer, base.data.byteOffset + 24, 24));
  assert.ok(at > 0, 'the vectors are stored as float32 rows');
  bytes[at + 1] ^= 0xff;
  writeFileSync(f('bad.knn'), bytes);
  const bad = await cli(['info', f('bad.knn'), '--json']);
  assert.equal(bad.code, 1);
  assert.notEqual(JSON.parse(bad.out).checksum, 'ok');
});

test('search takes a saved index as <base> (recognised by its magic) and --save writes one', async () => {
  const r = await cli(['search', f('kd.knn'), f('q.fvecs'), '--json', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['index', 'k', 'loadSeconds', 'memoryBytes', 'runs']);
  assert.equal(j.index, 'kd-tree'); assert.equal(j.runs[0].recall, 1);
  // approximate saved index: the truth comes from its stored vectors, so recall is real
  const h = await cli(['search', f('h.knn'), f('q.fvecs'), '--ef', '4,128', '--json', '--threads', '1']);
  assert.equal(h.code, 0, h.err);
  const hr = JSON.parse(h.out).runs;
  assert.ok(hr[1].recall > 0.9 && hr[1].recall >= hr[0].recall, JSON.stringify(hr));
  const g = await cli(['search', f('h.knn'), f('q.fvecs'), '--ef', '128', '--groundtruth', f('gt.ivecs'), '--json', '--threads', '1']);
  assert.equal(JSON.parse(g.out).runs[0].recall, hr[1].recall, 'the same truth from the ground-truth file');
  const s = await cli(['search', f('base.fvecs'), f('q.fvecs'), '--index', 'brute', '--save', f('saved.knn'), '--json', '--threads', '1']);
  assert.equal(s.code, 0, s.err);
  assert.equal((await loadIndex(f('saved.knn'))).kind, 'brute');
  const m = await cli(['search', f('kd.knn'), f('q.fvecs'), '--m', '8']);
  assert.equal(m.code, 2);
  assert.match(m.err, /--m: is a build option, but .*kd\.knn is a saved index/);
  const w = await cli(['search', f('kd.knn'), f('q.fvecs'), '--index', 'hnsw']);
  assert.match(w.err, /--index: got "hnsw" but .*kd\.knn is a saved "kd-tree" index/);
});

test('indexes: every registered family with options, metrics and codecs; --version', async () => {
  const r = await cli(['indexes', '--json']);
  assert.equal(r.code, 0, r.err);
  const fams = JSON.parse(r.out).families;
  const hnsw = fams.find((x: { name: string }) => x.name === 'hnsw');
  assert.equal(hnsw.exact, false);
  assert.ok(hnsw.codecs.includes('f32') && hnsw.metrics.includes('cosine'));
  assert.deepEqual(hnsw.options.find((o: { name: string }) => o.name === 'efConstruction'), { name: 'efConstruction', type: 'integer', default: 200, doc: 'beam width while building', min: 1, flags: ['--ef-construction'] });
  assert.equal(hnsw.sweep, 'ef');
  for (const x of fams) for (const key of ['name', 'aliases', 'exact', 'metrics', 'codecs', 'options', 'searchParams']) assert.ok(key in x, `${x.name}.${key}`);
  const text = await cli(['indexes']);
  assert.match(text.out, /^brute \(also [^)]+\): exact\n/);
  assert.match(text.out, /\n    --ef-construction\s+beam width while building \(an integer >= 1; default 200\)/);
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  for (const flag of ['--version', '-V']) {
    const v = await cli([flag]);
    assert.equal(v.code, 0);
    assert.equal(v.out, `knnkit ${pkg.version}\n`);
  }
});

test('errors: one line, exit 2, every path checked before the data is read', async () => {
  // the data file is garbage: an error about --out proves the path was checked first
  await assertUsageErrors('build', [
    [[f('garbage.fvecs'), '--index', 'hnsw', '--out', join(tmp.dir, 'missing', 'x.knn')], /--out: .*missing\/x\.knn: cannot write it: its folder .*missing does not exist/],
    [[f('garbage.fvecs'), '--index', 'hnsw', '--out', f('adir')], /--out: .*adir: is a directory; expected a file path/],
    [[f('garbage.fvecs'), '--index', 'hnsw', '--ids', f('nope.txt'), '--out', f('x.knn')], /--ids: .*nope\.txt: no such file/],
    [[f('adir'), '--index', 'hnsw', '--out', f('x.knn')], /adir: is a directory; expected a file/],
    [[f('base.fvecs'), '--out', f('x.knn')], /--index: missing; expected one of brute, /],
    [[f('base.fvecs'), '--index', 'hnsw'], /--out: missing/],
    [[f('base.fvecs'), '--index', 'hnsw', '--ef', '10', '--out', f('x.knn')], /--ef: is a search parameter \(of (.*, )?hnsw\b.*\), not a build option; give it to knnkit query or knnkit search/],
    [[f('base.fvecs'), '--index', 'kd-tree', '--codec', 'bits', '--out', f('x.knn')], /--codec: got "bits"; expected "f32" \(the only codec of the "kd-tree" index\)/],
    [[f('base.fvecs'), '--index', 'kd-tree', '--metric', 'cosine', '--out', f('x.knn')], /--metric: got "cosine"; the KD-tree needs a Minkowski-family metric/],
    [[f('base.fvecs'), '--index', 'hnsw', '--m', '1', '--out', f('x.knn')], /--m: got "1"; expected an integer >= 2 and <= 2048/],
    [[f('base.fvecs'), '--index', 'brute', '--ids', f('filter.txt'), '--out', f('x.knn')], /--ids: .*filter\.txt holds \d+ ids for the 800 rows of .*base\.fvecs; expected one id per row/],
  ]);
  assert.ok(!existsSync(f('x.knn')));
  writeFileSync(f('badids.txt'), '1\n2\nthree\n');
  writeFileSync(f('gt-wide.ivecs'), new Uint8Array(0));
  await writeIvecs(f('gt-rows.ivecs'), { data: new Int32Array(39 * 10), rows: 39, cols: 10 });
  const big = new Int32Array(truth.indices); big[7 * 10 + 3] = 800;
  await writeIvecs(f('gt-range.ivecs'), { data: big, rows: 40, cols: 10 });
  await assertUsageErrors('query', [
    [[f('kd.knn'), f('q.fvecs'), '--out', join(tmp.dir, 'missing', 'r.csv')], /--out: .*cannot write it: its folder .*missing does not exist/],
    [[f('kd.knn'), f('q.fvecs'), '--out', f('r.txt')], /--out: .*r\.txt: expected a file name ending in \.ivecs, \.csv, \.json/],
    [[f('kd.knn'), f('q.fvecs'), '--filter', f('badids.txt')], /--filter: .*badids\.txt:3: got "three"; expected an id, an integer in \[0, 2\^53 - 1\]/],
    [[f('kd.knn'), f('q.fvecs'), '--groundtruth', f('gt-rows.ivecs')], /--groundtruth: .*gt-rows\.ivecs has 39 rows for 40 queries; expected one row per query/],
    [[f('kd.knn'), f('q.fvecs'), '--groundtruth', f('gt-range.ivecs')], /--groundtruth: .*gt-range\.ivecs row 7, column 3 holds id 800, which is not an id of the 800 points of .*kd\.knn/],
    [[f('kd.knn'), f('q5.fvecs')], /q5\.fvecs: dimension mismatch: the queries have 5 columns but the base .*kd\.knn has 6/],
    [[f('kd.knn'), f('q.fvecs'), '--ef', '10'], /--ef: does not apply to --index kd-tree; it is an option of (.*, )?hnsw\b/],
    [[f('kd.knn'), f('q.fvecs'), '--leaf-size', '3'], /--leaf-size: is a build option, but .*kd\.knn is a saved index/],
    [[f('base.fvecs'), f('q.fvecs')], /index: .*base\.fvecs" is not a knnkit index \(unknown magic\)/],
    [[f('nope.knn'), f('q.fvecs')], /nope\.knn: no such file/],
    [[f('adir'), f('q.fvecs')], /adir: is a directory; expected a file/],
  ]);
  await assertUsageErrors('search', [
    [[f('base.fvecs'), f('q.fvecs'), '--save', f('adir')], /--save: .*adir: is a directory; expected a file path/],
    [[f('garbage.fvecs'), f('q.fvecs'), '--plot', join(tmp.dir, 'missing', 'p.svg')], /--plot: .*cannot write it: its folder .*missing does not exist/],
    [[f('base.fvecs'), f('q.fvecs'), '--groundtruth', f('gt-range.ivecs')], /--groundtruth: .*row 7, column 3 holds id 800, which is not an id of the 800 points of .*base\.fvecs \(0\.\.799\)/],
  ]);
  await assertUsageErrors('info', [
    [[f('base.fvecs')], /is not a knnkit index \(unknown magic\)/],
    [[f('adir')], /adir: is a directory; expected a file/],
  ]);
});

test('build --index diskann over .fvecs: streamed from the file (partitions merged), queried from disk with recall; otherwise in memory with a note', async () => {
  const r = await cli(['build', f('base.fvecs'), '--index', 'diskann', '--r', '16', '--build-l', '40', '--partition-rows', '300',
    '--ram-budget', '200KB', '--threads', '2', '--out', f('dk.knn'), '--json', '--quiet']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.streamed, true);
  assert.equal(j.index, 'diskann'); assert.equal(j.size, 800); assert.equal(j.dim, 6);
  assert.equal(j.options.partitionRows, 300); assert.equal(j.options.R, 16);
  assert.ok(j.report.partitions >= 3, `800 points x overlap 2 in partitions of ~300: ${j.report.partitions}`);
  // served: codes, codebooks and cache within the budget (the vectors stay in the file)
  assert.ok(j.memoryBytes <= 200 * 1024, `served memory ${j.memoryBytes}`);
  const q = await cli(['query', f('dk.knn'), f('q.fvecs'), '--groundtruth', f('gt.ivecs'), '--l', '20,60', '--beam-width', '4', '--json']);
  assert.equal(q.code, 0, q.err);
  const runs = JSON.parse(q.out).runs as { L: number; recall: number; readsPerQuery: number }[];
  assert.deepEqual(runs.map((x) => x.L), [20, 60]);
  assert.ok(runs[1].recall >= 0.9, `recall@10 at L 60: ${runs[1].recall}`);
  assert.ok(runs[1].readsPerQuery > 0);
  // cosine is not what the file build computes: the in-memory build takes it, and says so
  const c = await cli(['build', f('base.fvecs'), '--index', 'diskann', '--metric', 'cosine', '--r', '16', '--out', f('dkc.knn')]);
  assert.equal(c.code, 0, c.err);
  assert.match(c.out, /^note: --metric cosine: the build from a file is euclidean only; built in memory\n/);
  assert.equal((await loadIndex(f('dkc.knn'))).metric.name, 'cosine');
});
