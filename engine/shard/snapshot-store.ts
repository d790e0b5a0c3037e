import { Bucket, type KV } from '@nats-io/kv';
import type { Snapshot } from 'xstate';
import { POSITION_STRIDE, pack, unpack, type DeviceId, type TenantId } from '../model/index.ts';
import type { PipelinedPublisher } from '../nats/pipelined-publish.ts';

/**
 * Actor snapshots in the NATS KV bucket `fleet_snapshots`, msgpack-encoded,
 * keyed `<tenant>.<device>`, each with the FLEET_IN position (stream sequence
 * and index in its batch, engine/model/record-batch.ts) of the last record it
 * reflects: on replay, records at or below it are already inside.
 */

export interface StoredSnapshot {
  /** Position of the last record applied (positionOf(streamSeq, index)). */
  pos: number;
  snapshot: Snapshot<unknown>;
}

export class SnapshotStore {
  /**
   * `writes`: puts go through it (one reply inbox, no request each:
   * nats/pipelined-publish.ts) to the subject the bucket itself would put
   * on; without one, or for a KV that is not the library's Bucket, kv.put.
   */
  constructor(
    private readonly kv: KV,
    private readonly writes?: PipelinedPublisher,
  ) {}

  static key(tenant: TenantId, device: DeviceId): string {
    return `${tenant}.${device}`;
  }

  async load(tenant: TenantId, device: DeviceId): Promise<StoredSnapshot | undefined> {
    const e = await this.kv.get(SnapshotStore.key(tenant, device));
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
    const v = unpack(e.value) as Partial<StoredSnapshot> & { seq?: unknown };
    if (!v.snapshot) return undefined;
    if (typeof v.pos === 'number') return { pos: v.pos, snapshot: v.snapshot };
    // Written before batches: `seq` was the stream sequence of a one-record message.
    if (typeof v.seq === 'number') return { pos: v.seq * POSITION_STRIDE + (POSITION_STRIDE - 1), snapshot: v.snapshot };
    return undefined;
  }

  /** Encoded at once, written later: what is written is the actor as it was when it was encoded. */
  static encode(stored: StoredSnapshot): Uint8Array {
    return pack(stored);
  }

  async put(tenant: TenantId, device: DeviceId, encoded: Uint8Array): Promise<void> {
    const key = SnapshotStore.key(tenant, device);
    if (this.writes && this.kv instanceof Bucket) {
      const ek = this.kv.encodeKey(key);
      this.kv.validateKey(ek);
      await this.writes.publish(this.kv.subjectForKey(ek, true), this.kv.codec.value.encode(encoded));
      return;
    }
    await this.kv.put(key, encoded);
  }

  async save(tenant: TenantId, device: DeviceId, stored: StoredSnapshot): Promise<void> {
    await this.put(tenant, device, SnapshotStore.encode(stored));
  }
}
