// `knnkit evaluate` against scikit-learn (StratifiedKFold + KNeighborsClassifier) on the same
// machine in the same run: binalpha (1404 x 320, 36 classes), 10 folds, k = 5.
//
//   node --import tsx bench/evaluate.ts            # 3 repeats, medians
//   node --import tsx bench/evaluate.ts --quick    # 1 repeat
//   node --import tsx bench/evaluate.ts --data ../shared/data/digits_dig1-10.csv --k 3 --weights distance
//
// Two figures per side:
// - in-process: reading the CSV + the whole cross-validation (knnkit: `main(['evaluate', ...])`;
//   scikit-learn: np.loadtxt + the fold loop), after start-up and imports;
// - end to end: the command as a user runs it, a fresh process each time (Node + tsx + knnkit
//   vs python + imports + scikit-learn).
// scikit-learn runs with its default threads and pinned to one thread (OMP/BLAS = 1); knnkit
// runs on one thread. The in-process figure is also given in CPU seconds of each process (all
// its threads): on a shared machine wall times swing with the load, CPU time far less, so the
// CPU ratio is the one to compare across runs (the load average is printed with them).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/cli/main.js';
import { output } from '../src/cli/output.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes('--' + name);
const opt = (name: string, def: string) => { const i = argv.indexOf('--' + name); return i >= 0 ? argv[i + 1] : def; };

const data = opt('data', join(root, '..', 'shared', 'data', 'binalpha.csv'));
const k = opt('k', '5'), weights = opt('weights', 'uniform'), folds = opt('folds', '10');
const repeats = flag('quick') ? 1 : Number(opt('repeats', '3'));
const python = opt('python', join(root, 'bench', '.venv', 'bin', 'python'));
const cliArgs = ['evaluate', data, '--k', k, '--weights', weights, '--folds', folds, '--json'];

const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const fmt = (s: number) => s.toFixed(3).padStart(8);

if (flag('child')) {
  // end-to-end child: run the command once, exactly as the CLI does
  process.exitCode = await main(cliArgs);
} else {
  if (!existsSync(data)) { console.error(`bench/evaluate: ${data} not found`); process.exit(1); }
  if (!existsSync(python)) { console.error(`bench/evaluate: ${python} not found; run bash bench/setup-python.sh`); process.exit(1); }

  // knnkit, in-process
  let report: any;
  const inproc: number[] = [], inprocCpu: number[] = [];
  const write = output.write;
  const load0 = loadavg()[0];
  for (let r = 0; r < repeats + 1; r++) {
    let text = '';
    output.write = (s: string) => { text += s; };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const code = await main(cliArgs);
    const secs = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    output.write = write;
    if (code !== 0) { console.error('knnkit evaluate failed'); process.exit(1); }
    report = JSON.parse(text);
    if (r > 0) { inproc.push(secs); inprocCpu.push((c.user + c.system) / 1e6); } // first run warms up the JIT
  }
  // knnkit, end to end
  const e2e: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const c = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'evaluate.ts'), '--child', ...argv], { cwd: root, encoding: 'utf8' });
    e2e.push((performance.now() - t0) / 1000);
    if (c.status !== 0) { console.error(c.stderr); process.exit(1); }
  }

  // scikit-learn, default threads and one thread; in-process and end to end
  const sk = (env: NodeJS.ProcessEnv) => {
    const times: number[] = [];
    let res: any;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      const c = spawnSync(python, [join(here, 'sklearn_evaluate.py'), data, '--k', k, '--weights', weights, '--folds', folds, '--repeats', '1'], { encoding: 'utf8', env: { ...process.env, ...env } });
      times.push((performance.now() - t0) / 1000);
      if (c.status !== 0) { console.error(c.stderr); process.exit(1); }
      const j = JSON.parse(c.stdout);
      res = res ?? { ...j, inproc: [] as number[], cpu: [] as number[] };
      res.inproc.push(j.seconds[0]);
      res.cpu.push(j.cpuSeconds[0]);
    }
    return { ...res, e2e: times };
  };
  const skDefault = sk({});
  const skOne = sk({ OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' });

  console.log(`evaluate ${data}: n=${report.n} d=${report.d} classes=${report.classes}, ${folds}-fold stratified CV, k=${k} weights=${weights}; medians of ${repeats}; load average ${load0.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end`);
  console.log('');
  console.log(`${'implementation'.padEnd(34)}${'in-process s'.padStart(14)}${'in-proc CPU s'.padStart(15)}${'end-to-end s'.padStart(14)}${'fit s/fold'.padStart(12)}${'predict s/fold'.padStart(16)}${'accuracy'.padStart(10)}${'macro F1'.padStart(10)}`);
  const row = (name: string, ip: number, cpu: number, ee: number, fit: number, pred: number, acc: number, f1: number) =>
    console.log(`${name.padEnd(34)}${fmt(ip).padStart(14)}${fmt(cpu).padStart(15)}${fmt(ee).padStart(14)}${fit.toFixed(4).padStart(12)}${pred.toFixed(4).padStart(16)}${acc.toFixed(4).padStart(10)}${f1.toFixed(4).padStart(10)}`);
  const kIn = median(inproc), kCpu = median(inprocCpu), kE2e = median(e2e);
  row('knnkit evaluate (1 thread)', kIn, kCpu, kE2e, report.fitSeconds.mean, report.predictSeconds.mean, report.accuracy.mean, report.macroF1.mean);
  row('scikit-learn (default threads)', median(skDefault.inproc), median(skDefault.cpu), median(skDefault.e2e), skDefault.fitSeconds, skDefault.predictSeconds, skDefault.accuracy, skDefault.macroF1);
  row('scikit-learn (1 thread)', median(skOne.inproc), median(skOne.cpu), median(skOne.e2e), skOne.fitSeconds, skOne.predictSeconds, skOne.accuracy, skOne.macroF1);
  console.log('');
  console.log(`speed-up of knnkit (scikit-learn time / knnkit time; > 1 = knnkit faster):`);
  console.log(`  in-process: ${(median(skDefault.inproc) / kIn).toFixed(2)}x vs default threads, ${(median(skOne.inproc) / kIn).toFixed(2)}x vs 1 thread`);
  console.log(`  in-process by CPU time: ${(median(skOne.cpu) / kCpu).toFixed(2)}x vs 1 thread (default threads: ${(median(skDefault.cpu) / kCpu).toFixed(2)}x, CPU summed over its threads)`);
  console.log(`  end to end: ${(median(skDefault.e2e) / kE2e).toFixed(2)}x vs default threads, ${(median(skOne.e2e) / kE2e).toFixed(2)}x vs 1 thread`);
  console.log(`  (python import of numpy + scikit-learn: ${skDefault.importSeconds.toFixed(3)} s of its end-to-end time)`);
}
