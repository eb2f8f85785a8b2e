import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { client, exited, spawnServer, tempDir, vectors } from './helpers.js';
import { readWal } from '../../src/server/wal.js';
import { loadIndex } from '../../src/index/persist.js';

// Crash safety: clients upsert with wait=true while the server is killed with SIGKILL at
// random moments (snapshots every 100 ms, so some kills land inside a snapshot). After every
// restart each acknowledged point must be there with its exact vector and payload, and search
// must find it. Bounded: ROUNDS rounds of at most ~1 s of writes each.

const ROUNDS = 6, D = 16, WRITERS = 4, BATCH = 16;

test('SIGKILL mid-stream loses no acknowledged write', { timeout: 240_000 }, async () => {
  const t = tempDir();
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  /** id -> the acknowledged vector and payload (the latest acknowledged write of that id). */
  const acked = new Map<number, { vector: number[]; payload: Record<string, unknown> }>();
  /** ids with a write in flight when the server died: either version may have survived. */
  const maybe = new Map<number, { vector: number[]; payload: Record<string, unknown> }[]>();
  let nextId = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const { child, url, stderr } = await spawnServer(['--data', t.dir, '--port', '0', '--snapshot-interval', '100', '--log', 'warn']);
      const c = client(url);
      try {
        if (round === 0) await c.createCollection('crash', { vectors: { size: D, distance: 'Euclid' }, hnsw_config: { m: 8, ef_construct: 32 } });
        // everything acknowledged before is intact
        await verify(c, acked, maybe);
        await settle(c, acked, maybe);
        let dead = false;
        const writer = async (w: number) => {
          for (let b = 0; b < 10_000 && !dead; b++) {
            const ids: number[] = [];
            // fresh ids, plus now and then a rewrite of an acknowledged id
            for (let j = 0; j < BATCH; j++) ids.push(j === 0 && acked.size > 0 && rnd() < 0.5 ? [...acked.keys()][Math.floor(rnd() * acked.size)] : nextId++);
            const uniq = [...new Set(ids)].filter((id) => !maybe.has(id));
            const vs = vectors(uniq.length, D, 1 + round * 100_000 + w * 10_000 + b);
            const pts = uniq.map((id, j) => ({ id, vector: vs[j].map(Math.fround), payload: { id, round, w, b, text: `point ${id}` } }));
            for (const p of pts) maybe.set(p.id, [...(acked.has(p.id) ? [acked.get(p.id)!] : []), p]);
            try {
              const r = await c.upsert('crash', { wait: true, points: pts });
              assert.equal(r.status, 'completed');
              for (const p of pts) { acked.set(p.id, { vector: p.vector, payload: p.payload }); maybe.delete(p.id); }
            } catch {
              return; // the server died with this batch in flight
            }
          }
        };
        const running = Array.from({ length: WRITERS }, (_, w) => writer(w));
        await new Promise((r) => setTimeout(r, 150 + rnd() * 700));
        dead = true;
        child.kill('SIGKILL');
        await exited(child);
        await Promise.all(running);
      } catch (e) {
        child.kill('SIGKILL');
        throw new Error(`round ${round}: ${(e as Error).message}\nserver stderr: ${stderr()}`);
      }
    }
    assert.ok(acked.size > ROUNDS * BATCH, `only ${acked.size} points were acknowledged`);
    // a last clean run: verify, then SIGTERM (drain, flush, final snapshot), and check the files
    const { child, url } = await spawnServer(['--data', t.dir, '--port', '0', '--snapshot-interval', '0']);
    await verify(client(url), acked, maybe);
    child.kill('SIGTERM');
    assert.equal(await exited(child), 0);
    const dir = `${t.dir}/collections/crash`;
    const files = readdirSync(dir);
    assert.deepEqual(files.filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
    const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as { segment: { index: string; seq: number } };
    assert.deepEqual(files.filter((f) => f.startsWith('segment-')).sort(), [manifest.segment.index, manifest.segment.index.replace('.idx', '.pts')].sort(), 'only the segment in force');
    const idx = await loadIndex(`${dir}/${manifest.segment.index}`);
    assert.ok(idx.size >= acked.size);
    const wal = readWal(`${dir}/wal.log`, { truncate: false });
    assert.equal(wal.tornBytes, 0);
    assert.equal(wal.records.length, 0, 'the final snapshot truncated the log');
  } finally {
    t.remove();
  }
});

async function verify(c: ReturnType<typeof client>, acked: Map<number, { vector: number[]; payload: Record<string, unknown> }>, maybe: Map<number, { vector: number[]; payload: Record<string, unknown> }[]>): Promise<void> {
  const ids = [...acked.keys()];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const got = await c.retrieve('crash', { ids: chunk, with_payload: true, with_vector: true });
    assert.equal(got.length, chunk.length, `${chunk.length - got.length} acknowledged points missing`);
    for (const p of got) {
      const id = p.id as number;
      const options = [acked.get(id)!, ...(maybe.get(id) ?? [])];
      const ok = options.some((o) => JSON.stringify(o.payload) === JSON.stringify(p.payload) && o.vector.every((x, j) => x === (p.vector as number[])[j]));
      assert.ok(ok, `point ${id}: vector or payload differs from the acknowledged write: got ${JSON.stringify(p.payload)} ${JSON.stringify((p.vector as number[]).slice(0, 2))}, expected one of ${JSON.stringify(options.map((o) => [o.payload, o.vector.slice(0, 2)]))}`);
    }
  }
  // search finds points by their own vector: the exact scan always (distance 0); the HNSW walk
  // is approximate, so it must find at least 90 % of them in its top 5
  let sampled = 0, found = 0;
  for (const id of ids.filter((_, i) => i % Math.max(1, Math.floor(ids.length / 20)) === 0)) {
    if (maybe.has(id)) continue;
    const v = acked.get(id)!.vector;
    const exact = await c.search('crash', { vector: v, limit: 1, params: { exact: true } });
    assert.equal(exact[0].id, id);
    assert.equal(exact[0].score, 0);
    const approx = await c.search('crash', { vector: v, limit: 5, params: { hnsw_ef: 128 } });
    sampled++;
    if (approx.some((h) => h.id === id)) found++;
  }
  assert.ok(found >= 0.9 * sampled, `HNSW found ${found} of ${sampled} points by their own vector`);
  const count = (await c.count('crash')).count;
  assert.ok(count >= acked.size && count <= acked.size + [...maybe.values()].length, `count ${count} vs ${acked.size} acknowledged`);
}

/**
 * Writes that were in flight at the kill may or may not have survived; after the restart the
 * server's answer is what later rounds must keep, so it becomes the expected state.
 */
async function settle(c: ReturnType<typeof client>, acked: Map<number, { vector: number[]; payload: Record<string, unknown> }>, maybe: Map<number, { vector: number[]; payload: Record<string, unknown> }[]>): Promise<void> {
  const ids = [...maybe.keys()];
  if (ids.length) {
    const got = await c.retrieve('crash', { ids, with_payload: true, with_vector: true });
    for (const p of got) {
      const id = p.id as number;
      const o = maybe.get(id)!.find((x) => JSON.stringify(x.payload) === JSON.stringify(p.payload) && x.vector.every((v, j) => v === (p.vector as number[])[j]));
      assert.ok(o, `point ${id} matches no write ever sent`);
      acked.set(id, o);
    }
  }
  maybe.clear();
}
