import type { DeviceId, TenantId } from './ids.ts';

/** Partition count used when the stream is first created; fixed for its lifetime. */
export const DEFAULT_PARTITIONS = 64;

/**
 * FNV-1a over "tenant/device": stable across processes, Node versions and
 * machines, so every node agrees which shard owns a device.
 */
export function partitionOf(tenant: TenantId, device: DeviceId, partitions: number): number {
  let h = 0x811c9dc5;
  const key = `${tenant}/${device}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % partitions;
}

/** Partitions owned by shard `shard` of `shards` (round-robin, deterministic). */
export function partitionsOfShard(shard: number, shards: number, partitions: number): number[] {
  const out: number[] = [];
  for (let p = shard; p < partitions; p += shards) out.push(p);
  return out;
}
