import type { KV } from '@nats-io/kv';
import { z } from 'zod';
import type { DeviceId, Protocol, TenantId } from '../model/index.ts';

/**
 * The device registry (NATS KV `fleet_registry`, key `<tenant>.<device>`): who
 * may send, and each device's settings. In `strict` mode an unknown device is
 * refused at the adapter; in `auto` mode its first connection registers it.
 * Admissions are cached per process: a device reconnecting costs no KV read.
 */

export const RegistryModeSchema = z.enum(['auto', 'strict']);
export type RegistryMode = z.infer<typeof RegistryModeSchema>;

export const DeviceRegistrationSchema = z.object({
  tenantId: z.string(),
  deviceId: z.string(),
  protocol: z.string().optional(),
  registeredAt: z.string(),
  /** Domain settings (speed limit, temperature range...) live beside the registration. */
  settings: z.record(z.string(), z.unknown()).default({}),
});
export type DeviceRegistration = z.infer<typeof DeviceRegistrationSchema>;

export type Admission = { admitted: true } | { admitted: false; reason: string };

/** What an adapter needs from the registry: may this device send? */
export interface DeviceAdmission {
  admit(tenant: TenantId, device: DeviceId, protocol: Protocol): Promise<Admission>;
}

const registryKey = (tenant: string, device: string) => `${tenant}.${device}`;

export class DeviceRegistry implements DeviceAdmission {
  private readonly admitted = new Set<string>();

  constructor(
    private readonly kv: KV,
    private readonly mode: RegistryMode,
    private readonly now: () => number = Date.now,
  ) {}

  async get(tenant: TenantId, device: DeviceId): Promise<DeviceRegistration | undefined> {
    const e = await this.kv.get(registryKey(tenant, device));
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return undefined;
    const parsed = DeviceRegistrationSchema.safeParse(e.json());
    return parsed.success ? parsed.data : undefined;
  }

  async put(reg: DeviceRegistration): Promise<void> {
    await this.kv.put(registryKey(reg.tenantId, reg.deviceId), JSON.stringify(reg));
  }

  async register(tenant: TenantId, device: DeviceId, protocol?: Protocol): Promise<DeviceRegistration> {
    return (await this.get(tenant, device)) ?? this.create(tenant, device, protocol);
  }

  private async create(tenant: TenantId, device: DeviceId, protocol?: Protocol): Promise<DeviceRegistration> {
    const reg: DeviceRegistration = {
      tenantId: tenant,
      deviceId: device,
      ...(protocol ? { protocol } : {}),
      registeredAt: new Date(this.now()).toISOString(),
      settings: {},
    };
    // create() fails if another node registered it first; either way it is registered.
    await this.kv.create(registryKey(tenant, device), JSON.stringify(reg)).catch(() => undefined);
    return reg;
  }

  async admit(tenant: TenantId, device: DeviceId, protocol: Protocol): Promise<Admission> {
    const key = registryKey(tenant, device);
    if (this.admitted.has(key)) return { admitted: true };
    const reg = await this.get(tenant, device);
    if (!reg) {
      if (this.mode === 'strict') return { admitted: false, reason: `device ${device} is not registered (registry is in strict mode)` };
      // Just read: no second lookup before creating it.
      await this.create(tenant, device, protocol);
    }
    this.admitted.add(key);
    return { admitted: true };
  }
}
