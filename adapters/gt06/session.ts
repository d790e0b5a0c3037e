import { DeviceIdSchema, type DeviceId } from '../../engine/model/index.ts';
import { isCritical } from '../ingest/normalize.ts';
import {
  type ChunkPeek,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolSession,
  type SessionLimits,
  type SessionStep,
} from '../tcp/protocol-session.ts';
import { encodeAck, encodeTimeAnswer } from './answer.ts';
import { Gt06Framer, type Gt06Frame } from './framer.ts';
import { decodeLogin } from './login.ts';
import { RECORD_MESSAGES } from './message-table.ts';
import { PROTOCOL, protocolHex } from './protocol-numbers.ts';

/**
 * GT06 as a ProtocolSession: bytes in, steps out, no I/O.
 *
 * - 0x01 login -> `identify` (accept = login answer; reject = undefined, the
 *   listener just closes). Anything else before a login closes the connection.
 * - record messages (see message-table.ts) -> `records`, with the answer the
 *   protocol requires or `reply: undefined` where it requires none.
 * - 0x8A time request -> `reply` with the current UTC time.
 * - unknown protocol numbers -> `ignored` ('unsupported'); the stream goes on.
 *
 * The frame serial is not put in `seq`: it counts transmissions, not records
 * (GT06 §4.5), so a re-uploaded fix would get a new one and defeat the
 * record-id de-duplication, which then rests on (device, time, content).
 */

export interface Gt06SessionOptions {
  /** Clock for messages that carry no time (heartbeats, 0x19, 0x94) and for the time answer. */
  now?: () => number;
}

export function createGt06Session(limits: SessionLimits, options: Gt06SessionOptions = {}): ProtocolSession {
  return new Gt06Session(limits, options.now ?? Date.now);
}

class Gt06Session implements ProtocolSession {
  readonly protocol = 'gt06' as const;
  private id: DeviceId | undefined;
  private closed = false;
  private readonly framer: Gt06Framer;

  constructor(
    private readonly limits: SessionLimits,
    private readonly now: () => number,
  ) {
    this.framer = new Gt06Framer(limits.maxFrameBytes);
  }

  get deviceId(): string | undefined {
    return this.id;
  }

  push(chunk: Buffer): SessionStep[] {
    if (this.closed) return [];
    const steps: SessionStep[] = [];
    for (const ev of this.framer.push(chunk)) {
      let step: SessionStep;
      if (ev.kind === 'frame') step = this.safeHandle(ev.frame);
      else step = { kind: ev.kind, error: this.error(ev.code, ev.message, ev.detail) };
      steps.push(step);
      if (step.kind === 'close') {
        this.closed = true;
        break;
      }
    }
    return steps;
  }

  /**
   * Frames a copy of the stream from this chunk on (only when no frame is
   * partly buffered, so the chunk starts one) and decodes each record message
   * to throw it away: GT06 records are one small message each, so decoding
   * is as cheap as any header walk would be, and the peek says exactly what
   * `push` would decide (time, alarm). Anything else in the chunk (a login,
   * a time request, a bad CRC, an unknown message) and it says nothing.
   */
  peek(chunk: Buffer): ChunkPeek | undefined {
    if (this.closed || this.id === undefined || this.framer.bufferedBytes > 0) return undefined;
    const framer = new Gt06Framer(this.limits.maxFrameBytes);
    const events = framer.push(chunk);
    if (framer.bufferedBytes > 0) return undefined;
    const peek: ChunkPeek = { records: 0, critical: false, oldestDeviceTime: Number.POSITIVE_INFINITY, newestDeviceTime: Number.NEGATIVE_INFINITY };
    for (const ev of events) {
      if (ev.kind !== 'frame') return undefined;
      const spec = RECORD_MESSAGES.get(ev.frame.protocol);
      if (spec === undefined) return undefined;
      let outcome;
      try {
        outcome = spec.decode(ev.frame.content, { now: this.now(), serial: ev.frame.serial });
      } catch {
        return undefined;
      }
      if (outcome.kind !== 'record') return undefined;
      peek.records++;
      peek.critical ||= isCritical(outcome.record);
      peek.oldestDeviceTime = Math.min(peek.oldestDeviceTime, outcome.record.deviceTime);
      peek.newestDeviceTime = Math.max(peek.newestDeviceTime, outcome.record.deviceTime);
    }
    return peek.records > 0 ? peek : undefined;
  }

