import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DeviceIdSchema, TenantIdSchema } from '../engine/model/ids.ts';

/**
 * A derived event: what the actors conclude from records. The id is a pure
 * function of (tenant, device, type, the input that caused it), so a replay
 * after a crash produces the same id and every sink de-duplicates it.
 * `data` is plain JSON (the store serialises it); each type's fields are in
 * events.ts and actors/EVENTS.md.
 */
export const DerivedEventSchema = z.object({
  id: z.string(),
  type: z.string().regex(/^[a-z]+(\.[a-z]+)*$/),
  tenantId: TenantIdSchema,
  deviceId: DeviceIdSchema,
  /** Device time (epoch ms) at which it happened. */
  time: z.number().int(),
  critical: z.boolean(),
  data: z.record(z.string(), z.json()),
});
export type DerivedEvent = z.infer<typeof DerivedEventSchema>;

export function derivedEventId(tenant: string, device: string, type: string, cause: string): string {
  return createHash('sha1').update(`${tenant}\0${device}\0${type}\0${cause}`).digest('base64url').slice(0, 22);
}
