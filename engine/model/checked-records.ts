import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TelemetryRecordSchema, type TelemetryRecord } from './telemetry-record.ts';

/**
 * A record is validated against TelemetryRecordSchema once, where it enters
 * the platform (adapters/ingest/normalize.ts). The batches it travels in
 * through FLEET_IN say so: their envelope carries the fingerprint of the
 * schema that checked every record inside, and a reader whose schema has the
 * same fingerprint takes them as they are. Validating the same record again
 * in the engine and again in the store was 8-10 % of those threads in the
 * bench profiles.
 *
 * Anything else is validated in full on arrival, as before: a batch without
 * the fingerprint (another tool, an older adapter, a hand-made message), or
 * with another one (a node running a different schema). The fingerprint is
 * the schema's own JSON Schema, hashed, so a change to the schema changes it
 * without anyone remembering to bump a version.
 */
export const schemaFingerprint = (schema: z.ZodType): string =>
  createHash('sha256').update(JSON.stringify(z.toJSONSchema(schema))).digest('base64url').slice(0, 16);

export const RECORD_SCHEMA_FINGERPRINT = schemaFingerprint(TelemetryRecordSchema);

const checked = new WeakSet<TelemetryRecord>();

/** `r` is the output of TelemetryRecordSchema in this process. */
export function markChecked(r: TelemetryRecord): TelemetryRecord {
  checked.add(r);
  return r;
}

export const wasChecked = (r: TelemetryRecord): boolean => checked.has(r);
