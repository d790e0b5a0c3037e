import { TE } from '@nats-io/nats-core/internal';

/**
 * nats.js turns every protocol line (`PUB <subject> <reply> <size>`), every
 * header block and every string payload (`+ACK`) into bytes with one shared
 * TextEncoder. Each call crosses into C++ and allocates an ArrayBuffer of its
 * own: at 100,000 devices that was 3.8 % of a shard thread's time (bench
 * profile s20-P1), for strings of 40-120 ASCII characters. Short ASCII
 * strings are written here into slices of a shared block instead; anything
 * else goes to the TextEncoder as before.
 *
 * A block is never written twice: a slice handed out stays valid for as long
 * as anyone holds it (the library keeps them until its next socket write),
 * and a new block is taken when one is full. Applied once per thread on
 * import; if the library no longer has this shape, nothing is changed.
 */

const BLOCK_BYTES = 16 * 1024;
/** Longer strings are rare (a connect line, a big header) and go to the TextEncoder. */
const MAX_FAST_CHARS = 512;

type Encode = (input?: string) => Uint8Array;

let block = new Uint8Array(BLOCK_BYTES);
let used = 0;

/** The UTF-8 bytes of `s`, as `library` gives them, written into the shared block when `s` is short ASCII. */
export function encodeShortAscii(s: string, library: Encode): Uint8Array {
  const n = s.length;
  if (n > MAX_FAST_CHARS) return library(s);
  if (used + n > BLOCK_BYTES) {
    block = new Uint8Array(BLOCK_BYTES);
    used = 0;
  }
  const at = used;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    // Not committed yet: what was written past `used` is overwritten by the next string.
    if (c > 0x7f) return library(s);
    block[at + i] = c;
  }
  used = at + n;
  return block.subarray(at, used);
}

const encoder = TE as unknown as { encode?: Encode; fleetlineAsciiEncode?: boolean } | undefined;
export const asciiEncodePatched = typeof encoder?.encode === 'function';

if (asciiEncodePatched && encoder && !encoder.fleetlineAsciiEncode) {
  const library = encoder.encode!.bind(encoder);
  encoder.encode = (input = '') => encodeShortAscii(input, library);
  encoder.fleetlineAsciiEncode = true;
}
