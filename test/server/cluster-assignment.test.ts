// Shard assignment (issue 18): rendezvous hashing of (collection, shard, node) over the live
// node ids, top R. In process, no NATS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicasOf } from '../../src/server/cluster/assignment.js';

test('assignment: R distinct live nodes per shard, the same on every node, balanced; a node leaving moves only its shards, one joining takes only shards it gains', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const shards = 400;
  const load = new Map<string, number>(ids.map((id) => [id, 0]));
  for (let s = 0; s < shards; s++) {
    const r = replicasOf('docs', s, ids, 2);
    assert.equal(r.length, 2);
    assert.equal(new Set(r).size, 2, 'distinct replicas');
    assert.deepEqual(replicasOf('docs', s, [...ids].reverse(), 2), r, 'independent of the order the live set is listed in');
    for (const id of r) load.set(id, load.get(id)! + 1);
  }
  // 800 replicas over 5 nodes: 160 each on average; rendezvous hashing keeps each within ~25 %
  for (const [id, n] of load) assert.ok(n > 120 && n < 200, `node ${id} holds ${n} of 800 replicas`);
  // e leaves: a shard keeps every surviving replica (only e's place is refilled)
  for (let s = 0; s < shards; s++) {
    const before = replicasOf('docs', s, ids, 2), after = replicasOf('docs', s, ids.slice(0, 4), 2);
    for (const id of before) if (id !== 'e') assert.ok(after.includes(id), `shard ${s}: ${id} kept`);
  }
  // f joins: a shard changes only by f taking a place
  for (let s = 0; s < shards; s++) {
    const before = replicasOf('docs', s, ids, 2), after = replicasOf('docs', s, [...ids, 'f'], 2);
    for (const id of after) if (id !== 'f') assert.ok(before.includes(id), `shard ${s}: ${id} was there`);
  }
  // R above the live count: every live node; other collections are spread independently
  assert.deepEqual(replicasOf('docs', 0, ['a', 'b'], 3).sort(), ['a', 'b']);
  const same = Array.from({ length: 50 }, (_, s) => replicasOf('docs', s, ids, 1)[0] === replicasOf('other', s, ids, 1)[0]).filter(Boolean).length;
  assert.ok(same < 25, `${same} of 50 shards placed alike in two collections`);
});
