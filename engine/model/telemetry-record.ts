import { z } from 'zod';
import { DeviceIdSchema, TenantIdSchema } from './ids.ts';

/**
 * The one internal telemetry record. Every adapter maps its vendor's frame into
 * this shape; nothing downstream of adapters/ ever sees a vendor format.
 * Units are in the field names. Times are epoch milliseconds (UTC) to keep the
 * msgpack payload small; the API renders them as ISO-8601.
 */

export const PositionSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  altitudeM: z.number().finite().optional(),
  speedKmh: z.number().min(0).max(2000),
  headingDeg: z.number().min(0).max(360).optional(),
  satellites: z.number().int().min(0).max(255).optional(),
  hdop: z.number().min(0).optional(),
  accuracyM: z.number().min(0).optional(),
  /** false when the device says its GPS fix is not valid (last known position). */
  valid: z.boolean().optional(),
});
export type Position = z.infer<typeof PositionSchema>;

export const EngineReadingSchema = z.object({
  rpm: z.number().min(0).optional(),
  coolantC: z.number().optional(),
  dtcs: z.array(z.string().max(16)).max(64).optional(),
  fuelLevelPct: z.number().min(0).max(100).optional(),
  fuelLevelL: z.number().min(0).optional(),
  fuelUsedL: z.number().min(0).optional(),
  odometerM: z.number().min(0).optional(),
  engineHoursS: z.number().min(0).optional(),
  batteryV: z.number().optional(),
  externalV: z.number().optional(),
});
export type EngineReading = z.infer<typeof EngineReadingSchema>;

export const ProbeReadingSchema = z.object({ probe: z.string().max(32), tempC: z.number() });
export const TyreReadingSchema = z.object({
  wheel: z.string().max(16),
  pressureKpa: z.number().min(0),
  tempC: z.number().optional(),
});
export const DoorReadingSchema = z.object({ door: z.string().max(32), open: z.boolean() });

export const DriverActivitySchema = z.enum(['driving', 'working', 'available', 'rest']);
export type DriverActivity = z.infer<typeof DriverActivitySchema>;

export const TachographSchema = z.object({
  driverId: z.string().max(64).optional(),
  activity: DriverActivitySchema.optional(),
});

export const AlarmSchema = z.enum([
  'panic',
  'crash',
  'tamper',
  'powerCut',
  'lowBattery',
  'harshBraking',
  'harshAcceleration',
  'harshCornering',
  'overspeed',
  'geofence',
  'vibration',
  'jamming',
]);
export type Alarm = z.infer<typeof AlarmSchema>;

/** Unknown vendor IO is kept, never dropped: `io<id>` -> value. */
export const AttributeValueSchema = z.union([z.string().max(1024), z.number(), z.boolean()]);

export const ProtocolSchema = z.enum(['osmand', 'teltonika', 'gt06', 'simulator']);
export type Protocol = z.infer<typeof ProtocolSchema>;

export const TelemetryRecordSchema = z.object({
  /** Deterministic id: same device record -> same id, used as JetStream Nats-Msg-Id. */
  id: z.string().min(1).max(128),
  tenantId: TenantIdSchema,
  deviceId: DeviceIdSchema,
  protocol: ProtocolSchema,
  deviceTime: z.number().int().nonnegative(),
  receivedAt: z.number().int().nonnegative(),
  /** Device-side sequence/serial number where the protocol has one. */
  seq: z.number().int().nonnegative().optional(),
  /** Critical records (alarms) travel on the urgent lane. */
  priority: z.enum(['normal', 'critical']),
  position: PositionSchema.optional(),
  ignition: z.boolean().optional(),
  moving: z.boolean().optional(),
  engine: EngineReadingSchema.optional(),
  probes: z.array(ProbeReadingSchema).max(16).optional(),
  tyres: z.array(TyreReadingSchema).max(32).optional(),
  doors: z.array(DoorReadingSchema).max(16).optional(),
  axleLoadsKg: z.array(z.number().min(0)).max(16).optional(),
  tachograph: TachographSchema.optional(),
  driverId: z.string().max(64).optional(),
  alarms: z.array(AlarmSchema).max(16).optional(),
  attributes: z.record(z.string().max(64), AttributeValueSchema).optional(),
});
export type TelemetryRecord = z.infer<typeof TelemetryRecordSchema>;

/** What an adapter fills in; the ingest layer adds tenant, id and priority. */
export type DecodedRecord = Omit<TelemetryRecord, 'id' | 'tenantId' | 'priority' | 'receivedAt'> & {
  priority?: TelemetryRecord['priority'];
};
