import type { DecodedRecord } from '../../engine/model/index.ts';

/** What a message decoder fills in; the session adds deviceId and protocol. */
export type RecordDraft = Omit<DecodedRecord, 'deviceId' | 'protocol'>;

export interface DecodeContext {
  /** Receive time (epoch ms) for messages that carry no time of their own. */
  now: number;
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
