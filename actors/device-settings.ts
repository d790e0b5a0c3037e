import { createHash } from 'node:crypto';
import { z } from 'zod';
import { bboxOf, type BBox } from './geo.ts';

/**
 * Per-device settings and geofences, as the registry stores them and the API
 * sets them (`PATCH /v1/devices/{id}`, `PUT /v1/geofences/{id}`). The actor
 * receives them in a `settings` event at any time; the next record is judged
 * by the new values.
 *
 * Three layers, after piscina: the input schema (what a caller may send, every
 * field optional), the resolved type (every tunable filled in) and the
 * defaults constant (units in the names).
 */

export const DEVICE_SETTING_DEFAULTS = {
  /** Speed at or above which the vehicle is moving. */
  movingKmh: 5,
  /** A fix closer than this to the last accepted one while stationary is GPS jitter: no distance, no geofence change. */
  jitterM: 25,
  /** Fixes with a worse horizontal dilution are not used for history (they still move the live marker). */
  maxHdop: 10,
  /** A fix implying a faster jump than this from the last accepted one is an outlier. */
  maxJumpKmh: 300,
  /** Stationary this long inside a trip is a stop (`stop.started`). */
  minStopS: 120,
  /** Without an ignition input, stationary this long ends the trip (ignition inferred off). */
  tripEndStopS: 300,
  /** No record for this long inside a trip ends it at the last record before the gap. */
  tripGapS: 1800,
  /** Engine running and stationary this long is idling. */
  idlingMinS: 300,
  /** Over the limit for at least this long before `overspeed` (GPS noise). */
  overspeedMinS: 10,
  /** Speed may exceed the limit by this much before it counts. */
  overspeedToleranceKmh: 0,
  /** A probe out of its range for at least this long is a cold-chain excursion. */
  excursionMinS: 600,
  /** Back inside the range by this margin ends an excursion. */
  excursionHysteresisC: 0.5,
  coolantMaxC: 105,
  /** Vehicle supply voltage under this (12 V systems; set ~23 for 24 V trucks) for `batteryLowMinS` is low. */
  lowBatteryV: 11.5,
  batteryLowMinS: 60,
  /** Without `tyreMinKpa`, a tyre this many percent under its learned nominal pressure is low. */
  tyreLowPct: 20,
  /** Absolute low-pressure threshold; overrides the learned one. */
  tyreMinKpa: undefined as number | undefined,
  /** Pressure falling at least this fast between two readings is a fast leak. */
  tyreLeakKpaPerMin: 10,
  /** Over maxWeightKg for at least this long is an overload (road bumps spike axle sensors). */
  overloadMinS: 30,
  /** A fuel level fall at least this large while parked is a possible theft; a rise this large is a refuel. */
  fuelDropL: 10,
  /** The same in percent of the tank, for sensors that report percent without a known tank size. */
  fuelDropPct: 5,
  /** Converts a percent level to litres when set. */
  tankCapacityL: undefined as number | undefined,
  /** Accelerations computed from speed (not reported by the device), in m/s². */
  harshBrakingMs2: 3.5,
  harshAccelerationMs2: 3.0,
  harshCorneringMs2: 3.5,
  /** Harsh manoeuvres are computed only between records at most this far apart (1 Hz data). */
  harshMaxGapS: 3,
  /** Cornering is computed only at or above this speed. */
  harshCorneringMinKmh: 20,
  /** Records received at least this long after their device time came from the device's buffer. */
  catchUpLagS: 120,
  /** Records without a valid fix for this long mark the position stale. */
  stalePositionS: 300,
  /** Reorder window in device time: see actors/README.md. */
  reorderWindowS: 10,
  /** At most this many records are held for reordering. */
  reorderMaxRecords: 4,
  /** Device times further than this ahead of the receive time are a broken clock: not used. */
  maxFutureS: 600,
} as const;

const d = DEVICE_SETTING_DEFAULTS;
const pos = () => z.number().positive().finite();
const nonNeg = () => z.number().min(0).finite();

export const TemperatureRangeSchema = z
  .object({ min: z.number().finite(), max: z.number().finite() })
  .refine((r) => r.min <= r.max, { message: 'temperatureRangeC.min must not exceed max' });

export const MaintenanceSchema = z.object({
  everyKm: pos().optional(),
  everyEngineHours: pos().optional(),
  /** ISO date (UTC) at which the next service is due. */
  nextDate: z.iso.date().optional(),
});

