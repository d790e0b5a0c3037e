import net from 'node:net';
import { CODEC_8E, encodeAvlData, encodeImei, encodeTcpPacket, sampleRecord } from '../../adapters/teltonika/test-encoder.ts';

/**
 * A Teltonika tracker over real TCP with store-and-forward: it keeps its
 * buffered records until the server answers a packet with their count, and
 * resends them (after reconnecting) when no answer comes.
 */
export class TeltonikaTestDevice {
  private socket: net.Socket | undefined;
  private inbox = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  buffered: { timeMs: number; latE7: number; lonE7: number; speedKmh: number }[] = [];
  acked = 0;
  unanswered = 0;

  constructor(
    readonly imei: string,
    private readonly host: string,
    private readonly port: () => number,
  ) {}

  private async connect(): Promise<boolean> {
    this.socket?.destroy();
    this.inbox = Buffer.alloc(0);
    const s = net.connect({ host: this.host, port: this.port() });
    this.socket = s;
    s.on('data', (d) => {
      this.inbox = Buffer.concat([this.inbox, d]);
      for (const w of this.waiters.splice(0)) w();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      for (const w of this.waiters.splice(0)) w();
    });
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('connect', resolve);
        s.once('error', reject);
      });
    } catch {
      return false;
    }
    s.write(encodeImei(this.imei));
    const answer = await this.read(1, 5000);
    return answer?.[0] === 1;
  }

  private async read(n: number, timeoutMs: number): Promise<Buffer | undefined> {
    const end = Date.now() + timeoutMs;
    while (this.inbox.length < n) {
      if (Date.now() > end || !this.socket || this.socket.destroyed) return undefined;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, end - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const out = this.inbox.subarray(0, n);
    this.inbox = this.inbox.subarray(n);
    return out;
  }

  record(timeMs: number, i: number): void {
    this.buffered.push({ timeMs, latE7: 520000000 + i * 1000, lonE7: 43000000 + i * 1000, speedKmh: 30 + (i % 50) });
  }

  /** Sends up to `max` buffered records as one packet; true when the server acknowledged them all. */
  async sendBatch(max = 10, timeoutMs = 8000): Promise<boolean> {
    if (this.buffered.length === 0) return true;
    if (!this.socket || this.socket.destroyed) {
      if (!(await this.connect())) return false;
    }
    const batch = this.buffered.slice(0, max);
    const data = encodeAvlData(
      CODEC_8E,
      batch.map((r) => sampleRecord({ timestampMs: BigInt(r.timeMs), latE7: r.latE7, lonE7: r.lonE7, speedKmh: r.speedKmh, satellites: 9 })),
    );
    this.socket!.write(encodeTcpPacket(data));
    const ack = await this.read(4, timeoutMs);
    if (!ack || ack.readUInt32BE(0) !== batch.length) {
      this.unanswered++;
      this.socket?.destroy();
      return false;
    }
    this.buffered.splice(0, batch.length);
    this.acked += batch.length;
    return true;
  }

  close(): void {
    this.socket?.destroy();
  }
}
