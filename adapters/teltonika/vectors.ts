/**
 * Byte vectors published by Teltonika, as hex, with where they come from.
 * Every TCP vector's CRC was checked against its data when it was added.
 * Test data only: nothing in production imports this file.
 */

export interface Vector {
  name: string;
  /** Where the bytes were published. */
  source: string;
  hex: string;
  /** The server's answer, as hex: the one the source gives, or (where noted) derived from its documented format. */
  answer: string;
}

const WIKI = 'Teltonika wiki, "Teltonika Data Sending Protocols" (wiki.teltonika-gps.com/view/Teltonika_Data_Sending_Protocols)';

/** The IMEI handshake of the wiki's Codec 8 Extended example: 000F + "356307042441013". */
export const IMEI_HANDSHAKE: Vector = {
  name: 'IMEI handshake',
  source: `${WIKI}, Codec 8 Extended, communication with server`,
  hex: '000F333536333037303432343431303133',
  answer: '01',
};

export const CODEC8_EXAMPLE_1: Vector = {
  name: 'Codec 8, 1st example (one record, 1/2/4/8-byte IO)',
  source: `${WIKI}, Codec 8, 1st example (also in shared/protocols/NOTES.md)`,
  hex: '000000000000003608010000016B40D8EA30010000000000000000000000000000000105021503010101425E0F01F10000601A014E0000000000000000010000C7CF',
  answer: '00000001',
};

export const CODEC8_EXAMPLE_2: Vector = {
  name: 'Codec 8, 2nd example (one record, 1- and 2-byte IO)',
  source: `${WIKI}, Codec 8, 2nd example`,
  hex: '000000000000002808010000016B40D9AD80010000000000000000000000000000000103021503010101425E100000010000F22A',
  answer: '00000001',
};

export const CODEC8_EXAMPLE_3: Vector = {
  name: 'Codec 8, 3rd example (two records)',
  source: `${WIKI}, Codec 8, 3rd example`,
  hex: '000000000000004308020000016B40D57B480100000000000000000000000000000001010101000000000000016B40D5C198010000000000000000000000000000000101010101000000020000252C',
  answer: '00000002',
};

export const CODEC8E_EXAMPLE: Vector = {
  name: 'Codec 8 Extended example (one record, 2-byte ids, empty NX group)',
  source: `${WIKI}, Codec 8 Extended, example`,
  hex: '000000000000004A8E010000016B412CEE000100000000000000000000000000000000010005000100010100010011001D00010010015E2C880002000B000000003544C87A000E000000001DD7E06A00000100002994',
  answer: '00000001',
};

/**
 * The only published example with a real fix and an NX element (IO 256,
 * VIN, 17 zero bytes). It was on the same page until 2019; the wiki's own
 * decoding reads timestamp 1510658324000, longitude 25.2562916, latitude
 * 54.6676016, altitude 138 m, 6 satellites.
 */
export const CODEC8E_EXAMPLE_2017: Vector = {
  name: 'Codec 8 Extended, 2017 example (GPS fix, NX element)',
  source: 'Teltonika wiki, "Codec" page, revision of 2 January 2019 (Special:MobileDiff/25868), Codec 8 Extended example',
  hex:
    '000000000000005F8E010000015FBA40B620000F0DCDE420959D30008A000006000000000006000100EF00' +
    '00010011001E000100100000CBDF0002000B000000003544C875000E0000000029BFE4D1000101000011' +
    '0000000000000000000000000000000000010000D153',
  answer: '00000001',
};

export const CODEC16_EXAMPLE: Vector = {
  name: 'Codec 16 example (two records, generation type 5)',
  source: `${WIKI}, Codec 16, example`,
  hex: '000000000000005F10020000016BDBC7833000000000000000000000000000000000000B05040200010000030002000B00270042563A00000000016BDBC7871800000000000000000000000000000000000B05040200010000030002000B00260042563A00000200005FB3',
  answer: '00000002',
};

export const UDP_CODEC8_EXAMPLE: Vector = {
  name: 'Codec 8 over UDP (packet id CAFE, AVL packet id 05, IMEI 352093086403655)',
  source: `${WIKI}, Codec 8, "Codec8 protocol sending over UDP" example`,
  hex: '003DCAFE0105000F33353230393330383634303336353508010000016B4F815B30010000000000000000000000000000000103021503010101425DBC000001',
  answer: '0005CAFE010501',
};

/** The wiki gives no answer for this one; `answer` follows the acknowledgement format of the Codec 8 UDP example. */
export const UDP_CODEC8E_EXAMPLE: Vector = {
  name: 'Codec 8 Extended over UDP (packet id CAFE, AVL packet id 07)',
  source: `${WIKI}, Codec 8 Extended, UDP example`,
  hex: '005FCAFE0107000F3335323039333038363430333635358E010000016B4F831C680100000000000000000000000000000000010005000100010100010011009D00010010015E2C880002000B000000003544C87A000E000000001DD7E06A000001',
  answer: '0005CAFE010701',
};

export const TCP_VECTORS: readonly Vector[] = [
  CODEC8_EXAMPLE_1,
  CODEC8_EXAMPLE_2,
  CODEC8_EXAMPLE_3,
  CODEC8E_EXAMPLE,
  CODEC8E_EXAMPLE_2017,
  CODEC16_EXAMPLE,
];

export function bytes(v: Vector): Buffer {
  return Buffer.from(v.hex, 'hex');
}
