import type { SimDevice, SimRecord } from './device.ts';
import { markAcked, markSent, type ClientContext } from './client.ts';
import { TcpDeviceClient } from './tcp-client.ts';
import { encodeAvlPacket, encodeImeiHandshake } from './teltonika-frames.ts';

/**
 * A Teltonika FMB unit over TCP: IMEI handshake (answer 0x01), then Codec 8E
 * packets, one at a time, each answered with the 4-byte count of records the
 * server took. Records stay on the device until that count arrives; a wrong
 * count, a silence or a dropped link means the whole packet is sent again.
 *
 * Live, a unit sends when it has `packetRecords` records (1-3 per device, as
 * a "send period" longer than the "record period" gives) or when the oldest
 * has waited 30 s; alarms and replays go at once, up to `replayBatch` records
 * a packet.
 */

const MAX_WAIT_MS = 30_000;

export class TeltonikaClient extends TcpDeviceClient {
  private inflight: SimRecord[] = [];
  private readonly packetRecords: number;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(device: SimDevice, ctx: ClientContext, port: number) {
    super(device, ctx, port);
    this.packetRecords = 1 + (device.index % 3);
  }

  get idle(): boolean {
    return this.inflight.length === 0;
  }

  get inflightCount(): number {
    return this.inflight.length;
  }

  protected hello(): Buffer {
    return encodeImeiHandshake(this.device.id);
  }

  protected onAnswer(buf: Buffer): number {
    if (this.state === 'identifying') {
      if (buf[0] === 0x01) this.identified();
      else this.fail();
      return 1;
    }
    if (buf.length < 4) return 0;
    const count = buf.readUInt32BE(0);
    const batch = this.inflight;
    if (batch.length === 0) return 4;
    this.disarmAckTimer();
    if (count !== batch.length) {
      this.fail();
      return 4;
    }
    this.inflight = [];
    markAcked(this.ctx, this.device, batch);
    this.pump();
    this.kick(); // may drop the link if coverage was lost meanwhile
    return 4;
  }

  protected pump(): void {
    if (this.state !== 'ready' || this.inflight.length > 0 || !this.device.online) return;
    const d = this.device;
    if (!d.pending) return;
    const urgent = d.hasHistory || this.ctx.draining || d.queued >= this.packetRecords || this.hasAlarmOrOld();
    if (!urgent) {
      this.flushTimer ??= setTimeout(() => {
        this.flushTimer = undefined;
        this.pumpNow();
      }, MAX_WAIT_MS);
      return;
    }
    this.pumpNow();
  }

  private hasAlarmOrOld(): boolean {
    const oldest = this.device.oldestQueued();
    return oldest !== undefined && (oldest.alarm !== undefined || Date.now() - oldest.deviceTime >= MAX_WAIT_MS);
  }

  private pumpNow(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = undefined;
    }
    if (this.state !== 'ready' || this.inflight.length > 0 || !this.device.online) return;
    const batch = this.device.next(this.ctx.opts.replayBatch);
    if (batch.length === 0) return;
    this.inflight = batch;
    markSent(this.ctx, batch);
    for (const r of batch) this.device.noteLiveSend(r);
    this.armAckTimer();
    this.write(encodeAvlPacket(batch));
  }

  protected requeueInFlight(): void {
    if (this.inflight.length > 0) this.device.requeue(this.inflight);
    this.inflight = [];
  }

  override close(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    super.close();
  }
}
