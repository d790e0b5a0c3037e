import type { NatsConnection } from '@nats-io/transport-node';
import type { DeviceView } from '../actors/device-view.ts';
import { pack, partitionOf, unpack, type DeviceId, type TenantId } from '../engine/model/index.ts';
import { driverQuerySubject, querySubject } from '../engine/nats/subjects.ts';
import type { DriverView } from '../engine/drivers/driver-runner.ts';
import { driverToken } from '../engine/drivers/driver-sample.ts';

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

/** Asks the shard that owns a driver's partition for the live EU 561 counters. */
export class DriverStateClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly partitions: number,
    private readonly timeoutMs = 3000,
  ) {}

  async get(tenant: TenantId, driverId: string): Promise<DriverView | undefined> {
    const token = driverToken(driverId);
    const subject = driverQuerySubject(partitionOf(tenant, token as DeviceId, this.partitions), tenant, token);
    try {
      const reply = await this.nc.request(subject, pack({ driverId }), { timeout: this.timeoutMs });
      const body = unpack(reply.data) as { found: boolean; view?: DriverView };
      return body.found ? body.view : undefined;
    } catch (err) {
      throw new ShardUnavailableError(`the shard owning driver ${driverId} did not answer: ${(err as Error).message}`, { cause: err });
    }
  }
}
