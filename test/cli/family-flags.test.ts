import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFvecs } from '../../src/io/index.js';
import '../../src/index/families.js';
import { listFamilies, registerFamily, getFamily } from '../../src/index/registry.js';
import { bruteFamily } from '../../src/index/brute/descriptor.js';
import { flagName } from '../../src/index/options.js';
import { flagsOf, buildOptionsFromFlags, searchPlanFromFlags, defaultSweep, reservedCollisions, familyHelp } from '../../src/cli/family-flags.js';
import { COMMON as SEARCH } from '../../src/cli/commands/search.js';
import { COMMON as BUILD } from '../../src/cli/commands/build.js';
import { COMMON as QUERY } from '../../src/cli/commands/query.js';
import { cli, cliTempDir } from '../helpers/cli.js';
import { gaussianClusters } from '../helpers/data.js';

test('no registered family declares a flag that a command already uses', () => {
  for (const [name, own] of [['search', SEARCH], ['build', BUILD], ['query', QUERY]] as const) {
    assert.deepEqual(reservedCollisions(['build', 'search'], own), [], `knnkit ${name}`);
  }
});

test('every option of every family is reachable by its generated flag, validated by its own spec', () => {
  for (const f of listFamilies()) {
    for (const spec of f.options) {
      const flags = flagsOf(spec);
      assert.equal(flags[0], flagName(spec.name));
      if (spec.default === undefined) continue;
      for (const flag of flags) {
        const { options } = buildOptionsFromFlags(f, { [flag]: String(spec.default) });
        assert.deepEqual(options, { [spec.name]: spec.default }, `${f.name} --${flag}`);
      }
      if (spec.type === 'integer' || spec.type === 'number') {
        assert.throws(() => buildOptionsFromFlags(f, { [flags[0]]: 'abc' }), new RegExp(`^KnnkitError: --${flags[0]}: got "abc"; expected (an integer|a finite number)`), `${f.name} --${flags[0]}`);
      }
    }
    for (const spec of f.searchParams) {
      if (spec.default === undefined || spec.name === f.sweep) continue;
      const plan = searchPlanFromFlags(f, { [flagsOf(spec)[0]]: String(spec.default) }, 'single');
      assert.deepEqual(plan.fixed, { [spec.name]: spec.default }, `${f.name} --${flagsOf(spec)[0]}`);
    }
    const help = familyHelp(['build', 'search']);
    for (const spec of [...f.options, ...f.searchParams]) assert.ok(help.includes(`--${flagsOf(spec)[0]}`), `help lists ${f.name} ${spec.name}`);
  }
});

test('HNSW keeps the flags users rely on: --m for M, --ef as a comma list', () => {
  const hnsw = getFamily('hnsw');
  assert.deepEqual(buildOptionsFromFlags(hnsw, { m: '8', 'ef-construction': '64' }).options, { M: 8, efConstruction: 64 });
  const plan = searchPlanFromFlags(hnsw, { ef: '10, 80,10' }, 'scan');
  assert.deepEqual(plan.sweep, { name: 'ef', flag: 'ef', values: [10, 80] });
  assert.deepEqual(searchPlanFromFlags(hnsw, {}, 'single').sweep?.values, [undefined], 'query: the family default');
  assert.throws(() => searchPlanFromFlags(hnsw, { ef: '10,,20' }, 'scan'), /--ef: got "10,,20"; expected an integer >= 1, or a comma-separated list of them/);
  assert.throws(() => buildOptionsFromFlags(getFamily('kd-tree'), { m: '8' }), /--m: does not apply to --index kd-tree; it is an option of (.*, )?hnsw\b/);
  assert.deepEqual(buildOptionsFromFlags(getFamily('kd-tree'), { m: '8' }, true).ignored, ['--m']);
});

test('default sweep: D/4, D/2, D, 2D, 4D within the declared range; every choice of an enum', () => {
  assert.deepEqual(defaultSweep({ name: 'ef', type: 'integer', default: 64, min: 1, doc: '' }), [16, 32, 64, 128, 256]);
  assert.deepEqual(defaultSweep({ name: 'nprobe', type: 'integer', default: 2, min: 1, max: 4, doc: '' }), [1, 2, 4]);
  assert.deepEqual(defaultSweep({ name: 'mode', type: 'enum', default: 'a', choices: ['a', 'b'], doc: '' }), ['a', 'b']);
  assert.deepEqual(defaultSweep({ name: 'x', type: 'integer', doc: 'derived' }), [undefined]);
});

