import type { ProtocolErrorCode } from './protocol-session.ts';

/**
 * Counters of one listener, updated in place: cheap enough to bump on every
 * packet, and read by whoever exports metrics (a Prometheus collector reads
 * the object at scrape time; nothing here depends on prom-client).
 */

/** Why a connection was refused before any byte was read. */
export type RefuseReason = 'max-connections' | 'max-connections-per-address' | 'listener-closing';

/** Why an accepted connection ended. */
export type CloseReason =
  /** The device closed (or reset) the connection. */
  | 'peer-closed'
  /** Nothing received for idleTimeoutMs. */
  | 'idle-timeout'
  /** The session gave up on the stream (framing, frame too large, data before identification...). */
  | 'protocol-error'
  /** Too many packets in a row that the session ignored. */
  | 'too-many-ignored'
  /** The registry refused the device. */
  | 'device-refused'
  /** The registry could not be asked; the device is not answered and retries. */
  | 'admission-failed'
  /** JetStream did not acknowledge; the device is not answered and resends. */
  | 'publish-failed'
  /** A bug in a session or in the listener: logged, and only this connection pays. */
  | 'internal-error'
  /** The listener is shutting down. */
  | 'listener-closed'
  /** The same device identified on a newer connection: it gave up on this one, so what waits here is stale. */
  | 'replaced';

export interface TcpListenerStats {
  connectionsAccepted: number;
  connectionsRefused: Record<RefuseReason, number>;
  connectionsClosed: Record<CloseReason, number>;
  devicesAdmitted: number;
  /** Records JetStream acknowledged. */
  recordsPublished: number;
  /** Records that failed normalisation (acknowledged to the device, never published). */
  recordsDropped: number;
  /** Records the devices sent again after JetStream had acknowledged them (answered, not published twice). */
  recordsResent: number;
  /** Publishes that threw; each left a device unanswered. */
  publishFailures: number;
  /** Packets the sessions ignored or closed on, by error code. */
  protocolErrors: Partial<Record<ProtocolErrorCode, number>>;
}

export function createListenerStats(): TcpListenerStats {
  return {
    connectionsAccepted: 0,
    connectionsRefused: { 'max-connections': 0, 'max-connections-per-address': 0, 'listener-closing': 0 },
    connectionsClosed: {
      'peer-closed': 0,
      replaced: 0,
      'idle-timeout': 0,
      'protocol-error': 0,
      'too-many-ignored': 0,
      'device-refused': 0,
      'admission-failed': 0,
      'publish-failed': 0,
      'internal-error': 0,
      'listener-closed': 0,
    },
    devicesAdmitted: 0,
    recordsPublished: 0,
    recordsDropped: 0,
    recordsResent: 0,
    publishFailures: 0,
    protocolErrors: {},
  };
}

export function countProtocolError(stats: TcpListenerStats, code: ProtocolErrorCode): void {
  stats.protocolErrors[code] = (stats.protocolErrors[code] ?? 0) + 1;
}
