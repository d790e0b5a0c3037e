/**
 * Two independent 32-bit FNV-1a variants of an id, written to `fingerprint.a`
 * and `fingerprint.b` (no allocation per id: the filters call this for every
 * record). (0, 0) marks an empty slot in RecentIdFilter, so `a` is never 0.
 */
export const fingerprint = { a: 0, b: 0 };

export function fingerprintOf(id: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  fingerprint.a = a >>> 0 || 1;
  fingerprint.b = b >>> 0;
}
