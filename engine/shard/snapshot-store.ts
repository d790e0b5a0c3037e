import type { KV } from '@nats-io/kv';
import type { Snapshot } from 'xstate';
import { pack, unpack, type DeviceId, type TenantId } from '../model/index.ts';

/** Actor snapshots in the NATS KV bucket, msgpack-encoded, keyed `<tenant>.<device>`. */
export class SnapshotStore {
  constructor(private readonly kv: KV) {}

  static key(tenant: TenantId, device: DeviceId): string {
    return `${tenant}.${device}`;
  }

  async load(tenant: TenantId, device: DeviceId): Promise<Snapshot<unknown> | undefined> {
    const e = await this.kv.get(SnapshotStore.key(tenant, device));
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
    return unpack(e.value) as Snapshot<unknown>;
  }

  async save(tenant: TenantId, device: DeviceId, snapshot: Snapshot<unknown>): Promise<void> {
    await this.kv.put(SnapshotStore.key(tenant, device), pack(snapshot));
  }
}
