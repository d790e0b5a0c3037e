/** An AVL packet on TCP: preamble 0x00000000 (4) and data length (4), the data field, then the CRC field. */

/** Preamble (4) + data length (4). */
export const HEADER_BYTES = 8;
/** The CRC field after the data: two zero bytes and the CRC-16. */
export const CRC_BYTES = 4;
