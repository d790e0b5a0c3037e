import { Packr } from 'msgpackr';

/**
 * msgpack on every NATS payload. `useRecords: false` keeps payloads
 * self-describing, so a consumer on another version (or another language)
 * can read them without sharing a structure table.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export function pack(value: unknown): Buffer {
  return packr.pack(value);
}

export function unpack(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