export const DeviceSettingsSchema = z.object({
  speedLimitKmh: pos().max(400).optional(),
  temperatureRangeC: TemperatureRangeSchema.optional(),
  maxWeightKg: pos().optional(),
  maintenance: MaintenanceSchema.optional(),
  movingKmh: pos().max(50).default(d.movingKmh),
  jitterM: nonNeg().max(1000).default(d.jitterM),
  maxHdop: pos().default(d.maxHdop),
  maxJumpKmh: pos().default(d.maxJumpKmh),
  minStopS: nonNeg().default(d.minStopS),
  tripEndStopS: pos().default(d.tripEndStopS),
  tripGapS: pos().default(d.tripGapS),
  idlingMinS: nonNeg().default(d.idlingMinS),
  overspeedMinS: nonNeg().default(d.overspeedMinS),
  overspeedToleranceKmh: nonNeg().default(d.overspeedToleranceKmh),
  excursionMinS: nonNeg().default(d.excursionMinS),
  excursionHysteresisC: nonNeg().max(10).default(d.excursionHysteresisC),
  coolantMaxC: z.number().finite().default(d.coolantMaxC),
  lowBatteryV: nonNeg().default(d.lowBatteryV),
  batteryLowMinS: nonNeg().default(d.batteryLowMinS),
  tyreLowPct: pos().max(100).default(d.tyreLowPct),
  tyreMinKpa: pos().optional(),
  tyreLeakKpaPerMin: pos().default(d.tyreLeakKpaPerMin),
  overloadMinS: nonNeg().default(d.overloadMinS),
  fuelDropL: pos().default(d.fuelDropL),
  fuelDropPct: pos().max(100).default(d.fuelDropPct),
  tankCapacityL: pos().optional(),
  harshBrakingMs2: pos().default(d.harshBrakingMs2),
  harshAccelerationMs2: pos().default(d.harshAccelerationMs2),
  harshCorneringMs2: pos().default(d.harshCorneringMs2),
  harshMaxGapS: pos().default(d.harshMaxGapS),
  harshCorneringMinKmh: nonNeg().default(d.harshCorneringMinKmh),
  catchUpLagS: pos().default(d.catchUpLagS),
  stalePositionS: pos().default(d.stalePositionS),
  reorderWindowS: nonNeg().max(3600).default(d.reorderWindowS),
  reorderMaxRecords: z.number().int().min(1).max(64).default(d.reorderMaxRecords),
  maxFutureS: pos().default(d.maxFutureS),
});
/** What a caller may send. */
export type DeviceSettingsInput = z.input<typeof DeviceSettingsSchema>;
/** Every tunable filled in. */
export type DeviceSettings = z.output<typeof DeviceSettingsSchema>;

const Lat = z.number().min(-90).max(90);
const Lon = z.number().min(-180).max(180);

export const GeofenceSchema = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().max(200),
    circle: z.object({ lat: Lat, lon: Lon, radiusM: pos().max(1_000_000) }).optional(),
    polygon: z.array(z.tuple([Lat, Lon])).min(3).max(5000).optional(),
    speedLimitKmh: pos().max(400).optional(),
    /** true: doors may open only inside fences marked so; false: doors must not open inside this fence. */
    doorsAllowed: z.boolean().optional(),
  })
  .refine((g) => (g.circle ? 1 : 0) + (g.polygon ? 1 : 0) === 1, { message: 'a geofence has exactly one of circle or polygon' });
export type Geofence = z.infer<typeof GeofenceSchema>;

/** A geofence ready for point tests: polygons carry their bounding box. */
export type CompiledGeofence = Geofence & { bbox?: BBox };

/**
 * What the machine judges records by. `geofences` is null when unknown: a
 * restored actor does not carry the fence geometry in its snapshot (fences are
 * shared by a tenant and can be large), so until the shard re-sends settings
 * the geofence concern holds its state instead of reporting exits.
 */
export interface DeviceConfig {
  settings: DeviceSettings;
  geofences: CompiledGeofence[] | null;
  /** Content hash: the cause of events a settings change triggers, and the interning key. */
  hash: string;
}

export class DeviceSettingsError extends Error {
  override readonly name = 'DeviceSettingsError';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(message);
  }
}

