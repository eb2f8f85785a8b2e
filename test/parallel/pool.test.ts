import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WorkerPool, taskUrl, sharedArray, toShared, defaultThreads } from '../../src/parallel/index.js';

const TASK = taskUrl(import.meta.url, './fixtures/sum-task');

test('WorkerPool runs task functions on worker threads over shared memory', async () => {
  const pool = new WorkerPool(2);
  try {
    const data = toShared(Float64Array.from({ length: 1000 }, (_, i) => i));
    assert.ok(data.buffer instanceof SharedArrayBuffer);
    const out = sharedArray(Float64Array, 10);
    const replies = await Promise.all(Array.from({ length: 10 }, (_, slot) =>
      pool.run<{ thread: number }>(TASK, 'sum', { data, out, slot, from: slot * 100, to: slot * 100 + 100 })));
    for (let s = 0; s < 10; s++) assert.equal(out[s], (s * 100 + s * 100 + 99) * 50);
    const threads = new Set(replies.map((r) => r.thread));
    assert.ok(threads.size >= 1 && threads.size <= 2, `at most 2 worker threads (${[...threads]})`);
    assert.ok(!threads.has(0), 'not the main thread');
  } finally {
    await pool.close();
  }
});

test('errors thrown by a task reject its promise with the name and message', async () => {
  const pool = new WorkerPool(1);
  try {
    await assert.rejects(pool.run(TASK, 'fail', { message: 'bad thing' }), (e: Error) => e.name === 'RangeError' && e.message === 'bad thing');
    await assert.rejects(pool.run(TASK, 'missing', {}), /no exported function missing/);
    // the pool still works afterwards
    const out = sharedArray(Float64Array, 1);
    await pool.run(TASK, 'sum', { data: toShared(new Float64Array([1, 2])), out, slot: 0, from: 0, to: 2 });
    assert.equal(out[0], 3);
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.run(TASK, 'sum', {}), /closed/);
});

test('taskUrl keeps the caller extension; defaultThreads >= 1', () => {
  assert.equal(taskUrl('file:///a/b/c.ts', './d'), 'file:///a/b/d.ts');
  assert.equal(taskUrl('file:///a/b/c.js', '../e'), 'file:///a/e.js');
  assert.ok(defaultThreads() >= 1);
});

test('an idle pool does not keep the process alive (no close() needed)', () => {
  const pool = fileURLToPath(new URL('../../src/parallel/index.ts', import.meta.url));
  const code = `import { sharedPool, taskUrl, sharedArray, toShared } from ${JSON.stringify(pool)};
    const out = sharedArray(Float64Array, 1);
    await sharedPool(2).run(${JSON.stringify(TASK)}, 'sum', { data: toShared(new Float64Array([4, 5])), out, slot: 0, from: 0, to: 2 });
    console.log('sum', out[0]);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /sum 9/);
});

test('retire() lets running tasks finish, then refuses new ones; close() rejects running ones', async () => {
  const pool = new WorkerPool(1);
  const out = sharedArray(Float64Array, 1);
  const running = pool.run(TASK, 'sum', { data: toShared(new Float64Array([2, 3])), out, slot: 0, from: 0, to: 2 });
  pool.retire();
  await running;
  assert.equal(out[0], 5);
  await assert.rejects(pool.run(TASK, 'sum', {}), /closed/);
  const other = new WorkerPool(1);
  const slow = assert.rejects(other.run(TASK, 'fail', { message: 'never reported' }), /closed|never reported/);
  await other.close();
  await slow;
});
