import type { DecodedRecord, Protocol } from '../../engine/model/index.ts';

/**
 * The contract between a binary TCP protocol (pure: bytes in, steps out) and
 * the socket listener that carries the steps out (I/O: registry lookups,
 * JetStream publishes, writing answers). A session never touches a socket,
 * so every decoder is tested in microseconds with byte vectors.
 */

export type ProtocolErrorCode =
  | 'frame-too-large' // a length field claims more than the configured cap
  | 'bad-framing' // start/stop bytes or preamble wrong: the stream cannot be resynchronised
  | 'bad-crc' // checksum mismatch: packet ignored, never acknowledged
  | 'bad-length' // declared length disagrees with the content
  | 'unsupported' // codec or message type we do not decode
  | 'not-identified' // data before login / IMEI handshake
  | 'bad-identity' // IMEI / terminal id malformed
  | 'too-many-records' // more records in one packet than allowed
  | 'bad-value'; // one field out of range: that record is skipped

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly protocol: Protocol,
    readonly code: ProtocolErrorCode,
    message: string,
    readonly deviceId?: string,
    readonly detail?: Record<string, string | number>,
  ) {
    super(message);
  }
}

export interface SkippedRecord {
  index: number;
  reason: string;
}

export type SessionStep =
  /** The device said who it is. The listener checks the registry, then writes `accept` or `reject` (and closes). */
  | { kind: 'identify'; deviceId: string; accept: Buffer | undefined; reject: Buffer | undefined }
  /** Records to publish; `reply` is written only after JetStream acknowledged every one of them. */
  | { kind: 'records'; records: DecodedRecord[]; reply: Buffer | undefined; skipped: SkippedRecord[] }
  /** An answer that carries no records (heartbeat, time request...). */
  | { kind: 'reply'; reply: Buffer }
  /** A packet that is dropped without an answer (e.g. wrong CRC); the connection stays open. */
  | { kind: 'ignored'; error: ProtocolError }
  /** A fatal framing error: log it and close this connection only. */
  | { kind: 'close'; error: ProtocolError };

export interface SessionLimits {
  /** Largest frame accepted, in bytes; a length field claiming more closes the connection. */
  maxFrameBytes: number;
  /** Most records accepted in one packet. */
  maxRecordsPerPacket: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  maxFrameBytes: 64 * 1024,
  maxRecordsPerPacket: 255,
};

/**
 * What a chunk of bytes holds, read without decoding its records into the
 * model (ProtocolSession.peek): enough for the listener to tell a replay from
 * the device's buffer, which may wait as bytes, from anything that must not.
 */
export interface ChunkPeek {
  /** Records the chunk's frames carry. */
  records: number;
  /** A record takes, or may take, the urgent lane (panic, crash). */
  critical: boolean;
  /** Device times of the oldest and newest record, ms. */
  oldestDeviceTime: number;
  newestDeviceTime: number;
}

export interface ProtocolSession {
  readonly protocol: Protocol;
  /** Known once the device identified itself. */
  readonly deviceId: string | undefined;
  /**
   * Feed bytes as they arrive (split or coalesced arbitrarily). Returns the
   * steps for every complete frame now available, in order. Never throws;
   * buffers at most `maxFrameBytes` of an incomplete frame.
   */
  push(chunk: Buffer): SessionStep[];
  /**
   * What `chunk` would yield if pushed next, when that is nothing but whole
   * records frames of an identified device; undefined otherwise (a frame
   * split across chunks, a login, a frame it would ignore). Never changes the
   * session, and far cheaper than `push`: it is asked about every chunk while
   * the intake is backed up. Optional: a protocol without it is never held.
   */
  peek?(chunk: Buffer): ChunkPeek | undefined;
}
