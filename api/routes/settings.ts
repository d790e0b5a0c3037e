import type { KV } from '@nats-io/kv';
import { DeviceSettingsError, DeviceSettingsSchema, GeofenceSchema, parseDeviceSettings } from '../../actors/device-settings.ts';
import { json, type Reply } from '../../engine/http/uws.ts';
import { isValidIdToken, type DeviceId, type TenantId } from '../../engine/model/index.ts';
import type { DeviceRegistry } from '../../engine/registry/device-registry.ts';
import { geofenceKey } from '../../engine/registry/settings-source.ts';
import type { Principal } from '../auth.ts';
import { badDeviceId } from './devices.ts';

/**
 * Device settings and geofences, stored in NATS KV; the shards watch the
 * buckets, so a change reaches the live actors without a restart.
 */

const SettingsPatchSchema = DeviceSettingsSchema.partial().strict();

function parseBody(body: Buffer): { ok: true; value: object } | { ok: false; reply: Reply } {
  const refuse = { ok: false as const, reply: json(400, { error: 'body must be a JSON object' }) };
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ok: true, value: v } : refuse;
  } catch {
    return refuse;
  }
}


/** PATCH /v1/devices/{id}: merge the given settings into the device's registration (creating it: pre-provisioning). */
export async function patchDevice(p: Principal, id: string, body: Buffer, registry: DeviceRegistry): Promise<Reply> {
  if (!p.admin) return json(403, { error: 'changing settings needs the admin key' });
  const bad = badDeviceId(id);
  if (bad) return bad;
  const parsed = parseBody(body);
  if (!parsed.ok) return parsed.reply;
  const raw = parsed.value;
  const patch = SettingsPatchSchema.safeParse(raw);
  if (!patch.success) {
    const i = patch.error.issues[0]!;
    return json(400, { error: `${i.path.join('.') || 'body'}: ${i.message}` });
  }
  const tenant = p.tenantId as TenantId;
  const reg = (await registry.get(tenant, id as DeviceId)) ?? (await registry.register(tenant, id as DeviceId));
  // Only what the caller sent is stored: defaults stay defaults when they change in a later release.
  const given = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([k]) => k in patch.data));
  const merged = { ...reg.settings, ...given };
  try {
    parseDeviceSettings(merged);
  } catch (err) {
    if (err instanceof DeviceSettingsError) return json(400, { error: err.message });
    throw err;
  }
  await registry.put({ ...reg, settings: merged });
  return json(200, { id, settings: merged });
}

/** PUT /v1/geofences/{id}: `{ name, circle: {lat, lon, radiusM} }` or `{ name, polygon: [[lat, lon], ...], speedLimitKmh? }`. */
export async function putGeofence(p: Principal, id: string, body: Buffer, geofences: KV): Promise<Reply> {
  if (!p.admin) return json(403, { error: 'changing geofences needs the admin key' });
  if (!isValidIdToken(id)) return json(400, { error: 'geofence id must be 1-64 characters of A-Z a-z 0-9 _ -' });
  const parsed = parseBody(body);
  if (!parsed.ok) return parsed.reply;
  const fence = GeofenceSchema.safeParse({ ...parsed.value, id });
  if (!fence.success) {
    const i = fence.error.issues[0]!;
    return json(400, { error: `${i.path.join('.') || 'geofence'}: ${i.message}` });
  }
  const key = geofenceKey(p.tenantId, id);
  const existed = (await geofences.get(key))?.operation === 'PUT';
  await geofences.put(key, JSON.stringify(fence.data));
  return json(existed ? 200 : 201, fence.data);
}

export async function deleteGeofence(p: Principal, id: string, geofences: KV): Promise<Reply> {
  if (!p.admin) return json(403, { error: 'changing geofences needs the admin key' });
  if (!isValidIdToken(id)) return json(400, { error: 'geofence id must be 1-64 characters of A-Z a-z 0-9 _ -' });
  const key = geofenceKey(p.tenantId, id);
  if ((await geofences.get(key))?.operation !== 'PUT') return json(404, { error: `geofence ${id} does not exist` });
  await geofences.delete(key);
  return { status: 204, body: '' };
}

export async function listGeofences(p: Principal, geofences: KV): Promise<Reply> {
  const out: unknown[] = [];
  for await (const key of await geofences.keys(`${p.tenantId}.>`)) {
    const e = await geofences.get(key);
    if (e?.operation === 'PUT') out.push(e.json());
  }
  return json(200, out);
}