export function parseDeviceSettings(input: unknown): DeviceSettings {
  const r = DeviceSettingsSchema.safeParse(input ?? {});
  if (!r.success) throw settingsError('device settings', r.error.issues);
  return r.data;
}

export function parseGeofences(input: unknown): Geofence[] {
  const r = z.array(GeofenceSchema).max(10_000).safeParse(input ?? []);
  if (!r.success) throw settingsError('geofences', r.error.issues);
  const ids = new Set<string>();
  for (const g of r.data) {
    if (ids.has(g.id)) throw new DeviceSettingsError(`geofence id ${g.id} appears twice`, [{ path: 'id', message: 'duplicate' }]);
    ids.add(g.id);
  }
  return r.data;
}

function settingsError(what: string, issues: z.core.$ZodIssue[]): DeviceSettingsError {
  const list = issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  return new DeviceSettingsError(`invalid ${what}: ${list.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, list);
}

/**
 * Interning: thousands of devices share the same settings and their tenant's
 * geofences, so equal configs are one object in memory. Entries are weakly
 * held and disappear with their last device.
 */
const interned = new Map<string, WeakRef<DeviceConfig>>();
const reaper = new FinalizationRegistry<string>((key) => {
  const ref = interned.get(key);
  if (ref && ref.deref() === undefined) interned.delete(key);
});

function compile(g: Geofence): CompiledGeofence {
  return g.polygon ? { ...g, bbox: bboxOf(g.polygon) } : g;
}

/** Build (or find) the config for already-validated settings and geofences; geofences null = unknown. */
export function deviceConfig(settings: DeviceSettings, geofences: Geofence[] | null): DeviceConfig {
  const json = JSON.stringify([settings, geofences]);
  const hash = createHash('sha1').update(json).digest('base64url').slice(0, 16);
  const hit = interned.get(hash)?.deref();
  if (hit) return hit;
  const config: DeviceConfig = Object.freeze({
    settings: Object.freeze({ ...settings }),
    geofences: geofences ? Object.freeze(geofences.map(compile)) as CompiledGeofence[] : null,
    hash,
  });
  interned.set(hash, new WeakRef(config));
  reaper.register(config, hash);
  return config;
}

export const DEFAULT_SETTINGS: DeviceSettings = DeviceSettingsSchema.parse({});

/** The config of a device nobody configured: defaults, no geofences. */
export function defaultConfig(): DeviceConfig {
  return deviceConfig(DEFAULT_SETTINGS, []);
}

/** Re-intern a config read back from a snapshot (msgpack gives every device its own copy). */
export function reviveConfig(raw: unknown): DeviceConfig {
  const c = raw as Partial<DeviceConfig> | undefined;
  const settings = DeviceSettingsSchema.safeParse(c?.settings ?? {});
  const fences = c?.geofences == null ? null : z.array(GeofenceSchema).safeParse(c.geofences.map(({ bbox: _b, ...g }) => g));
  return deviceConfig(settings.success ? settings.data : DEFAULT_SETTINGS, fences === null ? null : fences.success ? fences.data : null);
}

/** A config as a snapshot stores it (msgpack): revived by reviveConfig. */
export interface PersistedConfig {
  /** Only the settings that differ from the defaults: the rest is filled in when it is revived. */
  settings: Readonly<Partial<DeviceSettings>>;
  /** [] for none; null when there were fences (their geometry is not kept: unknown until the shard re-sends it). */
  geofences: [] | null;
}

const persisted = new WeakMap<DeviceConfig, PersistedConfig>();
const NO_FENCES: [] = [];

/**
 * The config as a snapshot stores it: settings that differ from the defaults,
 * no fence geometry. Most devices run on defaults, whose ~570 B of msgpack
 * were a quarter of every snapshot written to KV. Cached per (interned)
 * config, so persisting costs nothing after the first time.
 */
export function persistableConfig(config: DeviceConfig): PersistedConfig {
  let p = persisted.get(config);
  if (!p) {
    const settings: Record<string, unknown> = {};
    const defaults = DEFAULT_SETTINGS as Record<string, unknown>;
    for (const [k, v] of Object.entries(config.settings)) if (JSON.stringify(v) !== JSON.stringify(defaults[k])) settings[k] = v;
    p = Object.freeze({ settings: Object.freeze(settings) as Partial<DeviceSettings>, geofences: config.geofences && config.geofences.length === 0 ? NO_FENCES : null });
    persisted.set(config, p);
  }
  return p;
}