// A family registered here, as a new family is in src/index/families.ts: the CLI takes it with
// no edit (flags, sweep, help, listing, save / load).
let tmp: ReturnType<typeof cliTempDir>;
before(async () => {
  registerFamily({
    ...bruteFamily, name: 'probe-flat', aliases: ['pflat'], summary: 'a test family: exact scan with declared knobs',
    options: [{ name: 'cellCount', type: 'integer', default: 4, min: 1, doc: 'cells (unused by the scan)' }],
    searchParams: [{ name: 'nprobe', type: 'integer', default: 2, min: 1, max: 64, doc: 'cells probed (unused by the scan)' }],
    sweep: 'nprobe',
  });
  tmp = cliTempDir('knnkit-flags-');
  await writeFvecs(join(tmp.dir, 'base.fvecs'), gaussianClusters(300, 5, 4, 1));
  await writeFvecs(join(tmp.dir, 'q.fvecs'), gaussianClusters(20, 5, 4, 2));
});
after(() => tmp.remove());

test('a newly registered family: search, build, query and indexes take it with no CLI edit', async () => {
  const base = join(tmp.dir, 'base.fvecs'), q = join(tmp.dir, 'q.fvecs'), out = join(tmp.dir, 'p.knn');
  const s = await cli(['search', base, q, '--index', 'pflat', '--cell-count', '9', '--nprobe', '1,3', '--json', '--threads', '1']);
  assert.equal(s.code, 0, s.err);
  const j = JSON.parse(s.out);
  assert.equal(j.index, 'probe-flat');
  assert.deepEqual(j.runs.map((r: { nprobe: number; recall: number }) => [r.nprobe, r.recall]), [[1, 1], [3, 1]]);
  const bad = await cli(['search', base, q, '--index', 'probe-flat', '--nprobe', '65']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--nprobe: got "65"; expected an integer >= 1 and <= 64, or a comma-separated list of them/);
  const b = await cli(['build', base, '--index', 'probe-flat', '--cell-count', '7', '--out', out, '--json']);
  assert.equal(b.code, 0, b.err);
  assert.equal(JSON.parse(b.out).options.cellCount, 7);
  const qr = await cli(['query', out, q, '--nprobe', '5', '--json', '--threads', '1']);
  assert.equal(qr.code, 0, qr.err);
  assert.equal(JSON.parse(qr.out).runs.length, 1);
  const list = await cli(['indexes', '--json']);
  const fam = JSON.parse(list.out).families.find((f: { name: string }) => f.name === 'probe-flat');
  assert.deepEqual(fam.options[0], { name: 'cellCount', type: 'integer', default: 4, doc: 'cells (unused by the scan)', min: 1, flags: ['--cell-count'] });
  assert.equal(fam.sweep, 'nprobe');
  const help = await cli(['search', '--help']);
  assert.match(help.out, /probe-flat \(also pflat\): a test family/);
  assert.match(help.out, /--nprobe N\[,N\.\.\.\]\s+cells probed \(unused by the scan\) \(default 2; a comma list runs one search per value\)/);
});

test('--index takes a FAISS factory string: its family, its options as defaults under the flags, its grammar error', async () => {
  const { familyOption } = await import('../../src/cli/family-flags.js');
  const f = familyOption({ index: 'IVF64,PQ8' }, true);
  assert.equal(f !== 'auto' && f.name, 'ivf-pq');
  assert.deepEqual(buildOptionsFromFlags(f as never, { index: 'IVF64,PQ8' }).options, { nlist: 64, m: 8 });
  assert.equal(buildOptionsFromFlags(f as never, { index: 'IVF64,PQ8', nlist: '16' }).options.nlist, 16, 'a flag overrides the string');
  assert.equal((familyOption({ index: 'HNSW12' }, true) as { name: string }).name, 'hnsw');
  assert.equal(buildOptionsFromFlags(getFamily('hnsw'), { index: 'HNSW12' }).options.M, 12);
  assert.throws(() => familyOption({ index: 'IVF64,PQ8x5' }, true), /factory string "IVF64,PQ8x5".*accepted:/);
});
