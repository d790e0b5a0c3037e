/**
 * 0x01 login. Content: terminal id, 8 bytes BCD of the IMEI (GT06 §5.1.1.4),
 * optionally followed by a 2-byte model code and 2-byte time zone/language
 * (GT800 V3.1 §1.1) which the session does not need.
 *
 * 15 IMEI digits in 16 BCD nibbles means a leading 0 nibble, stripped here.
 * A terminal id whose first nibble is not 0 is kept as 16 digits: some
 * devices use non-IMEI ids and the registry, not the decoder, decides.
 */

export const TERMINAL_ID_BYTES = 8;

export type LoginResult = { ok: true; imei: string } | { ok: false; reason: string };

export function decodeLogin(content: Buffer): LoginResult {
  if (content.length < TERMINAL_ID_BYTES) return { ok: false, reason: `login content of ${content.length} bytes, need ${TERMINAL_ID_BYTES}` };
  let digits = '';
  for (let i = 0; i < TERMINAL_ID_BYTES; i++) {
    const b = content[i] as number;
    const hi = b >>> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) return { ok: false, reason: `terminal id byte ${i} (0x${b.toString(16)}) is not BCD` };
    digits += String(hi) + String(lo);
  }
  return { ok: true, imei: digits.startsWith('0') ? digits.slice(1) : digits };
}
