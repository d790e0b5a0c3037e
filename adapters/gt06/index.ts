/** GT06 / Concox: the public surface. Everything else in this folder is internal. */
export { createGt06Session, type Gt06SessionOptions } from './session.ts';
export { Gt06Framer, type Gt06Frame, type FramerEvent } from './framer.ts';
export { crcItu } from './crc-itu.ts';
export { encodeAck, encodeShortFrame, encodeTimeAnswer } from './answer.ts';
export { writeDateTime } from './date-time.ts';
export { PROTOCOL as GT06_PROTOCOL } from './protocol-numbers.ts';
export { ALARM_CODES, type AlarmCodeSpec } from './alarm-codes.ts';
export { TERMINAL_ALARM_STATES, TERMINAL_INFO_FLAGS } from './terminal-info.ts';

/** Conventional GT06 port (the one installers know from Traccar). */
export const GT06_DEFAULT_PORT = 5023;
