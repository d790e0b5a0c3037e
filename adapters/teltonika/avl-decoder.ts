import type { DecodedRecord, DeviceId } from '../../engine/model/index.ts';
import type { ProtocolErrorCode, SkippedRecord } from '../tcp/protocol-session.ts';
import { parseAvlData, type AvlCodec } from './avl-parser.ts';
import type { IoTable } from './io-map.ts';
import { mapAvlRecord } from './record-mapper.ts';

/**
 * Decodes one AVL data field (codec id .. number of data 2) of Codec 8,
 * 8 Extended or 16 into model records. Shared by the TCP session and the UDP
 * decoder, which differ only in the envelope around this field.
 */

export interface AvlDecodeContext {
  deviceId: DeviceId;
  maxRecordsPerPacket: number;
  ioTable: IoTable;
}

export type AvlDecodeResult =
  | {
      ok: true;
      codec: AvlCodec;
      /** Records the packet carried (number of data 1), skipped ones included: this is what gets acknowledged. */
      count: number;
      records: DecodedRecord[];
      skipped: SkippedRecord[];
    }
  | { ok: false; code: ProtocolErrorCode; message: string };

export function decodeAvlData(data: Buffer, ctx: AvlDecodeContext): AvlDecodeResult {
  const parsed = parseAvlData(data, ctx.maxRecordsPerPacket);
  if (!parsed.ok) return parsed;
  const records: DecodedRecord[] = [];
  const skipped: SkippedRecord[] = [];
  for (let index = 0; index < parsed.records.length; index++) {
    const mapped = mapAvlRecord(parsed.records[index]!, data, ctx.deviceId, ctx.ioTable);
    if (mapped.ok) records.push(mapped.record);
    else skipped.push({ index, reason: mapped.reason });
  }
  return { ok: true, codec: parsed.codec, count: parsed.records.length, records, skipped };
}