  /** Decoders are written not to throw; this net keeps a bug from ever taking the process down. */
  private safeHandle(frame: Gt06Frame): SessionStep {
    try {
      return this.handle(frame);
    } catch (e) {
      return this.ignored('bad-value', `decoder fault on ${protocolHex(frame.protocol)}: ${String(e)}`, {
        protocol: frame.protocol,
        fault: 'decoder-exception',
      });
    }
  }

  private handle(frame: Gt06Frame): SessionStep {
    if (frame.protocol === PROTOCOL.login) return this.login(frame);
    if (this.id === undefined) {
      return {
        kind: 'close',
        error: this.error('not-identified', `${protocolHex(frame.protocol)} before login`, { protocol: frame.protocol }),
      };
    }
    if (frame.protocol === PROTOCOL.timeRequest) return { kind: 'reply', reply: encodeTimeAnswer(frame.serial, this.now()) };

    const spec = RECORD_MESSAGES.get(frame.protocol);
    if (spec === undefined) {
      return this.ignored('unsupported', `protocol ${protocolHex(frame.protocol)} not decoded`, { protocol: frame.protocol });
    }
    if (this.limits.maxRecordsPerPacket < 1) {
      return this.ignored('too-many-records', 'maxRecordsPerPacket is below 1', { protocol: frame.protocol });
    }
    const outcome = spec.decode(frame.content, { now: this.now(), serial: frame.serial });
    switch (outcome.kind) {
      case 'record':
        return {
          kind: 'records',
          records: [{ deviceId: this.id, protocol: 'gt06', ...outcome.record }],
          reply: this.answer(spec.ack && outcome.answer !== false, frame),
          skipped: [],
        };
      case 'invalid':
        return {
          kind: 'records',
          records: [],
          reply: this.answer(spec.ack && outcome.answer !== false, frame),
          skipped: [{ index: 0, reason: outcome.reason }],
        };
      case 'malformed':
        return this.ignored('bad-length', `${spec.name}: ${outcome.reason}`, { protocol: frame.protocol });
      case 'unsupported':
        return this.ignored('unsupported', `${spec.name}: ${outcome.reason}`, { protocol: frame.protocol });
    }
  }

  private login(frame: Gt06Frame): SessionStep {
    const login = decodeLogin(frame.content);
    if (!login.ok) return { kind: 'close', error: this.error('bad-identity', login.reason) };
    const parsed = DeviceIdSchema.safeParse(login.imei);
    if (!parsed.success) return { kind: 'close', error: this.error('bad-identity', `terminal id ${login.imei} is not a device id`) };
    // A second login naming another device on the same connection is not a reconnect; refuse it.
    if (this.id !== undefined && this.id !== parsed.data) {
      return { kind: 'close', error: this.error('bad-identity', `login as ${parsed.data} on a connection of ${this.id}`) };
    }
    this.id = parsed.data;
    return { kind: 'identify', deviceId: parsed.data, accept: encodeAck(PROTOCOL.login, frame.serial), reject: undefined };
  }

  private answer(wanted: boolean, frame: Gt06Frame): Buffer | undefined {
    return wanted ? encodeAck(frame.protocol, frame.serial) : undefined;
  }

  private ignored(code: ProtocolErrorCode, message: string, detail?: Record<string, string | number>): SessionStep {
    return { kind: 'ignored', error: this.error(code, message, detail) };
  }

  private error(code: ProtocolErrorCode, message: string, detail?: Record<string, string | number>): ProtocolError {
    return new ProtocolError('gt06', code, message, this.id, detail);
  }
}
