import type { NatsConnection } from '@nats-io/transport-node';
import type { DeviceView } from '../actors/device-view.ts';
import { pack, partitionOf, unpack, type DeviceId, type TenantId } from '../engine/model/index.ts';
import { querySubject } from '../engine/nats/subjects.ts';

export class ShardUnavailableError extends Error {
  override readonly name = 'ShardUnavailableError';
}

/**
 * Asks the shard that owns a device for its live state (request/reply over NATS),
 * so any API node answers for any device wherever its actor lives.
 */
export class DeviceStateClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly partitions: number,
    private readonly timeoutMs = 3000,
  ) {}

  async get(tenant: TenantId, device: DeviceId): Promise<DeviceView | undefined> {
    const subject = querySubject(partitionOf(tenant, device, this.partitions), tenant, device);
    try {
      const reply = await this.nc.request(subject, pack({}), { timeout: this.timeoutMs });
      const body = unpack(reply.data) as { found: boolean; view?: DeviceView };
      return body.found ? body.view : undefined;
    } catch (err) {
      throw new ShardUnavailableError(`the shard owning device ${device} did not answer: ${(err as Error).message}`, { cause: err });
    }
  }
}
