import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../adapters/ingest/batch-encoding.ts';
import { normalizeRecord } from '../../adapters/ingest/normalize.ts';
import { RECORD_SCHEMA_FINGERPRINT, schemaFingerprint, wasChecked } from './checked-records.ts';
import { DEFAULT_TENANT, type DeviceId } from './ids.ts';
import { readInbound } from './record-batch.ts';
import { TelemetryRecordSchema } from './telemetry-record.ts';
import { pack } from './wire.ts';

/** A record is checked by the schema once, where it enters; batches say so, and readers with the same schema trust them. */

const good = {
  id: 'r-1', tenantId: DEFAULT_TENANT, deviceId: 'dev-1' as DeviceId, protocol: 'osmand', deviceTime: 1_764_000_000_000,
  receivedAt: 1_764_000_001_000, priority: 'normal', position: { lat: 1, lon: 2, speedKmh: 3 },
};
// Shaped like a record, but the schema refuses it (a latitude of 500).
const wrong = { ...good, id: 'r-2', position: { lat: 500, lon: 2, speedKmh: 0 } };

describe('checked records', () => {
  it('marks what normalisation validated, and nothing else', () => {
    const n = normalizeRecord(DEFAULT_TENANT, { deviceId: 'dev-1' as DeviceId, protocol: 'osmand', deviceTime: 1_764_000_000_000, position: { lat: 1, lon: 2, speedKmh: 0 } }, 1_764_000_001_000);
    expect(n.ok).toBe(true);
    expect(wasChecked(n.ok ? n.record : TelemetryRecordSchema.parse(good))).toBe(true);
    expect(wasChecked(TelemetryRecordSchema.parse(good))).toBe(false);
  });

  it('reads a batch checked with this schema as it is', () => {
    const inbound = readInbound(encodeBatch('b-1', [pack(good), pack(wrong)], RECORD_SCHEMA_FINGERPRINT));
    expect(inbound.ok && inbound.records.map((r) => r.ok)).toEqual([true, true]);
    // Not even shaped like a record: read in full, and refused.
    const junk = readInbound(encodeBatch('b-2', [pack(good), pack('hello')], RECORD_SCHEMA_FINGERPRINT));
    expect(junk.ok && junk.records.map((r) => r.ok)).toEqual([true, false]);
  });

  it('checks every record of a batch without the fingerprint, or with another schema\'s', () => {
    for (const schema of [undefined, 'another-schema-00']) {
      const inbound = readInbound(encodeBatch('b-3', [pack(good), pack(wrong)], schema));
      expect(inbound.ok && inbound.records.map((r) => r.ok)).toEqual([true, false]);
    }
  });

  it('changes when the schema changes', () => {
    expect(RECORD_SCHEMA_FINGERPRINT).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(schemaFingerprint(TelemetryRecordSchema)).toBe(RECORD_SCHEMA_FINGERPRINT);
    expect(schemaFingerprint(TelemetryRecordSchema.extend({ extra: TelemetryRecordSchema.shape.driverId }))).not.toBe(RECORD_SCHEMA_FINGERPRINT);
    expect(schemaFingerprint(TelemetryRecordSchema.omit({ moving: true }))).not.toBe(RECORD_SCHEMA_FINGERPRINT);
  });
});
