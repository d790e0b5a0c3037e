import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from '../../engine/log.ts';
import type { Protocol, TelemetryRecord, TenantId } from '../../engine/model/index.ts';
import type { DeviceAdmission } from '../../engine/registry/device-registry.ts';
import { yieldIfDue } from '../../engine/scheduling/turn-budget.ts';
import { resolveConnectionLimits, sessionLimitsOf, type ConnectionLimits } from './connection-limits.ts';
import { threadDecodeScheduler, type DecodeScheduler } from './decode-scheduler.ts';
import type { ReplayHold } from '../ingest/replay-hold.ts';
import type { AdmitRecords } from '../ingest/intake.ts';
import { DeviceConnection, type ConnectionContext } from './device-connection.ts';
import { createListenerStats, type RefuseReason, type TcpListenerStats } from './listener-stats.ts';
import { LogBudget } from './log-budget.ts';
import type { ProtocolSession, SessionLimits } from './protocol-session.ts';

/**
 * A TCP listener for one binary protocol. The protocol itself is a pure
 * session (bytes in, steps out); this file owns the sockets: accepting
 * within the connection limits, one DeviceConnection per socket, and an
 * orderly shutdown.
 */

export interface TcpListenerOptions {
  host: string;
  /** 0 picks a free port (tests); read the chosen one from `TcpListener.port`. */
  port: number;
  protocol: Protocol;
  tenant: TenantId;
  /** A fresh session per connection, built with the listener's frame and record caps. */
  createSession: (limits: SessionLimits) => ProtocolSession;
  /** Missing fields take DEFAULT_CONNECTION_LIMITS. */
  limits?: Partial<ConnectionLimits>;
  admission: DeviceAdmission;
  /** Must resolve only once JetStream acknowledged every record (RecordPublisher.publish does). */
  publish: (records: TelemetryRecord[]) => Promise<unknown>;
  /** Paces ordinary records (adapters/ingest/intake-governor.ts); without it they only wait for the thread's next turn. */
  admit?: AdmitRecords;
  /** True when a record id was already acknowledged (RecordPublisher.resent): the device's resend is answered at once. */
  resent?: (id: string) => boolean;
  /** Sends a critical record's urgent copy the moment its frame is decoded (RecordPublisher.urgentNow). */
  urgentNow?: (record: TelemetryRecord) => void;
  log: Logger;
  /** Clock for the records' receive time. */
  now?: () => number;
  /** When received bytes are decoded (default: the thread's scheduler, decode-scheduler.ts). */
  decoding?: DecodeScheduler;
  /** Where replays wait as bytes while the intake is backed up (adapters/ingest/replay-hold.ts); without one, none wait. */
  replayHold?: ReplayHold;
}

export interface TcpListener {
  readonly port: number;
  /** Open device connections. */
  connections(): number;
  /** Live counters, updated in place. */
  readonly stats: Readonly<TcpListenerStats>;
  /**
   * Stops accepting, lets each connection finish the step in flight (so an
   * acknowledged publish is still answered), ends every socket; resolves
   * once all are closed (at the latest SHUTDOWN_GRACE_MS after the call).
   */
  close(): Promise<void>;
}

/** After this long, connections still open at shutdown are destroyed. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Refusals are logged, but a connection flood must not become a log flood. */
const REFUSAL_LOG_LINES = 20;
const REFUSAL_LOG_WINDOW_MS = 10_000;

