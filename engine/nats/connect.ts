import { connect, type NatsConnection } from '@nats-io/transport-node';
import './ascii-encode-patch.ts';
import './request-settle-patch.ts';
import { writeEagerly } from './write-coalesce-patch.ts';

export class NatsConnectError extends Error {
  override readonly name = 'NatsConnectError';
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach NATS at ${url}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * One attempt at start-up (an unreachable server is a clear error, not a retry
 * loop), then unlimited reconnects once we have been up: a NATS restart must
 * not take the platform down.
 */
export async function connectNats(url: string, name: string, opts: { eagerWrites?: boolean } = {}): Promise<NatsConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: url,
      name,
      timeout: 5000,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      pingInterval: 10_000,
      // An async stack trace per request cost ~19% of the main thread under load (bench profile).
      noAsyncTraces: true,
    });
  } catch (err) {
    throw new NatsConnectError(url, err);
  }
  // Alarms' connections write at once; every other one joins a turn's writes (write-coalesce-patch.ts).
  if (opts.eagerWrites) writeEagerly(nc);
  return nc;
}
