import net from 'node:net';
import type { SimDevice } from './device.ts';
import { localAddressFor, retryDelayMs, type ClientContext, type ProtocolClient } from './client.ts';

/**
 * A tracker's persistent TCP connection, protocol-neutral: connect when in
 * coverage and something is to be sent, identify, exchange, and on any
 * failure (refused, reset, answer overdue) close, hand the unacknowledged
 * records back to the device and try again later. Leaving coverage closes
 * the connection once the exchange in flight is answered, as a modem loses
 * its link after the last packet.
 */

type State = 'down' | 'waiting-retry' | 'connecting' | 'identifying' | 'ready';

export abstract class TcpDeviceClient implements ProtocolClient {
  protected socket: net.Socket | undefined;
  protected state: State = 'down';
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private rx: Buffer = Buffer.alloc(0);

  constructor(
    readonly device: SimDevice,
    protected readonly ctx: ClientContext,
    private readonly port: number,
  ) {}

  /** Anything sent and not yet answered. */
  abstract get idle(): boolean;
  abstract get inflightCount(): number;
  /** The identification frame (IMEI handshake, login). */
  protected abstract hello(): Buffer;
  /** Consume answer bytes; return how many were used (the rest waits for more). */
  protected abstract onAnswer(buf: Buffer): number;
  /** Send what is due. Called when ready and kicked. */
  protected abstract pump(): void;
  /** The connection failed: give every unacknowledged record back to the device. */
  protected abstract requeueInFlight(): void;

  kick(): void {
    if (this.ctx.stopped) return;
    const d = this.device;
    if (this.state === 'ready') {
      if (!d.online && this.idle) {
        this.drop(false); // out of coverage: the link goes once nothing is in flight
        return;
      }
      this.pump();
      return;
    }
    if (this.state === 'down' && d.online && d.pending) void this.connect();
  }

  private async connect(): Promise<void> {
    this.state = 'connecting';
    await this.ctx.connectGate.enter();
    if (this.ctx.stopped || !this.device.online) {
      this.ctx.connectGate.leave();
      this.state = 'down';
      return;
    }
    const localAddress = localAddressFor(this.ctx.opts, this.device.index);
    const socket = net.connect({ host: this.ctx.opts.host, port: this.port, ...(localAddress ? { localAddress } : {}), noDelay: true });
    this.socket = socket;
    let connected = false;
    const connectTimer = setTimeout(() => socket.destroy(new Error('connect timeout')), 15_000);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      this.ctx.connectGate.leave();
      this.ctx.stats.counters.connects++;
      this.state = 'identifying';
      this.rx = Buffer.alloc(0);
      this.armAckTimer();
      socket.write(this.hello());
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(connectTimer);
      if (!connected) {
        this.ctx.connectGate.leave();
        this.ctx.stats.counters.connectFailures++;
      }
      if (this.socket === socket) this.onClosed(connected);
    });
  }

  private onData(chunk: Buffer): void {
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk]);
    let used: number;
    while (this.rx.length > 0 && (used = this.onAnswer(this.rx)) > 0) this.rx = this.rx.subarray(used);
  }

  /** Identification answered: start exchanging. */
  protected identified(): void {
    this.state = 'ready';
    this.failures = 0;
    this.disarmAckTimer();
    this.pump();
    if (!this.device.online && this.idle) this.drop(false);
  }

  /** A protocol-level refusal or wrong answer: treat as a failure. */
  protected fail(): void {
    this.ctx.stats.counters.sendFailures++;
    this.drop(true);
  }

  protected armAckTimer(): void {
    this.disarmAckTimer();
    this.ackTimer = setTimeout(() => this.fail(), this.ctx.opts.ackTimeoutMs);
  }

  protected disarmAckTimer(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  protected write(bytes: Buffer): void {
    this.socket?.write(bytes);
  }

  private drop(failed: boolean): void {
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
    this.onClosed(!failed, failed);
  }

  private onClosed(wasConnected: boolean, failed = !wasConnected || !this.idle): void {
    this.socket = undefined;
    this.disarmAckTimer();
    if (wasConnected) this.ctx.stats.counters.disconnects++;
    this.requeueInFlight();
    if (failed) this.failures++;
    this.state = 'down';
    if (this.ctx.stopped) return;
    if (failed) {
      this.state = 'waiting-retry';
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.state = 'down';
        this.kick();
      }, retryDelayMs(this.failures));
    } else if (this.device.online && this.device.pending) {
      this.kick();
    }
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.disarmAckTimer();
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
    this.state = 'down';
  }
}
