import type { SimDevice, SimRecord } from './device.ts';
import { markAcked, markSent, type ClientContext } from './client.ts';
import { GT06_ALARM, GT06_HEARTBEAT, GT06_LOGIN, encodeAlarm, encodeHeartbeat, encodeLocation, encodeLogin, readAnswers } from './gt06-frames.ts';
import { TcpDeviceClient } from './tcp-client.ts';
import { now } from './stats.ts';

/**
 * A GT06 / Concox tracker over TCP: login (answered), then location frames
 * (never answered), heartbeats (answered) and alarms (answered). A tracker
 * cannot know a location arrived, but the platform handles each connection's
 * frames strictly in order, publishing before it answers the next one, so a
 * heartbeat's answer confirms every location sent before it: that is when
 * the simulator counts them acknowledged and forgets them. Locations sent
 * but unconfirmed when the link fails are sent again (same content, so the
 * platform drops the duplicates by record id); a replayed fix carries the
 * re-upload flag.
 *
 * Heartbeats go every `heartbeatEveryS` (3 min by default, divided by the
 * rate scale), after a replay burst, when `maxUnconfirmed` locations wait,
 * and when draining. A heartbeat is itself a record (status only).
 */

const MAX_UNCONFIRMED = 50;

export class Gt06Client extends TcpDeviceClient {
  private serial = 1;
  /** Locations written, not yet confirmed by a heartbeat answer. */
  private unconfirmed: SimRecord[] = [];
  /** Heartbeat in flight: its serial, send time and the locations it will confirm. */
  private heartbeat: { serial: number; sentAt: number; confirms: SimRecord[] } | undefined;
  private readonly alarms = new Map<number, SimRecord>();
  private lastHeartbeatAt = now();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(
    device: SimDevice,
    ctx: ClientContext,
    port: number,
    private readonly heartbeatEveryS: () => number,
  ) {
    super(device, ctx, port);
  }

  get idle(): boolean {
    return this.unconfirmed.length === 0 && this.heartbeat === undefined && this.alarms.size === 0;
  }

  get inflightCount(): number {
    return this.unconfirmed.length + (this.heartbeat?.confirms.length ?? 0) + this.alarms.size;
  }

  get unconfirmedCount(): number {
    return this.unconfirmed.length;
  }

  private nextSerial(): number {
    this.serial = (this.serial % 0xffff) + 1;
    return this.serial;
  }

  protected hello(): Buffer {
    return encodeLogin(this.device.id, this.nextSerial());
  }

  protected onAnswer(buf: Buffer): number {
    const { answers, rest } = readAnswers(buf);
    for (const a of answers) {
      if (a.protocol === GT06_LOGIN && this.state === 'identifying') {
        this.identified();
        this.scheduleHeartbeat();
      } else if (a.protocol === GT06_HEARTBEAT && this.heartbeat?.serial === a.serial) {
        const hb = this.heartbeat;
        this.heartbeat = undefined;
        this.disarmIfIdle();
        markAcked(this.ctx, this.device, hb.confirms, false);
        this.ctx.stats.counters.heartbeats++;
        this.ctx.stats.ack('gt06', now() - hb.sentAt, false);
      } else if (a.protocol === GT06_ALARM && this.alarms.has(a.serial)) {
        const r = this.alarms.get(a.serial)!;
        this.alarms.delete(a.serial);
        this.disarmIfIdle();
        markAcked(this.ctx, this.device, [r]);
      }
    }
    if (this.state === 'ready') {
      this.pump();
      this.kick();
    }
    return buf.length - rest.length;
  }

  private disarmIfIdle(): void {
    if (this.heartbeat === undefined && this.alarms.size === 0) this.disarmAckTimer();
  }

  private scheduleHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    const every = this.heartbeatEveryS() * 1000;
    const wait = Math.max(100, every - (now() - this.lastHeartbeatAt));
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      if (this.state === 'ready') {
        this.sendHeartbeat();
        this.scheduleHeartbeat();
      }
    }, wait);
  }

  private sendHeartbeat(): void {
    if (this.heartbeat || this.state !== 'ready') return;
    const serial = this.nextSerial();
    this.heartbeat = { serial, sentAt: now(), confirms: this.unconfirmed };
    this.unconfirmed = [];
    this.lastHeartbeatAt = now();
    this.armAckTimer();
    this.ctx.stats.counters.heartbeatsSent++;
    this.write(encodeHeartbeat(this.device.vehicle.state.ignition, serial));
  }

  protected pump(): void {
    if (this.state !== 'ready') return;
    if (!this.device.online) {
      // Losing coverage: confirm what was sent, then the link may go.
      if (this.unconfirmed.length > 0) this.sendHeartbeat();
      return;
    }
    const d = this.device;
    const frames: Buffer[] = [];
    let replaying = false;
    while (d.pending && this.unconfirmed.length < MAX_UNCONFIRMED) {
      const batch = d.next(Math.min(this.ctx.opts.replayBatch, MAX_UNCONFIRMED - this.unconfirmed.length));
      if (batch.length === 0) break;
      markSent(this.ctx, batch);
      for (const r of batch) {
        d.noteLiveSend(r);
        if (r.buffered) replaying = true;
        if (r.alarm) {
          const serial = this.nextSerial();
          this.alarms.set(serial, r);
          frames.push(encodeAlarm(r, serial));
        } else {
          frames.push(encodeLocation(r, this.nextSerial()));
          this.unconfirmed.push(r);
        }
      }
    }
    if (this.alarms.size > 0) this.armAckTimer();
    if (frames.length > 0) this.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    const confirmNow = this.unconfirmed.length >= MAX_UNCONFIRMED || (replaying && !d.hasHistory) || (this.ctx.draining && this.unconfirmed.length > 0);
    if (confirmNow) this.sendHeartbeat();
  }

  protected requeueInFlight(): void {
    const back = [...(this.heartbeat?.confirms ?? []), ...this.unconfirmed, ...this.alarms.values()];
    this.heartbeat = undefined;
    this.unconfirmed = [];
    this.alarms.clear();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (back.length > 0) this.device.requeue(back);
  }

  override close(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    super.close();
  }
}
