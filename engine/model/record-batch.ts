import { RECORD_SCHEMA_FINGERPRINT } from './checked-records.ts';
import { TelemetryRecordSchema, type TelemetryRecord } from './telemetry-record.ts';
import { unpack } from './wire.ts';

/**
 * Records travel through FLEET_IN in batches: one JetStream message carries the
 * records of one partition and tenant that arrived together, each with its own
 * deterministic id inside. One message per record costs a JetStream publish, a
 * delivery and an ack each, which tops out near 20k records/s on a 2-core
 * machine (bench/ceiling.ts); a batch pays them once.
 *
 * Duplicates are no longer dropped by JetStream's per-message id (the batch id
 * only protects the batch itself): a device resending after a lost ACK lands
 * in another batch. Every consumer de-duplicates by record id instead: the
 * device actor keeps a resent record out of history (actors/reorder.ts), the
 * store skips ids it holds (engine/store/store-sink.ts), and derived events
 * keep their deterministic ids.
 *
 * A message that is a single record (what earlier versions published) is
 * still read as a batch of one.
 */

/** Most records one batch may carry; also bounds what a consumer allocates per message. */
export const MAX_BATCH_RECORDS = 1000;

/**
 * A record's place in its partition: stream sequence of its message and index
 * inside it, as one number. Snapshots remember the position of the last record
 * they reflect, so a replay skips exactly what is already inside.
 */
export const POSITION_STRIDE = 1024;
export const positionOf = (streamSeq: number, index: number): number => streamSeq * POSITION_STRIDE + index;

export interface RecordBatch {
  batchId: string;
  records: TelemetryRecord[];
}

/** One entry of a message as read: a valid record, or the reason it is not one (the rest of the batch is unaffected). */
export type InboundRecord =
  | { ok: true; index: number; record: TelemetryRecord }
  | { ok: false; index: number; reason: string; raw: unknown };

export type InboundMessage = { ok: true; records: InboundRecord[] } | { ok: false; reason: string };

function isBatch(v: unknown): v is { batchId?: unknown; schema?: unknown; records: unknown[] } {
  return typeof v === 'object' && v !== null && Array.isArray((v as { records?: unknown }).records);
}

/**
 * An entry of a batch whose publisher checked every record with this very
 * schema (checked-records.ts): taken as it is once it looks like a record at
 * all; anything else is read in full.
 */
function readChecked(raw: unknown, index: number): InboundRecord {
  if (typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string') return { ok: true, index, record: raw as TelemetryRecord };
  return readRecord(raw, index);
}

function readRecord(raw: unknown, index: number): InboundRecord {
  const r = TelemetryRecordSchema.safeParse(raw);
  if (r.success) return { ok: true, index, record: r.data };
  const issue = r.error.issues[0];
  return { ok: false, index, raw, reason: `not a telemetry record: ${issue ? `${issue.path.join('.') || 'record'}: ${issue.message}` : 'invalid'}` };
}

/** Reads a FLEET_IN payload: a batch, or a single record. Never throws. */
export function readInbound(data: Uint8Array): InboundMessage {
  let v: unknown;
  try {
    v = unpack(data);
  } catch {
    return { ok: false, reason: 'payload is not msgpack' };
  }
  if (!isBatch(v)) return { ok: true, records: [readRecord(v, 0)] };
  if (v.records.length === 0) return { ok: false, reason: 'empty batch' };
  if (v.records.length > MAX_BATCH_RECORDS) return { ok: false, reason: `batch of ${v.records.length} records (at most ${MAX_BATCH_RECORDS})` };
  const read = v.schema === RECORD_SCHEMA_FINGERPRINT ? readChecked : readRecord;
  const out: InboundRecord[] = new Array(v.records.length);
  for (let i = 0; i < v.records.length; i++) out[i] = read(v.records[i], i);
  return { ok: true, records: out };
}
