/**
 * The msgpack envelope of a record batch, `{ batchId, schema?, records: [...] }`
 * (engine/model/record-batch.ts reads it), written around records that were
 * already packed one by one: each record is packed once, when the adapter
 * takes it, and its size is known before it joins a batch. `schema` is the
 * fingerprint of the schema that checked every record inside
 * (engine/model/checked-records.ts), left out when one was not checked here.
 */

function str(s: string): Buffer {
  const body = Buffer.from(s, 'utf8');
  if (body.length < 32) return Buffer.concat([Buffer.from([0xa0 | body.length]), body]);
  if (body.length < 256) return Buffer.concat([Buffer.from([0xd9, body.length]), body]);
  throw new RangeError('batch envelope strings are short');
}

const MAP2 = Buffer.from([0x82]);
const MAP3 = Buffer.from([0x83]);
const BATCH_ID_KEY = str('batchId');
const SCHEMA_KEY = str('schema');
const RECORDS_KEY = str('records');

function arrayHeader(n: number): Buffer {
  if (n < 16) return Buffer.from([0x90 | n]);
  if (n < 0x10000) return Buffer.from([0xdc, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = 0xdd;
  b.writeUInt32BE(n, 1);
  return b;
}

/** Envelope bytes besides the records themselves (for size accounting). */
export const ENVELOPE_OVERHEAD = 96;

export function encodeBatch(batchId: string, packedRecords: readonly Buffer[], schema?: string): Buffer {
  const head = schema === undefined ? [MAP2, BATCH_ID_KEY, str(batchId)] : [MAP3, BATCH_ID_KEY, str(batchId), SCHEMA_KEY, str(schema)];
  return Buffer.concat([...head, RECORDS_KEY, arrayHeader(packedRecords.length), ...packedRecords]);
}
