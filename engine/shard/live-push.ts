import type { NatsConnection } from '@nats-io/transport-node';
import type { DeviceView } from '../../actors/device-view.ts';
import { pack, type TenantId } from '../model/index.ts';
import { liveBatchSubject } from '../nats/subjects.ts';

/** Where live views come from: a shard's partitions (partition-runner.ts). */
export interface LiveViewSource {
  takeLiveViews(into: Map<TenantId, DeviceView[]>): void;
}

/**
 * Sends the live views that changed in all of a shard's partitions, one core
 * NATS message per tenant (`fleet.live.<tenant>.<source>`). Per shard, not
 * per partition: at 20,000 devices over 64 partitions nearly every partition
 * had a change in every push, so each push was 64 small messages for
 * nats-server, the live hub and every other reader, instead of one or two.
 */
export function pushLiveViews(nc: NatsConnection, source: string, partitions: Iterable<LiveViewSource>): number {
  const byTenant = new Map<TenantId, DeviceView[]>();
  for (const p of partitions) p.takeLiveViews(byTenant);
  for (const [tenant, views] of byTenant) nc.publish(liveBatchSubject(tenant, source), pack({ views }));
  return byTenant.size;
}
