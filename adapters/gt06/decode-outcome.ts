import type { DecodedRecord } from '../../engine/model/index.ts';

/** What a message decoder fills in; the session adds deviceId and protocol. */
export type RecordDraft = Omit<DecodedRecord, 'deviceId' | 'protocol'>;

export interface DecodeContext {
  /** Receive time (epoch ms) for messages that carry no time of their own. */
  now: number;
  /** The frame's serial (information serial number), for receiveTimeOf. */
  serial?: number;
}

/**
 * Device time of a message that carries none (heartbeats, 0x19, 0x94, an
 * alarm with a bad date): the receive time, with the frame's serial put in
 * `attributes.frameSerial`. Without it, two such messages of one device
 * decoded within the same millisecond with the same content get the same
 * record id, and the second is answered as a resend and never stored: the
 * likeliest reading of one heartbeat answered and not stored in a
 * 4.3-million-record reconnect-storm bench. A frame sent again arrives at
 * another time, so the serial takes nothing from de-duplication.
 */
export function receiveTimeOf(ctx: DecodeContext, attributes: NonNullable<RecordDraft['attributes']>): number {
  if (ctx.serial !== undefined) attributes.frameSerial = ctx.serial;
  return Math.floor(ctx.now);
}

/**
 * A message decoder never throws; it says which of four things happened, and
 * the session turns that into a step:
 * - record:      one record (answered per the message table)
 * - invalid:     the frame is sound but a value is out of range -> record skipped, frame still answered
 * - malformed:   content shorter/longer than the layout allows -> ignored ('bad-length'), not answered
 * - unsupported: a sub-type we do not decode -> ignored ('unsupported')
 * `answer: false` lets a decoder veto the answer (alarm language 0x00 = "no reply needed").
 */
export type DecodeOutcome =
  | { kind: 'record'; record: RecordDraft; answer?: boolean }
  | { kind: 'invalid'; reason: string; answer?: boolean }
  | { kind: 'malformed'; reason: string }
  | { kind: 'unsupported'; reason: string };

export type MessageDecoder = (content: Buffer, ctx: DecodeContext) => DecodeOutcome;
