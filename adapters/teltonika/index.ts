/**
 * Teltonika (FMB/FMC/FMM…) protocol: pure decoding, no sockets. The TCP
 * listener drives `createTeltonikaSession`; a UDP listener calls
 * `decodeTeltonikaDatagram` per datagram.
 */
export { createTeltonikaSession, type TeltonikaSessionOptions } from './session.ts';
export { decodeTeltonikaDatagram, type UdpDecodeOptions, type UdpDecodeResult } from './udp.ts';
export { decodeAvlData, type AvlDecodeContext, type AvlDecodeResult } from './avl-decoder.ts';
export { CODEC_8, CODEC_8E, CODEC_16, type AvlCodec } from './avl-parser.ts';
export {
  DALLAS_ERROR_VALUES,
  DEFAULT_IO_FAMILY,
  FMB_IO_RULES,
  FMX150_IO_RULES,
  IO_TABLES,
  compileIoTable,
  type IoFamily,
  type IoRule,
  type IoTable,
} from './io-map.ts';
export { crc16Ibm } from './crc16-ibm.ts';

/** Port device installers expect for Teltonika (Traccar's convention). */
export const TELTONIKA_DEFAULT_PORT = 5027;
