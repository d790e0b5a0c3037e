import { KvWatchInclude, type KV } from '@nats-io/kv';
import type { Logger } from '../log.ts';
import type { DeviceId, TenantId } from '../model/index.ts';
import { DeviceRegistrationSchema } from './device-registry.ts';

/**
 * Per-device settings (registry KV) and per-tenant geofences (geofence KV) as
 * a shard sees them: read when an actor wakes, and pushed to live actors the
 * moment an operator changes them (KV watches), so no restart is needed.
 */

export interface SettingsListener {
  /** A device's settings changed. */
  deviceSettings(tenant: TenantId, device: DeviceId, settings: Record<string, unknown>): void;
  /** A tenant's geofence list changed. */
  tenantGeofences(tenant: TenantId, geofences: unknown[]): void;
}

export const geofenceKey = (tenant: string, id: string) => `${tenant}.${id}`;

export class SettingsSource {
  /** Geofences per tenant, kept whole in memory: they are shared by every device of the tenant. */
  private readonly fences = new Map<string, Map<string, unknown>>();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly registry: KV,
    private readonly geofences: KV,
    private readonly log: Logger,
  ) {}

  /** Follows both buckets, then loads the current geofences (watch first, so no change is missed in between). */
  async start(listener: SettingsListener): Promise<void> {
    const fenceWatch = await this.geofences.watch({ key: '>', include: KvWatchInclude.UpdatesOnly });
    this.stops.push(() => fenceWatch.stop());
    void (async () => {
      for await (const e of fenceWatch) {
        const tenant = this.applyFence(e.key, e.operation === 'PUT' ? safeJson(e.value) : undefined);
        if (tenant) listener.tenantGeofences(tenant as TenantId, this.geofencesOf(tenant as TenantId));
      }
    })();
    for await (const key of await this.geofences.keys()) {
      const e = await this.geofences.get(key);
      if (e?.operation === 'PUT') this.applyFence(key, safeJson(e.value));
    }

    const regWatch = await this.registry.watch({ key: '>', include: KvWatchInclude.UpdatesOnly });
    this.stops.push(() => regWatch.stop());
    void (async () => {
      for await (const e of regWatch) {
        if (e.operation !== 'PUT') continue;
        const reg = DeviceRegistrationSchema.safeParse(safeJson(e.value));
        if (!reg.success) continue;
        listener.deviceSettings(reg.data.tenantId as TenantId, reg.data.deviceId as DeviceId, reg.data.settings);
      }
    })();
  }

  private applyFence(key: string, value: unknown): string | undefined {
    const dot = key.indexOf('.');
    if (dot <= 0) return undefined;
    const tenant = key.slice(0, dot);
    const id = key.slice(dot + 1);
    let m = this.fences.get(tenant);
    if (!m) {
      m = new Map();
      this.fences.set(tenant, m);
    }
    if (value === undefined) m.delete(id);
    else m.set(id, value);
    return tenant;
  }

  geofencesOf(tenant: TenantId): unknown[] {
    return [...(this.fences.get(tenant)?.values() ?? [])];
  }

  async settingsOf(tenant: TenantId, device: DeviceId): Promise<Record<string, unknown>> {
    try {
      const e = await this.registry.get(`${tenant}.${device}`);
      if (!e || e.operation !== 'PUT' || e.value.length === 0) return {};
      const reg = DeviceRegistrationSchema.safeParse(safeJson(e.value));
      return reg.success ? reg.data.settings : {};
    } catch (err) {
      this.log.warn({ deviceId: device, err: String(err) }, 'registry unreadable; device runs on default settings for now');
      return {};
    }
  }

  stop(): void {
    for (const s of this.stops) s();
  }
}

function safeJson(v: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(v));
  } catch {
    return undefined;
  }
}
