import { z } from 'zod';

/**
 * Ids travel inside NATS subjects (`fleet.in.<partition>.<tenant>.<device>`), so
 * they must be single subject tokens: no dots, spaces or wildcards. Branded types
 * are made only here so a raw string cannot be passed where an id is expected.
 */
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

export const DeviceIdSchema = z
  .string()
  .regex(TOKEN, 'device id must be 1-64 characters of A-Z a-z 0-9 _ -')
  .brand<'DeviceId'>();
export type DeviceId = z.infer<typeof DeviceIdSchema>;

export const TenantIdSchema = z
  .string()
  .regex(TOKEN, 'tenant id must be 1-64 characters of A-Z a-z 0-9 _ -')
  .brand<'TenantId'>();
export type TenantId = z.infer<typeof TenantIdSchema>;

/** Until tenants land, every device belongs to this one. */
export const DEFAULT_TENANT = 'default' as TenantId;

export function isValidIdToken(s: string): boolean {
  return TOKEN.test(s);
}

export function deviceId(s: string): DeviceId {
  return DeviceIdSchema.parse(s);
}

export function tenantId(s: string): TenantId {
  return TenantIdSchema.parse(s);
}
