import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT, type DeviceId } from '../model/index.ts';
import { SnapshotStore } from '../shard/snapshot-store.ts';
import { connectNats } from './connect.ts';
import { startTestTopology, type TestTopology } from '../testing/nats-server.ts';
import { PipelinedPublishError, PipelinedPublisher } from './pipelined-publish.ts';

let t: TestTopology;
beforeAll(async () => {
  t = await startTestTopology(1);
  // A stream that refuses what it is sent: JetStream answers with an error, not an acknowledgement.
  await t.jsm.streams.add({ name: 'TINY', subjects: ['tiny.>'], storage: StorageType.Memory, retention: RetentionPolicy.Limits, max_msg_size: 16 });
});
afterAll(() => t?.close());

const failureOf = (p: Promise<unknown>) => p.then(() => undefined, (err: unknown) => err);

describe('pipelined JetStream publishes', () => {
  it('settles each snapshot write by its own acknowledgement, and every write reads back as the bucket stores it', async () => {
    const writes = new PipelinedPublisher(t.nc);
    const store = new SnapshotStore(t.topology.snapshots, writes);
    const bytes = (i: number, round: number) => new Uint8Array(600 + (i % 50)).fill((i * 7 + round) & 0xff);
    // Two rounds on the same keys, all in flight at once: the second is what stays.
    const puts: Promise<void>[] = [];
    for (let round = 0; round < 2; round++) for (let i = 0; i < 300; i++) puts.push(store.put(DEFAULT_TENANT, `pipe-${i}` as DeviceId, bytes(i, round)));
    await Promise.all(puts);
    expect(writes.pending).toBe(0);
    for (const i of [0, 1, 149, 299]) {
      const e = await t.topology.snapshots.get(SnapshotStore.key(DEFAULT_TENANT, `pipe-${i}` as DeviceId));
      expect(new Uint8Array(e!.value)).toEqual(bytes(i, 1));
    }
    writes.close();
  });

  it('fails a publish no stream takes at once (503), and one JetStream refuses with its reason', async () => {
    const writes = new PipelinedPublisher(t.nc, 30_000);
    const started = Date.now();
    const nobody = await failureOf(writes.publish('nobody.listens', new Uint8Array([1])));
    expect(nobody).toBeInstanceOf(PipelinedPublishError);
    expect((nobody as PipelinedPublishError).reason).toBe('no-stream');
    const tooBig = await failureOf(writes.publish('tiny.one', new Uint8Array(100)));
    expect((tooBig as PipelinedPublishError).reason).toBe('rejected');
    expect(String(tooBig)).toMatch(/size|maximum/i);
    // Neither waited for the 30 s timeout; and what fits is stored.
    expect(Date.now() - started).toBeLessThan(10_000);
    await writes.publish('tiny.one', new Uint8Array(4));
    expect((await t.jsm.streams.info('TINY')).state.messages).toBe(1);
    writes.close();
  });

  it('fails what is not acknowledged within the timeout, and what waits when it is closed', async () => {
    // A connection of its own, its server gone: publishes wait in the client's reconnect buffer, unanswered.
    const nc = await connectNats(t.nats.url, 'test-pipelined-timeout');
    const writes = new PipelinedPublisher(nc, 300);
    await t.nats.stop();
    try {
      const lost = await failureOf(writes.publish('tiny.late', new Uint8Array(1)));
      expect((lost as PipelinedPublishError).reason).toBe('timeout');
      expect(writes.pending).toBe(0);
      const waiting = failureOf(writes.publish('tiny.late', new Uint8Array(1)));
      expect(writes.pending).toBe(1);
      writes.close();
      expect(((await waiting) as PipelinedPublishError).reason).toBe('closed');
      expect((await failureOf(writes.publish('tiny.late', new Uint8Array(1))) as PipelinedPublishError).reason).toBe('closed');
    } finally {
      await t.nats.start();
      await nc.close();
    }
  });
});
