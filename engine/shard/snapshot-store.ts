import type { KV } from '@nats-io/kv';
import type { Snapshot } from 'xstate';
import { pack, unpack, type DeviceId, type TenantId } from '../model/index.ts';

/**
 * Actor snapshots in the NATS KV bucket `fleet_snapshots`, msgpack-encoded,
 * keyed `<tenant>.<device>`, each with the FLEET_IN stream sequence of the last
 * record it reflects: on replay, records at or below it are already inside.
 */

export interface StoredSnapshot {
  /** Stream sequence of the last record applied. */
  seq: number;
  snapshot: Snapshot<unknown>;
}

export class SnapshotStore {
  constructor(private readonly kv: KV) {}

  static key(tenant: TenantId, device: DeviceId): string {
    return `${tenant}.${device}`;
  }

  async load(tenant: TenantId, device: DeviceId): Promise<StoredSnapshot | undefined> {
    const e = await this.kv.get(SnapshotStore.key(tenant, device));
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
    const v = unpack(e.value) as Partial<StoredSnapshot>;
    if (typeof v.seq !== 'number' || !v.snapshot) return undefined;
    return { seq: v.seq, snapshot: v.snapshot };
  }

  async save(tenant: TenantId, device: DeviceId, stored: StoredSnapshot): Promise<void> {
    await this.kv.put(SnapshotStore.key(tenant, device), pack(stored));
  }
}
