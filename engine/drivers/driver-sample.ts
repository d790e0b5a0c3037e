import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DeviceIdSchema, TenantIdSchema, isValidIdToken } from '../model/ids.ts';

/**
 * What a device actor tells the driver lane: from `time` on, driver `driverId`
 * is doing `activity` in vehicle `deviceId`. Published on FLEET_DRIVERS,
 * partitioned by driver, so one place keeps a driver's EU 561 log whichever
 * vehicle they drive.
 */
export const DriverSampleSchema = z.object({
  /** Deterministic: the record it came from plus the driver, so a replay is dropped as a duplicate. */
  id: z.string().min(1).max(128),
  tenantId: TenantIdSchema,
  driverId: z.string().min(1).max(64),
  deviceId: DeviceIdSchema,
  time: z.number().int().nonnegative(),
  activity: z.enum(['driving', 'working', 'available', 'rest']),
});
export type DriverSample = z.infer<typeof DriverSampleSchema>;

/**
 * Driver ids come from tachograph cards, iButtons and phones, and may hold
 * characters a NATS subject or KV key cannot: those get a stable hashed token.
 */
export function driverToken(driverId: string): string {
  return isValidIdToken(driverId) ? driverId : `h-${createHash('sha1').update(driverId).digest('base64url').slice(0, 24)}`;
}

export function driverSampleId(recordId: string, driverId: string): string {
  return createHash('sha1').update(`${recordId}\0${driverId}`).digest('base64url').slice(0, 22);
}
