import { deviceId as toDeviceId, type DeviceId } from '../../engine/model/index.ts';
import {
  DEFAULT_SESSION_LIMITS,
  type ChunkPeek,
  type ProtocolErrorCode,
  type ProtocolSession,
  type SessionLimits,
  type SessionStep,
} from '../tcp/protocol-session.ts';
import { decodeAvlData } from './avl-decoder.ts';
import { CRC_BYTES, HEADER_BYTES } from './avl-frame.ts';
import { ByteCollector } from './byte-collector.ts';
import { crc16Ibm } from './crc16-ibm.ts';
import { teltonikaError } from './errors.ts';
import { IMEI_LENGTH, imeiAccept, imeiReject, isImeiDigits } from './imei.ts';
import { DEFAULT_IO_FAMILY, IO_TABLES, type IoFamily, type IoTable } from './io-map.ts';
import { peekAvlPackets } from './replay-peek.ts';

/**
 * The Teltonika TCP protocol as a pure state machine: IMEI handshake, then
 * AVL packets (preamble 0x00000000, data length, codec .. number of data 2,
 * CRC). Bytes in, steps out; the listener does the I/O.
 */

export interface TeltonikaSessionOptions {
  /** Which IO table maps this device's IO ids (default 'fmb'). */
  ioFamily?: IoFamily;
}

type State = 'imei-length' | 'imei' | 'avl-header' | 'avl-body' | 'closed';


export function createTeltonikaSession(
  limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  opts: TeltonikaSessionOptions = {},
): ProtocolSession {
  return new TeltonikaSession(limits, IO_TABLES[opts.ioFamily ?? DEFAULT_IO_FAMILY]);
}

class TeltonikaSession implements ProtocolSession {
  readonly protocol = 'teltonika' as const;
  private state: State = 'imei-length';
  private readonly collector = new ByteCollector();
  private imei: DeviceId | undefined;
  private dataLength = 0;

  constructor(
    private readonly limits: SessionLimits,
    private readonly ioTable: IoTable,
  ) {
    this.collector.expect(2);
  }

  get deviceId(): string | undefined {
    return this.imei;
  }

  push(chunk: Buffer): SessionStep[] {
    const steps: SessionStep[] = [];
    try {
      let off = 0;
      while (off < chunk.length && this.state !== 'closed') {
        off = this.collector.take(chunk, off);
        if (this.collector.missing() !== 0) break;
        steps.push(...this.onComplete(this.collector.bytes));
      }
    } catch (err) {
      // A decoder bug must cost one connection, never the process.
      steps.push(this.close('bad-framing', `internal error: ${err instanceof Error ? err.message : String(err)}`));
    }
    return steps;
  }

  peek(chunk: Buffer): ChunkPeek | undefined {
    // Only between packets of an identified device: nothing of a frame is buffered, so the chunk starts one.
    if (this.state !== 'avl-header' || this.collector.missing() !== HEADER_BYTES) return undefined;
    return peekAvlPackets(chunk, this.limits, this.ioTable);
  }

  private onComplete(bytes: Buffer): SessionStep[] {
    switch (this.state) {
      case 'imei-length':
        return this.onImeiLength(bytes.readUInt16BE(0));
      case 'imei':
        return [this.onImei(bytes)];
      case 'avl-header':
        return this.onHeader(bytes);
      case 'avl-body':
        return [this.onBody(bytes)];
      case 'closed':
        return [];
    }
  }

  private onImeiLength(length: number): SessionStep[] {
    if (length === 0) {
      // Two zero bytes are how an AVL packet's preamble starts.
      return [this.close('not-identified', 'AVL data before the IMEI handshake')];
    }
    if (length !== IMEI_LENGTH) {
      return [this.close('bad-identity', `IMEI length ${length}, expected ${IMEI_LENGTH}`, { length })];
    }
    this.enter('imei', IMEI_LENGTH);
    return [];
  }

  private onImei(bytes: Buffer): SessionStep {
    if (!isImeiDigits(bytes, 0, IMEI_LENGTH)) {
      return this.close('bad-identity', 'IMEI is not 15 ASCII digits', { hex: bytes.toString('hex') });
    }
    this.imei = toDeviceId(bytes.toString('latin1', 0, IMEI_LENGTH));
    this.enter('avl-header', HEADER_BYTES);
    return { kind: 'identify', deviceId: this.imei, accept: imeiAccept(), reject: imeiReject() };
  }

  private onHeader(bytes: Buffer): SessionStep[] {
    const preamble = bytes.readUInt32BE(0);
    if (preamble !== 0) {
      return [this.close('bad-framing', `preamble 0x${preamble.toString(16).padStart(8, '0')}, expected 0x00000000`)];
    }
    const length = bytes.readUInt32BE(4);
    if (HEADER_BYTES + length + CRC_BYTES > this.limits.maxFrameBytes) {
      return [
        this.close('frame-too-large', `data length ${length} exceeds the ${this.limits.maxFrameBytes}-byte frame limit`, {
          length,
          maxFrameBytes: this.limits.maxFrameBytes,
        }),
      ];
    }
    this.dataLength = length;
    this.enter('avl-body', length + CRC_BYTES);
    return [];
  }

  private onBody(bytes: Buffer): SessionStep {
    const length = this.dataLength;
    this.enter('avl-header', HEADER_BYTES);
    const sent = bytes.readUInt32BE(length);
    const computed = crc16Ibm(bytes, 0, length);
    if (sent !== computed) {
      // A damaged packet: no answer, so the device sends it again.
      return {
        kind: 'ignored',
        error: teltonikaError('bad-crc', `CRC 0x${sent.toString(16)} sent, 0x${computed.toString(16)} computed`, this.imei),
      };
    }
    const decoded = decodeAvlData(bytes.subarray(0, length), {
      deviceId: this.imei!,
      maxRecordsPerPacket: this.limits.maxRecordsPerPacket,
      ioTable: this.ioTable,
    });
    if (!decoded.ok) {
      if (decoded.code === 'too-many-records') return this.close(decoded.code, decoded.message);
      return { kind: 'ignored', error: teltonikaError(decoded.code, decoded.message, this.imei) };
    }
    // The answer counts every record the packet carried, skipped ones
    // included. A Teltonika device compares the count with what it sent and,
    // on a mismatch, resends the whole packet: a record with an impossible
    // value would come back forever and block the device's buffer behind it.
    // Skipping is logged through `skipped`; resending would not repair it.
    const reply = Buffer.alloc(4);
    reply.writeUInt32BE(decoded.count, 0);
    return { kind: 'records', records: decoded.records, reply, skipped: decoded.skipped };
  }

  private enter(state: State, expect: number): void {
    this.state = state;
    this.collector.expect(expect);
  }

  private close(code: ProtocolErrorCode, message: string, detail?: Record<string, string | number>): SessionStep {
    this.state = 'closed';
    return { kind: 'close', error: teltonikaError(code, message, this.imei, detail) };
  }
}
