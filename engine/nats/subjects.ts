import type { DeviceId, TenantId } from '../model/ids.ts';

/**
 * Every NATS subject Fleetline uses, in one place. Tenant is in every subject
 * so scoped credentials can later be granted per tenant with subject permissions.
 */

export const STREAM_IN = 'FLEET_IN';
export const STREAM_EVENTS = 'FLEET_EVENTS';
export const STREAM_DEAD_LETTERS = 'FLEET_DLQ';
/** The urgent lane: critical records (panic, crash) again, so their events go out ahead of any backlog. */
export const STREAM_URGENT = 'FLEET_URGENT';
/** Driver activity samples, partitioned by driver: a driver who changes vehicles stays in one place. */
export const STREAM_DRIVERS = 'FLEET_DRIVERS';

export const BUCKET_REGISTRY = 'fleet_registry';
export const BUCKET_SNAPSHOTS = 'fleet_snapshots';
export const BUCKET_DRIVERS = 'fleet_drivers';
export const BUCKET_GEOFENCES = 'fleet_geofences';
/** Where the partition consumers' ack floors are kept (engine/nats/ack-floors.ts). */
export const BUCKET_ACK_FLOORS = 'fleet_ack_floors';

/** Normalized records: partition first so a shard's consumer filters `fleet.in.<p>.>`. */
export const inSubject = (partition: number, tenant: TenantId, device: DeviceId) =>
  `fleet.in.${partition}.${tenant}.${device}`;
/** A batch of one partition's records of one tenant (engine/model/record-batch.ts): what adapters publish. */
export const inBatchSubject = (partition: number, tenant: TenantId) => `fleet.in.${partition}.${tenant}`;
export const inPartitionFilter = (partition: number) => `fleet.in.${partition}.>`;
export const urgentSubject = (partition: number, tenant: TenantId, device: DeviceId) => `fleet.urgent.${partition}.${tenant}.${device}`;
export const urgentPartitionFilter = (partition: number) => `fleet.urgent.${partition}.>`;

/**
 * Derived events at a fixed depth: `fleet.out.<tenant>.<kind>.<device>`, where
 * kind is the event type with dots as underscores (`trip.started` -> `trip_started`),
 * so `fleet.out.<tenant>.*.<device>` reliably matches all of one device's events.
 */
export const eventKindToken = (type: string) => type.replaceAll('.', '_');
export const EVENTS_ALL = 'fleet.out.>';
export const outSubject = (tenant: TenantId, type: string, device: DeviceId) =>
  `fleet.out.${tenant}.${eventKindToken(type)}.${device}`;

/** Live device state pushes (core NATS, not persisted): fan-out to WebSocket nodes. */
export const LIVE_ALL = 'fleet.live.>';
/**
 * Live views of one tenant's devices that changed since the last push, from
 * one shard (`source`): `{ views: DeviceView[] }`. Readers take the device
 * from each view, never from the subject.
 */
export const liveBatchSubject = (tenant: TenantId, source: string) => `fleet.live.${tenant}.${source}`;

/** Request/reply to the shard that owns a device, for its live state. */
export const querySubject = (partition: number, tenant: TenantId, device: DeviceId) =>
  `fleet.query.${partition}.${tenant}.${device}`;
export const queryPartitionFilter = (partition: number) => `fleet.query.${partition}.>`;

export const driverSubject = (partition: number, tenant: TenantId, driverToken: string) => `fleet.driver.${partition}.${tenant}.${driverToken}`;
export const driverPartitionFilter = (partition: number) => `fleet.driver.${partition}.>`;
export const driverQuerySubject = (partition: number, tenant: TenantId, driverToken: string) => `fleet.driverquery.${partition}.${tenant}.${driverToken}`;
export const driverQueryPartitionFilter = (partition: number) => `fleet.driverquery.${partition}.>`;

export const deadLetterSubject = (tenant: TenantId, device: DeviceId) => `fleet.dlq.${tenant}.${device}`;

/** Tokens 3 and 4 of `fleet.in.<p>.<tenant>.<device>` / `fleet.query.<p>.<tenant>.<device>`. */
export function parsePartitionedSubject(subject: string): { partition: number; tenant: string; device: string } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 5) return undefined;
  const partition = Number(parts[2]);
  if (!Number.isInteger(partition)) return undefined;
  return { partition, tenant: parts[3]!, device: parts[4]! };
}
