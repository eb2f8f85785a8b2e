import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress } from '../../src/cli/progress.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (s: string) => { writes.push(s); return true; } }, writes };
}

test('without a terminal: one plain line every 5 s with count, percentage, rate and ETA', () => {
  let t = 0;
  const s = sink(false);
  const p = new Progress('knnkit search', 0, { stream: s.stream, now: () => t });
  for (let i = 1; i <= 100; i++) { t = i * 200; p.report({ phase: 'hnsw insert', done: i * 1000, total: 100_000 }); }
  p.done();
  assert.equal(p.mode, 'lines');
  // 20 s of events: lines at 5, 10, 15, 20 s
  assert.equal(s.writes.length, 4, s.writes.join(''));
  assert.equal(s.writes[0], 'knnkit search: hnsw insert 25,000/100,000 (25 %), 5,000/s, ETA 15 s, 5.0 s elapsed\n');
  assert.match(s.writes[3], /^knnkit search: hnsw insert 100,000\/100,000 \(100 %\), 5,000\/s, 20 s elapsed\n$/);
});

test('--quiet writes nothing, on a terminal or not', () => {
  for (const tty of [true, false]) {
    let t = 0;
    const s = sink(tty);
    const p = new Progress('knnkit evaluate', 10, { stream: s.stream, now: () => t, quiet: true });
    for (let i = 1; i <= 10; i++) { t += 2000; p.update(i, 'folds'); }
    p.done();
    assert.equal(p.enabled, false);
    assert.deepEqual(s.writes, []);
  }
});

test('on a terminal: a cli-progress bar with rate and ETA, a new bar per phase, erased at the end', () => {
  let t = 0;
  const s = sink(true);
  const p = new Progress('knnkit build', 0, { stream: s.stream, now: () => t });
  t = 500; p.report({ phase: 'read x.csv', done: 1e6, total: 4e6 });
  assert.deepEqual(s.writes, [], 'nothing before 1 s');
  t = 1500; p.report({ phase: 'read x.csv', done: 3e6, total: 4e6 });
  t = 2500; p.report({ phase: 'hnsw insert', done: 2000, total: 10_000 });
  p.done();
  const text = s.writes.join('');
  assert.match(text, /knnkit build: read x\.csv \[#+-+\] 75% 3\.0 MB\/4\.0 MB \| 2\.0 MB\/s \| ETA /);
  assert.match(text, /knnkit build: hnsw insert \[/);
  assert.ok(!text.includes('\n'), 'redrawn in place, no newline');
  assert.ok(text.endsWith('\x1B[2K'), 'the last bar is erased');
});

test('a quick run prints nothing', () => {
  for (const tty of [true, false]) {
    let t = 0;
    const s = sink(tty);
    const p = new Progress('knnkit predict', 3, { stream: s.stream, now: () => t });
    for (let i = 1; i <= 3; i++) { t += 100; p.update(i); }
    p.done();
    assert.deepEqual(s.writes, []);
  }
});
