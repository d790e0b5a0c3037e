/**
 * The socket side of the binary protocols: the session contract every
 * protocol implements, the TCP listener that drives sessions, its limits and
 * counters. The conformance suite (`conformance.ts`) and `test-kit.ts` are
 * test-only and deliberately not exported here.
 */
export {
  DEFAULT_SESSION_LIMITS,
  ProtocolError,
  type ProtocolErrorCode,
  type ProtocolSession,
  type SessionLimits,
  type SessionStep,
  type SkippedRecord,
} from './protocol-session.ts';
export { startTcpListener, type TcpListener, type TcpListenerOptions } from './tcp-listener.ts';
export { DEFAULT_CONNECTION_LIMITS, resolveConnectionLimits, type ConnectionLimits } from './connection-limits.ts';
export type { CloseReason, RefuseReason, TcpListenerStats } from './listener-stats.ts';
export { LogBudget } from './log-budget.ts';
