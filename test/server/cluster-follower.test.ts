// A cluster follower whose next records were purged (sealed into segments) while the stream then
// stays idle (issue 18): no message ever arrives, so no gap shows; the follower must notice from
// the stream's first sequence and load the manifest's segments. Seen as a 503 after a 30 s read
// wait in the 50,000-point kill test (a node attached a collection while its sealer purged it).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { Collection } from '../../src/server/collection.js';
import { ShardState } from '../../src/server/cluster/shard.js';
import { ShardFollower } from '../../src/server/cluster/follower.js';
import { encodeChange } from '../../src/server/cluster/codec.js';
import { natsSkipReason, randomRows, startNatsCluster, until, type NatsCluster } from './cluster-helpers.js';

const skip = natsSkipReason();
let nats: NatsCluster | null = null;
after(async () => { await nats?.stop(); });

test('follower: records purged under it on an idle stream are loaded from the segments, not waited for', { skip: skip ?? false, timeout: 120_000 }, async () => {
  nats = await startNatsCluster(1);
  const nc = await connect({ servers: nats.urls, timeout: 5_000 });
  const D = 4;
  const make = () => Collection.makeIndex({ family: 'brute', familyOptions: {}, size: D, distance: 'Euclid' } as never);
  let follower: ShardFollower | null = null;
  try {
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const js = jetstream(nc, { timeout: 5_000 });
    await jsm.streams.add({ name: 'F', subjects: ['f'], storage: StorageType.Memory, num_replicas: 1 });
    // 4 upserts and a seal mark; a sealer (here: `sealed`) holds them as one segment; the stream is purged to its end
    const sealed = new ShardState(0, make, D);
    const rows = randomRows(40, D, 3);
    for (let b = 0; b < 5; b++) {
      const data = b < 4
        ? encodeChange({ op: 'upsert', keys: rows.slice(b * 10, b * 10 + 10).map((_, j) => String(b * 10 + j)), payloads: [], vectors: Float32Array.from(rows.slice(b * 10, b * 10 + 10).flat()) })
        : encodeChange({ op: 'seal' });
      await js.publish('f', data);
    }
    const { decodeChange } = await import('../../src/server/cluster/codec.js');
    const c = await jsm.consumers.add('F', { ack_policy: 'none' as never, mem_storage: true });
    const msgs = await js.consumers.get('F', c.name).then((x) => x.fetch({ max_messages: 5, expires: 2_000 }));
    for await (const m of msgs) sealed.apply(decodeChange(m.data, 'F'), m.seq);
    assert.equal(sealed.sealed.length, 1);
    await jsm.streams.purge('F', { seq: 6 });
    assert.equal((await jsm.streams.info('F')).state.first_seq, 6);

    // the follower's first manifest read finds nothing (the seal was not published yet), the next one does
    const shard = new ShardState(0, make, D);
    let calls = 0;
    const recover = async () => {
      if (calls++ === 0) return false;
      shard.loadSegments(sealed.sealed.map((g) => g.data('f', 0)), 5);
      return true;
    };
    follower = new ShardFollower(js, jsm, 'F', shard, () => undefined, recover);
    follower.start();
    await until(() => shard.applied === 5, 20_000, 'the follower to load the segments of the purged records');
    assert.equal(shard.size, 40);
    // and then follows new records normally
    await js.publish('f', encodeChange({ op: 'delete', keys: ['7'] }));
    await until(() => shard.applied === 6, 10_000, 'the next record');
    assert.equal(shard.size, 39);
  } finally {
    await follower?.stop();
    await nc.close();
  }
});
