import net from 'node:net';
import { pino } from 'pino';
import type { Logger } from '../../engine/log.ts';
import type { DeviceId, Protocol, TelemetryRecord, TenantId } from '../../engine/model/index.ts';
import type { Admission, DeviceAdmission } from '../../engine/registry/device-registry.ts';

/**
 * Test helpers for the socket listeners: a real TCP client, and in-memory
 * stand-ins for the registry, the publisher and the log. Tests only.
 */

/** A device over a real socket: everything it receives is kept, in order. */
export class TestDevice {
  private received = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    socket.on('error', () => undefined); // a reset by the server is an outcome the tests inspect, not a failure
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<TestDevice> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new TestDevice(socket));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** Bytes received and not yet read. */
  pending(): Buffer {
    return this.received;
  }

  write(bytes: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(bytes, (err) => (err ? reject(err) : resolve())));
  }

  /** Writes one byte per TCP write, letting the event loop turn between them so they leave as separate segments. */
  async writeByteByByte(bytes: Buffer): Promise<void> {
    for (let i = 0; i < bytes.length; i++) {
      await this.write(bytes.subarray(i, i + 1));
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Exactly `n` bytes, or an error saying what arrived instead. */
  async read(n: number, timeoutMs = 2000): Promise<Buffer> {
    await this.until(() => this.received.length >= n || this.closedFlag, timeoutMs);
    if (this.received.length < n) {
      throw new Error(
        `expected ${n} bytes, got ${this.received.length} (${this.received.toString('hex') || 'nothing'})${this.closedFlag ? '; connection closed' : ''}`,
      );
    }
    const out = this.received.subarray(0, n);
    this.received = this.received.subarray(n);
    return Buffer.from(out);
  }

  async waitClosed(timeoutMs = 2000): Promise<void> {
    await this.until(() => this.closedFlag, timeoutMs);
    if (!this.closedFlag) throw new Error(`connection still open after ${timeoutMs} ms`);
  }

  end(): Promise<void> {
    this.socket.end();
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private until(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const check = (): void => {
        if (done()) finish();
        else this.waiters.push(check);
      };
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(check);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** A registry that admits the listed devices (all when none are listed) and records each question. */
export class FakeAdmission implements DeviceAdmission {
  readonly asked: { tenant: TenantId; device: DeviceId; protocol: Protocol }[] = [];
  /** Set to make admit() throw, as a registry outage would. */
  failWith: Error | undefined;

  constructor(private readonly allowed?: ReadonlySet<string>) {}

  async admit(tenant: TenantId, device: DeviceId, protocol: Protocol): Promise<Admission> {
    this.asked.push({ tenant, device, protocol });
    if (this.failWith) throw this.failWith;
    if (this.allowed && !this.allowed.has(device)) {
      return { admitted: false, reason: `device ${device} is not registered (registry is in strict mode)` };
    }
    return { admitted: true };
  }
}

/**
 * A publisher held in memory. By default it acknowledges at once; `hold()`
 * makes the next publishes wait until `release()`, `failNext()` makes the
 * next one throw, as JetStream timing out would.
 */
export class FakePublisher {
  /** Every batch handed to publish, acknowledged or not. */
  readonly batches: TelemetryRecord[][] = [];
  /** Batches that were acknowledged. */
  readonly stored: TelemetryRecord[][] = [];
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;
  private failures = 0;
  private calledWaiters: (() => void)[] = [];

  readonly publish = async (records: TelemetryRecord[]): Promise<{ stored: number }> => {
    this.batches.push(records);
    for (const w of this.calledWaiters.splice(0)) w();
    if (this.gate) await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('JetStream did not acknowledge (test)');
    }
    this.stored.push(records);
    return { stored: records.length };
  };

  /** As RecordPublisher.resent: a record id this publisher already stored. */
  readonly resent = (id: string): boolean => this.stored.some((batch) => batch.some((r) => r.id === id));

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  failNext(count = 1): void {
    this.failures = count;
  }

  /** Resolves once publish has been called `count` times in all. */
  called(count: number, timeoutMs = 2000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`publish called ${this.batches.length} times, expected ${count}`)), timeoutMs);
      const check = (): void => {
        if (this.batches.length >= count) {
          clearTimeout(timer);
          resolve();
        } else this.calledWaiters.push(check);
      };
      check();
    });
  }
}

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A pino logger whose lines land in `lines`, parsed, for assertions. */
export function captureLog(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` holds; for state that changes without an event the test can await. */
export async function eventually(check: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(5);
  }
}
