/**
 * The Teltonika TCP handshake: 2-byte length (always 15) then the IMEI as
 * ASCII digits. Luhn is not checked on purpose: the device registry is the
 * authority on who may connect, and simulators and test units often use
 * IMEIs that fail it.
 */
export const IMEI_LENGTH = 15;

export function isImeiDigits(buf: Buffer, off: number, len: number): boolean {
  if (len !== IMEI_LENGTH || off + len > buf.length) return false;
  for (let i = off; i < off + len; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Fresh buffers per call: the listener owns what it is handed. */
export function imeiAccept(): Buffer {
  return Buffer.from([0x01]);
}

export function imeiReject(): Buffer {
  return Buffer.from([0x00]);
}
