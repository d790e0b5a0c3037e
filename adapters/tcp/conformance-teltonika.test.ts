import { createTeltonikaSession } from '../teltonika/session.ts';
import { IMEI_HANDSHAKE, TCP_VECTORS, CODEC8_EXAMPLE_1, bytes } from '../teltonika/vectors.ts';
import { describeSessionConformance } from './conformance.ts';

/** A published packet with its CRC damaged: must be ignored (not closed) however it is chunked. */
function badCrc(packet: Buffer): Buffer {
  const copy = Buffer.from(packet);
  copy[copy.length - 1]! ^= 0x5a;
  return copy;
}

describeSessionConformance({
  name: 'teltonika',
  createSession: (limits) => createTeltonikaSession(limits),
  frames: [bytes(IMEI_HANDSHAKE), ...TCP_VECTORS.map(bytes), badCrc(bytes(CODEC8_EXAMPLE_1))],
  // Preamble, then a data length of 4 GB - 1.
  oversizedHeader: Buffer.from('00000000ffffffff', 'hex'),
});
