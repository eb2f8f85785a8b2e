import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from '../../src/cli/progress.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => { writes.push(s); return true; } }, writes };
}

test('progress stays silent when stderr is not a terminal', () => {
  let t = 0;
  const s = sink(false);
  const p = new Progress('evaluate', 10, { stream: s.stream, now: () => t });
  for (let i = 1; i <= 10; i++) { t += 500; p.update(i, 'folds'); }
  p.done();
  assert.equal(p.enabled, false);
  assert.deepEqual(s.writes, []);
});

test('progress stays silent during the first second, then rewrites one line and erases it', () => {
  let t = 0;
  const s = sink(true);
  const p = new Progress('evaluate x.csv', 10, { stream: s.stream, now: () => t });
  t = 400; p.update(1, 'folds');
  t = 900; p.update(2, 'folds');
  assert.deepEqual(s.writes, [], 'nothing before 1 s');
  t = 1200; p.update(3, 'folds');
  t = 1250; p.update(4, 'folds'); // throttled (< 100 ms since the last line)
  t = 2000; p.update(10, 'folds');
  assert.equal(s.writes.length, 2);
  assert.match(s.writes[0], /^\revaluate x\.csv: 3\/10 folds \(1\.2 s\)/);
  assert.match(s.writes[1], /^\revaluate x\.csv: 10\/10 folds \(2\.0 s\)/);
  assert.ok((s.writes as string[]).every((w) => !w.includes('\n')), 'never a newline: the line is rewritten in place');
  p.done();
  assert.match(s.writes[2], /^\r +\r$/);
});

test('a quick run on a terminal prints nothing', () => {
  let t = 0;
  const s = sink(true);
  const p = new Progress('predict', 3, { stream: s.stream, now: () => t });
  for (let i = 1; i <= 3; i++) { t += 100; p.update(i); }
  p.done();
  assert.deepEqual(s.writes, []);
});
