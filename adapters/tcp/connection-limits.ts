import { DEFAULT_SESSION_LIMITS, type SessionLimits } from './protocol-session.ts';

/**
 * What one TCP listener allows before it closes a connection. Every breach
 * costs only the connection that caused it, and is logged once with the
 * remote address (and the device, once known) so an operator can tell a
 * misconfigured tracker from an attack.
 */
export interface ConnectionLimits extends SessionLimits {
  /**
   * A connection that sends nothing for this long is closed. Teltonika units
   * keep one connection open for hours and send every few minutes when
   * parked, so this must be longer than the slowest reporting interval.
   */
  idleTimeoutMs: number;
  /** Open connections allowed from one remote IP address (see DEFAULT_CONNECTION_LIMITS for the choice). */
  maxConnectionsPerAddress: number;
  /** Open connections allowed on this listener; beyond it new connections are refused. */
  maxConnections: number;
  /**
   * Packets in a row the session ignored (bad CRC, unsupported message)
   * before the connection is closed: a device that only sends what we cannot
   * read is either broken or not a tracker, and reconnecting resets its state.
   */
  maxConsecutiveIgnored: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({
  maxFrameBytes: DEFAULT_SESSION_LIMITS.maxFrameBytes,
  maxRecordsPerPacket: DEFAULT_SESSION_LIMITS.maxRecordsPerPacket,
  idleTimeoutMs: 10 * 60_000,
  /**
   * 1,024, not a two-digit number: trackers on a private M2M APN, or behind
   * a carrier's CGNAT, reach us from one public address, and a whole fleet
   * can sit behind it. Refusing them is invisible to the fleet owner (the
   * devices just buffer), so the cap is set above any plausible fleet behind
   * one NAT while still stopping one host from taking the whole listener
   * (1,024 is 2 % of maxConnections). Raise it for a known APN gateway; every
   * refusal is logged with the address.
   */
  maxConnectionsPerAddress: 1024,
  maxConnections: 50_000,
  maxConsecutiveIgnored: 5,
});

/** The longest delay a Node timer accepts (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Defaults filled in, and every value checked, so a typo in config fails at start-up rather than per connection. */
export function resolveConnectionLimits(partial: Partial<ConnectionLimits> = {}): ConnectionLimits {
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS };
  for (const [key, value] of Object.entries(partial) as [keyof ConnectionLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`connection limit ${key} must be a positive integer, got ${String(value)}`);
    }
    if (key === 'idleTimeoutMs' && value > MAX_TIMER_MS) {
      // Node clamps longer timers to 1 ms, which would close every connection at once.
      throw new RangeError(`connection limit idleTimeoutMs must be at most ${MAX_TIMER_MS} ms, got ${value}`);
    }
    limits[key] = value;
  }
  return limits;
}

export function sessionLimitsOf(limits: ConnectionLimits): SessionLimits {
  return { maxFrameBytes: limits.maxFrameBytes, maxRecordsPerPacket: limits.maxRecordsPerPacket };
}