export async function startTcpListener(opts: TcpListenerOptions): Promise<TcpListener> {
  const limits = resolveConnectionLimits(opts.limits);
  const sessionLimits = sessionLimitsOf(limits);
  const stats = createListenerStats();
  const log = opts.log.child({ listener: opts.protocol });
  /** The newest connection of each admitted device. */
  const byDevice = new Map<string, DeviceConnection>();
  const ctx: ConnectionContext = {
    protocol: opts.protocol,
    tenant: opts.tenant,
    limits,
    admission: opts.admission,
    publish: opts.publish,
    admit: opts.admit ?? (async () => yieldIfDue()),
    ...(opts.urgentNow ? { urgentNow: opts.urgentNow } : {}),
    ...(opts.resent ? { resent: opts.resent } : {}),
    log,
    now: opts.now ?? Date.now,
    stats,
    decoding: opts.decoding ?? threadDecodeScheduler,
    ...(opts.replayHold ? { replayHold: opts.replayHold } : {}),
    claim: (deviceId, conn) => {
      const older = byDevice.get(deviceId);
      byDevice.set(deviceId, conn);
      if (older !== undefined && older !== conn) older.replaced();
    },
  };
  const open = new Set<DeviceConnection>();
  const perAddress = new Map<string, number>();
  const refusalLog = new LogBudget(REFUSAL_LOG_LINES, REFUSAL_LOG_WINDOW_MS);
  let closing: Promise<void> | undefined;
  let onDrained = (): void => undefined;

  // noDelay: answers are a few bytes and a device waits for each one before
  // sending the next packet; Nagle would only add latency.
  const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 });

  const refuse = (socket: Socket, address: string, reason: RefuseReason, detail: string): void => {
    stats.connectionsRefused[reason]++;
    const budget = refusalLog.take();
    if (budget) {
      log.warn({ protocol: opts.protocol, remote: address, reason: detail, suppressedSinceLast: budget.suppressed }, 'connection refused');
    }
    socket.destroy();
  };

  const onConnection = (socket: Socket): void => {
    socket.on('error', () => undefined); // errors before the connection owns the socket are not ours to report
    const address = normalizeAddress(socket.remoteAddress);
    if (closing) return refuse(socket, address, 'listener-closing', 'listener is shutting down');
    if (open.size >= limits.maxConnections) {
      return refuse(socket, address, 'max-connections', `${open.size} connections open (limit maxConnections ${limits.maxConnections})`);
    }
    const fromAddress = perAddress.get(address) ?? 0;
    if (fromAddress >= limits.maxConnectionsPerAddress) {
      return refuse(
        socket,
        address,
        'max-connections-per-address',
        `${fromAddress} connections open from ${address} (limit maxConnectionsPerAddress ${limits.maxConnectionsPerAddress})`,
      );
    }
    const session = opts.createSession(sessionLimits);
    const conn = new DeviceConnection(socket, session, ctx, address, (c) => {
      open.delete(c);
      if (c.deviceId !== undefined && byDevice.get(c.deviceId) === c) byDevice.delete(c.deviceId);
      if (closing && open.size === 0) onDrained();
      const left = (perAddress.get(c.address) ?? 1) - 1;
      if (left <= 0) perAddress.delete(c.address);
      else perAddress.set(c.address, left);
    });
    open.add(conn);
    perAddress.set(address, fromAddress + 1);
    stats.connectionsAccepted++;
    log.debug({ protocol: opts.protocol, remote: conn.remote }, 'connection accepted');
  };

  server.on('connection', (socket: Socket) => {
    try {
      onConnection(socket);
    } catch (err) {
      // e.g. a session factory that throws: this connection is dropped, the listener goes on.
      stats.connectionsClosed['internal-error']++;
      log.error({ protocol: opts.protocol, remote: socket.remoteAddress, err: err instanceof Error ? err.message : String(err) }, 'could not set up connection');
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: opts.host, port: opts.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After start-up, server errors (EMFILE on accept...) are logged; they must not kill the process.
  server.on('error', (err) => log.error({ protocol: opts.protocol, err: err.message }, 'listener error'));
  const port = (server.address() as AddressInfo).port;
  log.info({ protocol: opts.protocol, host: opts.host, port, limits }, 'TCP listener ready');

  return {
    port,
    stats,
    connections: () => open.size,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        const grace = setTimeout(() => {
          for (const c of open) c.destroy();
        }, SHUTDOWN_GRACE_MS);
        grace.unref();
        // The server reports closed when its sockets are gone, which can be a
        // tick before our own close handlers ran; wait for both.
        const serverClosed = new Promise<void>((r) => server.close(() => r()));
        const drained = new Promise<void>((r) => (onDrained = r));
        if (open.size === 0) onDrained();
        for (const c of open) c.shutdown();
        void Promise.all([serverClosed, drained]).then(() => {
          clearTimeout(grace);
          log.info({ protocol: opts.protocol, port }, 'TCP listener closed');
          resolve();
        });
      });
      return closing;
    },
  };
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same host; count them as one. */
function normalizeAddress(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
